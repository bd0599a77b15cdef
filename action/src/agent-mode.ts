import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signBody } from '../../src/adapters/github/signature.js';
import { verifyAgentDispatch } from '../../src/adapters/github/agent-signature.js';
import {
  AgentDispatch,
  MAX_AGENT_DIFF_CHARS,
  MAX_TRANSCRIPT_CHARS,
  type AgentResult,
} from '../../src/contracts/agent-result.js';
import { REPORT_SIGNATURE_HEADER } from '../../src/contracts/report.js';
import type { ActionIO } from './action-context.js';
import { readAgentOutput, type Price } from './agent-usage.js';
import type { Inputs } from './inputs.js';

/**
 * `mode: agent` (bring your own agent): runs a coding agent in a job whose token can only read, and hands its
 * result back to the app, signed; it never pushes. Steps: authenticate AAOE's `aaoe-agent-<name>` dispatch with the
 * repository's key; check that the work tree is the base commit AAOE named (the workflow checks it out); give the
 * agent its task (a file), its budget and its time limit through the environment, without the action's inputs or
 * the runner's tokens; then diff the work tree against the base, read the agent's usage report and send the result.
 */

/** Environment variables the agent never sees: the action's inputs (the key) and the runner's own tokens. */
const WITHHELD = /^(INPUT_|ACTIONS_ID_TOKEN_REQUEST_|ACTIONS_RUNTIME_|ACTIONS_CACHE_|GITHUB_TOKEN$)/;
const STDOUT_KEEP = 4 * 1024 * 1024;

type Ran = { exitCode: number; timedOut: boolean; stdout: string; transcript: string };

type Authenticated = { dispatch: AgentDispatch; secret: string; url: string; command: string; cwd: string };

export async function runAgentMode(io: ActionIO, inputs: Inputs): Promise<void> {
  const fail = (why: string) => {
    io.error(why, 'AAOE: agent job refused');
    io.setOutput('outcome', 'failure');
    io.setFailed(why);
  };
  const authenticated = authenticate(io, inputs);
  if (typeof authenticated === 'string') {
    fail(authenticated);
    return;
  }
  const { dispatch, secret, url, command, cwd } = authenticated;
  const temp = io.env.RUNNER_TEMP ?? io.env.TMPDIR ?? '/tmp';
  const name = dispatch.executionId.replace(/[^A-Za-z0-9._-]/g, '_');
  const taskFile = join(temp, `aaoe-task-${name}.md`);
  writeFileSync(taskFile, `# ${dispatch.task.title}\n\n${dispatch.task.body}\n`);
  const limit = dispatch.budget.timeLimitSeconds;
  io.info(`running the agent ${dispatch.agent} on ${dispatch.baseSha} for ${limit}s at most`);
  const ran = await runAgent(command, agentEnv(io, dispatch, taskFile), cwd, limit * 1000, io);
  const result = collect(io, inputs, dispatch, ran, cwd);
  const body = JSON.stringify(result);
  const resultFile = join(temp, `aaoe-agent-result-${name}.json`);
  writeFileSync(resultFile, `${body}\n`);
  io.setOutput('report-file', resultFile);
  const sent = await post(url, body, signBody(body, secret));
  await io.appendSummary(summary(result, sent));
  if (!sent.ok) {
    fail(`the result could not be handed back to the app: ${sent.message}`);
    return;
  }
  io.setOutput('outcome', ran.exitCode === 0 && !ran.timedOut ? 'success' : 'failure');
  if (ran.timedOut) io.setFailed(`the agent ran past its time limit (${limit}s)`);
  else if (ran.exitCode !== 0) io.setFailed(`the agent exited with ${ran.exitCode}`);
}

/** The dispatch, when AAOE signed it for this repository and event and the checkout is its base; else why not. */
function authenticate(io: ActionIO, inputs: Inputs): Authenticated | string {
  const secret = inputs['report-secret'];
  const url = inputs['report-url'];
  const command = inputs['agent-command'];
  if (!secret || !url || !command) return 'agent mode needs agent-command, report-url and report-secret';
  const event = readJson(io.env.GITHUB_EVENT_PATH) as { action?: unknown; client_payload?: unknown } | undefined;
  if (io.env.GITHUB_EVENT_NAME !== 'repository_dispatch' || typeof event?.action !== 'string')
    return "an agent job runs only from AAOE's repository_dispatch (aaoe-agent-<name>)";
  const parsed = AgentDispatch.safeParse(event.client_payload);
  if (!parsed.success)
    return `the dispatch payload is not AAOE's agent dispatch: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
  const dispatch = parsed.data;
  const check = verifyAgentDispatch(dispatch, secret, {
    repository: io.env.GITHUB_REPOSITORY ?? '',
    eventType: event.action,
    now: io.now(),
  });
  if (!check.ok) return `the dispatch is not authenticated as AAOE's, so no agent ran: ${check.reason}`;
  const cwd = io.env.GITHUB_WORKSPACE ?? process.cwd();
  const head = git(cwd, ['rev-parse', 'HEAD']).trim();
  if (head !== dispatch.baseSha)
    return `the work tree is at ${head || 'no commit'}, AAOE named base ${dispatch.baseSha}: check out that commit`;
  return { dispatch, secret, url, command, cwd };
}

/** The agent's environment: the runner's, without the action's inputs and tokens, with its task and budget. */
function agentEnv(io: ActionIO, dispatch: AgentDispatch, taskFile: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(io.env)) if (v !== undefined && !WITHHELD.test(k)) env[k] = v;
  return {
    ...env,
    AAOE_TASK_FILE: taskFile,
    AAOE_EXECUTION_ID: dispatch.executionId,
    AAOE_BASE_SHA: dispatch.baseSha,
    AAOE_ISSUE: String(dispatch.task.issue),
    AAOE_BUDGET_USD: dispatch.budget.usd === null ? '' : dispatch.budget.usd.toFixed(4),
    AAOE_BUDGET_TOKENS: dispatch.budget.tokens === null ? '' : String(dispatch.budget.tokens),
    AAOE_TIME_LIMIT_SECONDS: String(dispatch.budget.timeLimitSeconds),
  };
}

function collect(io: ActionIO, inputs: Inputs, dispatch: AgentDispatch, ran: Ran, cwd: string): AgentResult {
  git(cwd, ['add', '-A']);
  const base = dispatch.baseSha;
  let diff = git(cwd, ['diff', '--cached', '--no-renames', '--no-color', '--no-ext-diff', '--binary', base]);
  const names = git(cwd, ['diff', '--cached', '--no-renames', '--name-status', base]);
  let transcript = ran.transcript;
  if (diff.length > MAX_AGENT_DIFF_CHARS) {
    transcript += `\n[AAOE] the diff is ${diff.length} characters, more than ${MAX_AGENT_DIFF_CHARS}: not handed back\n`;
    diff = '';
  }
  const files = names
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, 1_000)
    .map((l) => {
      const [status = 'M', ...rest] = l.split('\t');
      const path = rest.join('\t');
      return { path, status: status === 'A' ? 'added' : status === 'D' ? 'removed' : 'modified' } as const;
    });
  const out = readAgentOutput(inputs['usage-format'], ran.stdout, price(inputs['price-per-mtok']));
  return {
    version: 1,
    executionId: dispatch.executionId,
    agent: dispatch.agent,
    baseSha: base,
    run: {
      runId: io.env.GITHUB_RUN_ID ?? '0',
      runAttempt: io.env.GITHUB_RUN_ATTEMPT ?? '1',
      workflowRef: io.env.GITHUB_WORKFLOW_REF?.slice(0, 1_000) ?? null,
    },
    exitCode: ran.exitCode,
    timedOut: ran.timedOut,
    diff,
    files: diff === '' ? [] : files,
    usage: out.usage,
    summary: out.summary.slice(0, 4_000),
    transcript: transcript.slice(-MAX_TRANSCRIPT_CHARS),
    at: io.now().toISOString(),
  };
}

function price(text: string | undefined): Price | undefined {
  if (!text) return undefined;
  const [input = NaN, output = NaN] = text.split(',').map((s) => Number(s.trim()));
  return Number.isFinite(input) && Number.isFinite(output) ? { input, output } : undefined;
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return r.status === 0 ? r.stdout : '';
}

/** The agent's command under bash, in its own process group, stopped (the whole group) at the time limit. */
function runAgent(command: string, env: Record<string, string>, cwd: string, limitMs: number, io: ActionIO) {
  return new Promise<Ran>((resolve) => {
    let stdout = '';
    let transcript = '';
    let timedOut = false;
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', command], {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer, isOut: boolean) => {
      const s = chunk.toString('utf8');
      io.info(s.replace(/\n$/, ''));
      if (isOut && stdout.length < STDOUT_KEEP) stdout += s;
      transcript = (transcript + s).slice(-MAX_TRANSCRIPT_CHARS);
    };
    child.stdout.on('data', (c: Buffer) => {
      keep(c, true);
    });
    child.stderr.on('data', (c: Buffer) => {
      keep(c, false);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        // the whole process group: an agent's own children stop with it
        if (child.pid === undefined) throw new Error('no pid');
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, limitMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ exitCode: 127, timedOut, stdout, transcript: `${transcript}${error.message}\n` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? (signal ? 128 : 1), timedOut, stdout, transcript });
    });
  });
}

async function post(
  url: string,
  body: string,
  signature: string,
): Promise<{ ok: true } | { ok: false; message: string }> {
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'aaoe-action',
          'x-aaoe-event': 'agent-result',
          [REPORT_SIGNATURE_HEADER]: signature,
        },
        body,
        signal: AbortSignal.timeout(60_000),
      });
      if (response.ok) return { ok: true };
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 500)}`;
      if (response.status < 500) break;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 1_000 * attempt));
  }
  return { ok: false, message: last };
}

function summary(r: AgentResult, sent: { ok: boolean }): string {
  const cost = r.usage
    ? `$${r.usage.costUsd.toFixed(4)}, ${r.usage.inputTokens + r.usage.outputTokens} tokens`
    : 'not reported';
  return [
    `## AAOE agent job: ${r.agent}`,
    '',
    `- execution \`${r.executionId}\`, base \`${r.baseSha}\``,
    `- exit code ${r.exitCode}${r.timedOut ? ' (stopped at the time limit)' : ''}`,
    `- files changed: ${r.files.length}`,
    `- usage: ${cost}`,
    `- handed back to AAOE: ${sent.ok ? 'yes' : 'no'}`,
    '',
  ].join('\n');
}

function readJson(path: string | undefined): unknown {
  if (!path || !existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
