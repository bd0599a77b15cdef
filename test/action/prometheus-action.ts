import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../action/src/run.js';

/**
 * The action's canary mode, from its source (`run`, as `action/src/index.ts` calls it), against a real Prometheus:
 * a 12 s window of two 6 s intervals in 3 s steps (Prometheus scrapes every second), its clock 3 s behind so that Prometheus has scraped every step
 * it asks for. `track` prefixes the `track` label (`twin-`: both sides healthy).
 */

export type ActionRun = { outputs: Record<string, string>; summary: string; commands: string[]; log: string[] };

export async function runActionWithPrometheus(url: string, inputs: Record<string, string>): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'aaoe-prom-action-'));
  const log = join(dir, 'commands.log');
  const track = inputs.track ?? '';
  const all: Record<string, string> = {
    mode: 'canary',
    'policy-file': join(dir, 'absent.yml'),
    'deploy-command': `echo deploy >> ${log}`,
    'promote-command': `echo promote >> ${log}`,
    'rollback-command': `echo rollback >> ${log}`,
    provider: 'prometheus',
    'prometheus-url': url,
    'error-rate-query': `sum(rate(http_requests_total{track="${track}{{track}}",code="500"}[{{step}}])) / sum(rate(http_requests_total{track="${track}{{track}}"}[{{step}}]))`,
    'requests-query': `sum(increase(http_requests_total{track="${track}{{track}}"}[{{step}}]))`,
    'window-seconds': '12',
    'interval-seconds': '6',
    'step-seconds': '3',
    ...inputs,
  };
  delete all.track;
  const outputs: Record<string, string> = {};
  const lines: string[] = [];
  let summary = '';
  try {
    await run({
      input: (name) => all[name] ?? '',
      setOutput: (name, value) => {
        outputs[name] = value;
      },
      appendSummary: (markdown) => {
        summary += markdown;
        return Promise.resolve();
      },
      info: (m) => lines.push(m),
      warning: (m) => lines.push(`warning: ${m}`),
      error: (m) => lines.push(`error: ${m}`),
      setFailed: (m) => lines.push(`failed: ${m}`),
      env: { GITHUB_EVENT_NAME: 'workflow_dispatch', RUNNER_TEMP: dir, PATH: process.env.PATH },
      now: () => new Date(Date.now() - 3000),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    let commands: string[] = [];
    try {
      commands = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
    } catch {
      commands = [];
    }
    return { outputs, summary, commands, log: lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
