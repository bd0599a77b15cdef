import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeCanary, type CanaryVerdict } from '../../src/core/canary/analyze-canary.js';
import { metricsFromPolicy, planFromPolicy } from '../../src/core/canary/plan-from-policy.js';
import type { IntervalSamples } from '../../src/core/canary/schema.js';
import { Change } from '../../src/core/policy/change.js';
import { evaluatePolicy } from '../../src/core/policy/evaluate-policy.js';
import { explainEvaluation } from '../../src/core/policy/explain.js';
import { formatPolicyError, loadPolicy, resolvePolicy } from '../../src/core/policy/load-policy.js';
import { loadPresets } from '../../src/adapters/files/presets.js';
import { Policy } from '../../src/core/policy/schema.js';
import { postDeploymentStatus, type DeploymentState } from './deployment-status.js';
import { authenticatePayload, readDispatchPayload, type DispatchPayload } from './dispatch-payload.js';
import { readInputs, type Inputs } from './inputs.js';
import { commandProvider } from './providers/command.js';
import { httpJsonProvider } from './providers/http-json.js';
import type { MetricProvider } from './providers/metric-provider.js';
import { prometheusProvider } from './providers/prometheus.js';
import { reportIntervals, sendReport, type ActionVerdict, type CommandSummary, type Report } from './report.js';
import { runCommand, type CommandResult } from './run-command.js';
import { renderCanarySummary } from './summary.js';

/**
 * The action, whatever its mode. Everything it touches comes through `io` (inputs, outputs, summary,
 * annotations, environment, clock), so this module never imports `@actions/core` and a test can drive it.
 */

export type ActionIO = {
  input(name: string): string;
  setOutput(name: string, value: string): void;
  appendSummary(markdown: string): Promise<void>;
  info(message: string): void;
  warning(message: string, title?: string): void;
  error(message: string, title?: string): void;
  setFailed(message: string): void;
  env: Record<string, string | undefined>;
  now(): Date;
  sleep(ms: number): Promise<void>;
};

type Context = {
  io: ActionIO;
  inputs: Inputs;
  payload: DispatchPayload | undefined;
  executionId: string;
  commandEnv: Record<string, string>;
  commands: { name: CommandSummary['name']; result: CommandResult }[];
};

type Outcome = {
  verdict: ActionVerdict;
  outcome: 'success' | 'failure';
  title: string;
  reason: string;
  analysis?: CanaryVerdict;
};

export async function run(io: ActionIO): Promise<void> {
  const read = readInputs(io.input);
  if (!read.ok) {
    for (const e of read.errors) io.error(e, 'AAOE: invalid input');
    io.setOutput('verdict', 'error');
    io.setOutput('outcome', 'failure');
    io.setFailed(`invalid inputs: ${read.errors.join('; ')}`);
    return;
  }
  const inputs = read.inputs;
  const payloadRead = readDispatchPayload(io.env.GITHUB_EVENT_NAME, readEvent(io.env.GITHUB_EVENT_PATH));
  if (!payloadRead.ok) {
    io.error(payloadRead.error, 'AAOE: invalid dispatch payload');
    io.setOutput('verdict', 'error');
    io.setOutput('outcome', 'failure');
    io.setFailed(payloadRead.error);
    return;
  }
  if (payloadRead.payload) {
    // nothing a dispatch asks for runs (no command, no status, no report) unless the app signed it for this run
    const check = authenticatePayload(payloadRead, {
      key: inputs['report-secret'],
      repository: io.env.GITHUB_REPOSITORY,
      environment: inputs.environment,
      mode: inputs.mode,
      now: io.now(),
    });
    if (!check.ok) {
      const message = `the dispatch is not authenticated as AAOE's, so nothing was run: ${check.reason}`;
      io.error(message, 'AAOE: dispatch refused');
      io.setOutput('verdict', 'error');
      io.setOutput('outcome', 'failure');
      io.setFailed(message);
      return;
    }
  }
  const payload = payloadRead.payload;
  const executionId = inputs['execution-id'] ?? payload?.executionId ?? `run-${io.env.GITHUB_RUN_ID ?? 'local'}`;
  const ctx: Context = { io, inputs, payload, executionId, commandEnv: {}, commands: [] };

  let result: Outcome;
  try {
    result =
      inputs.mode === 'policy'
        ? await runPolicyMode(ctx)
        : inputs.mode === 'rollback'
          ? await runRollbackMode(ctx)
          : await runCanaryMode(ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result = { verdict: 'error', outcome: 'failure', title: 'The action failed', reason: message };
  }
  await finish(ctx, result);
}

async function runCanaryMode(ctx: Context): Promise<Outcome> {
  const { io, inputs, payload } = ctx;
  const policy = readPolicy(inputs['policy-file'], io);
  if (!policy.ok)
    return {
      verdict: 'error',
      outcome: 'failure',
      title: 'The policy is invalid: nothing was deployed',
      reason: policy.errors.join('; '),
    };
  const rollback = {
    errorRateIncrease: inputs['error-rate-increase'] ?? policy.policy.deployment.autoRollback.errorRateIncrease,
    latencyIncreaseMs: inputs['latency-increase-ms'] ?? policy.policy.deployment.autoRollback.latencyIncreaseMs,
    windowSeconds: inputs['window-seconds'] ?? policy.policy.deployment.autoRollback.windowSeconds,
  };
  const canaryPercent = inputs['canary-percent'] ?? payload?.canaryPercent ?? policy.policy.deployment.canaryPercent;
  ctx.commandEnv = {
    AAOE_MODE: inputs.mode,
    AAOE_EXECUTION_ID: ctx.executionId,
    AAOE_CANARY_PERCENT: String(canaryPercent),
    AAOE_SHA: payload?.sha ?? io.env.GITHUB_SHA ?? '',
    AAOE_ENVIRONMENT: payload?.environment ?? inputs.environment,
    AAOE_DEPLOYMENT_ID: String(deploymentId(ctx) ?? ''),
  };

  if (inputs.mode === 'canary') {
    await setDeploymentStatus(ctx, 'in_progress', `canary at ${canaryPercent}%: deploying`);
    const deployed = await command(ctx, 'deploy', inputs['deploy-command']!);
    if (deployed.exitCode !== 0) {
      await command(ctx, 'rollback', inputs['rollback-command']!, { AAOE_VERDICT: 'error' });
      return {
        verdict: 'error',
        outcome: 'failure',
        title: `The deploy command failed (exit ${deployed.exitCode}): rolled back`,
        reason: lastLine(deployed.output),
      };
    }
  }

  const metrics = metricsFromPolicy(rollback).filter((m) => metricNames(inputs).includes(m.name));
  const now = io.now();
  const plan = planFromPolicy(rollback, {
    // health mode judges the window that just ended; canary mode the window starting now.
    startedAt: inputs.mode === 'health' ? new Date(now.getTime() - rollback.windowSeconds * 1000) : now,
    intervalSeconds: inputs['interval-seconds'],
    failureLimit: inputs['failure-limit'],
    inconclusiveLimit: inputs['inconclusive-limit'],
    alpha: inputs.alpha,
  });
  io.info(
    `analysis: ${plan.intervals} intervals of ${plan.intervalSeconds}s, metrics ${metrics.map((m) => m.name).join(', ')}, provider ${inputs.provider}`,
  );
  const provider = makeProvider(ctx);
  const samples: IntervalSamples[] = [];
  const start = Date.parse(plan.startedAt);
  let verdict: CanaryVerdict | undefined;
  for (let index = 0; index < plan.intervals; index++) {
    const end = start + (index + 1) * plan.intervalSeconds * 1000;
    const wait = end - io.now().getTime();
    if (wait > 0) await io.sleep(wait);
    const window = {
      start: new Date(start + index * plan.intervalSeconds * 1000),
      end: new Date(end),
      stepSeconds: inputs['step-seconds'],
    };
    samples.push({ index, metrics: await Promise.all(metrics.map((m) => provider.collect(m.name, window))) });
    verdict = analyzeCanary({ plan, metrics, samples, now: new Date(end) });
    io.info(`interval ${index + 1}/${plan.intervals}: ${verdict.intervals.at(-1)?.outcome ?? '-'}; ${verdict.title}`);
    if (verdict.kind !== 'continue') break;
  }
  if (!verdict || verdict.kind === 'continue') throw new Error('the analysis ended without a verdict');

  let action = 'Health analysis only: nothing was promoted or rolled back.';
  let outcome: 'success' | 'failure' = verdict.kind === 'promote' ? 'success' : 'failure';
  if (inputs.mode === 'canary') {
    if (verdict.kind === 'promote') {
      const promoted = await command(ctx, 'promote', inputs['promote-command']!, { AAOE_VERDICT: verdict.kind });
      action =
        promoted.exitCode === 0
          ? 'The promote command ran: the canary is promoted.'
          : `The promote command failed (exit ${promoted.exitCode}): check the deployment.`;
      if (promoted.exitCode !== 0) outcome = 'failure';
    } else if (verdict.kind === 'rollback' || inputs['on-inconclusive'] === 'rollback') {
      const rolledBack = await command(ctx, 'rollback', inputs['rollback-command']!, { AAOE_VERDICT: verdict.kind });
      action =
        rolledBack.exitCode === 0
          ? 'The rollback command ran: the canary is rolled back.'
          : `The rollback command failed (exit ${rolledBack.exitCode}): roll back by hand.`;
    } else {
      action = 'Inconclusive and `on-inconclusive: fail`: the canary was left in place; promote or roll back by hand.';
    }
  }
  const next =
    outcome === 'failure'
      ? 'look at the failing metric below, fix the change, and merge again; `/aaoe retry` re-runs the deployment.'
      : undefined;
  await io.appendSummary(renderCanarySummary({ verdict, samples, commands: ctx.commands, action, next }));
  if (outcome === 'failure') {
    for (const interval of verdict.intervals) {
      for (const m of interval.metrics)
        if (m.outcome === 'fail')
          io.error(`${m.metric} in interval ${interval.index + 1}: ${m.reason}`, `AAOE canary: ${m.metric} failed`);
    }
    if (verdict.kind !== 'rollback') io.error(verdict.reason, `AAOE canary: ${verdict.title}`);
  }
  return { verdict: verdict.kind, outcome, title: verdict.title, reason: verdict.reason, analysis: verdict };
}

async function runRollbackMode(ctx: Context): Promise<Outcome> {
  ctx.commandEnv = {
    AAOE_MODE: 'rollback',
    AAOE_EXECUTION_ID: ctx.executionId,
    AAOE_SHA: ctx.payload?.sha ?? ctx.io.env.GITHUB_SHA ?? '',
    AAOE_ENVIRONMENT: ctx.payload?.environment ?? ctx.inputs.environment,
    AAOE_DEPLOYMENT_ID: String(deploymentId(ctx) ?? ''),
    AAOE_VERDICT: 'rollback',
  };
  const result = await command(ctx, 'rollback', ctx.inputs['rollback-command']!);
  const ok = result.exitCode === 0;
  await ctx.io.appendSummary(
    `## AAOE rollback: ${ok ? '✅ done' : '❌ failed'}\n\nThe rollback command exited with ${result.exitCode}.\n\n\`\`\`text\n${result.output.trimEnd()}\n\`\`\`\n`,
  );
  return ok
    ? {
        verdict: 'rolled-back',
        outcome: 'success',
        title: 'Rolled back on request',
        reason: 'the rollback command succeeded',
      }
    : {
        verdict: 'error',
        outcome: 'failure',
        title: `The rollback command failed (exit ${result.exitCode})`,
        reason: lastLine(result.output),
      };
}

async function runPolicyMode(ctx: Context): Promise<Outcome> {
  const { io, inputs } = ctx;
  const policy = readPolicy(inputs['policy-file'], io, { required: true });
  if (!policy.ok) {
    for (const e of policy.errors) io.error(e, 'AAOE policy: invalid');
    await io.appendSummary(`## AAOE policy: ❌ invalid\n\n${policy.errors.map((e) => `- ${e}`).join('\n')}\n`);
    return { verdict: 'policy', outcome: 'failure', title: 'The policy is invalid', reason: policy.errors.join('; ') };
  }
  if (!inputs['change-file']) {
    await io.appendSummary(
      `## AAOE policy: ✅ valid\n\n\`${inputs['policy-file']}\` is a valid policy (\`${policy.policy.id ?? policy.policy.extends ?? 'policy'}\`).\n`,
    );
    return {
      verdict: 'policy',
      outcome: 'success',
      title: 'The policy is valid',
      reason: `${inputs['policy-file']} loads and resolves`,
    };
  }
  const change = Change.safeParse(JSON.parse(readFileSync(inputs['change-file'], 'utf8')));
  if (!change.success)
    throw new Error(
      `${inputs['change-file']} is not a change: ${change.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const evaluation = await evaluatePolicy(change.data, policy.policy);
  const text = explainEvaluation(evaluation, { policySource: `\`${inputs['policy-file']}\`` });
  await io.appendSummary(`## AAOE policy: ${text.title}\n\n${text.summary}\n`);
  if (evaluation.conclusion !== 'success') io.error(evaluation.title, 'AAOE policy');
  return {
    verdict: 'policy',
    outcome: evaluation.conclusion === 'success' ? 'success' : 'failure',
    title: evaluation.title,
    reason: evaluation.conclusion,
  };
}

async function finish(ctx: Context, result: Outcome): Promise<void> {
  const { io, inputs } = ctx;
  const runUrl =
    io.env.GITHUB_SERVER_URL && io.env.GITHUB_REPOSITORY && io.env.GITHUB_RUN_ID
      ? `${io.env.GITHUB_SERVER_URL}/${io.env.GITHUB_REPOSITORY}/actions/runs/${io.env.GITHUB_RUN_ID}`
      : null;
  const report: Report = {
    version: 1,
    executionId: ctx.executionId,
    sha: ctx.payload?.sha ?? io.env.GITHUB_SHA ?? null,
    environment: ctx.payload?.environment ?? null,
    deploymentId: deploymentId(ctx) ?? null,
    mode: inputs.mode,
    verdict: result.verdict,
    outcome: result.outcome,
    title: result.title,
    reason: result.reason,
    counts: result.analysis?.counts ?? null,
    intervals: reportIntervals(result.analysis),
    commands: ctx.commands.map((c) => ({ name: c.name, exitCode: c.result.exitCode, durationMs: c.result.durationMs })),
    run: {
      repository: io.env.GITHUB_REPOSITORY ?? null,
      runId: io.env.GITHUB_RUN_ID ?? null,
      runAttempt: io.env.GITHUB_RUN_ATTEMPT ?? null,
      url: runUrl,
    },
    at: io.now().toISOString(),
    traceparent: ctx.payload?.traceparent ?? null,
  };
  const json = JSON.stringify(report);
  const reportFile = join(
    io.env.RUNNER_TEMP ?? io.env.TMPDIR ?? '/tmp',
    `aaoe-report-${ctx.executionId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`,
  );
  writeFileSync(reportFile, `${json}\n`);
  io.setOutput('verdict', result.verdict);
  io.setOutput('outcome', result.outcome);
  io.setOutput('report', json);
  io.setOutput('report-file', reportFile);

  if (inputs.mode !== 'policy') {
    const state: DeploymentState =
      result.outcome === 'success'
        ? inputs.mode === 'rollback'
          ? 'inactive'
          : 'success'
        : result.verdict === 'error'
          ? 'error'
          : 'failure';
    await setDeploymentStatus(ctx, state, result.title, runUrl ?? undefined);
  }
  if (inputs['report-url']) {
    const sent = await sendReport(inputs['report-url'], report, inputs['report-secret']);
    if (!sent.ok) io.warning(`the report could not be sent to the app: ${sent.error}`, 'AAOE: report not delivered');
  }
  io.info(
    `verdict ${result.verdict}, outcome ${result.outcome}: ${result.title}${ctx.payload?.traceparent ? ` (trace ${ctx.payload.traceparent.split('-')[1]})` : ''}`,
  );
  if (result.outcome === 'failure') io.setFailed(`${result.title}: ${result.reason}`);
}

async function command(
  ctx: Context,
  name: CommandSummary['name'],
  text: string,
  extra: Record<string, string> = {},
): Promise<CommandResult> {
  ctx.io.info(`running the ${name} command`);
  const result = await runCommand(text, { ...ctx.commandEnv, ...extra }, (chunk) => ctx.io.info(chunk.trimEnd()));
  ctx.commands.push({ name, result });
  ctx.io.info(`the ${name} command exited with ${result.exitCode}`);
  return result;
}

async function setDeploymentStatus(
  ctx: Context,
  state: DeploymentState,
  description: string,
  logUrl?: string,
): Promise<void> {
  const id = deploymentId(ctx);
  if (id === undefined) return;
  const token = ctx.inputs['github-token'];
  if (!token) {
    ctx.io.warning(`deployment ${id}: no github-token, so no deployment status was posted`);
    return;
  }
  const posted = await postDeploymentStatus(
    {
      apiUrl: ctx.io.env.GITHUB_API_URL ?? 'https://api.github.com',
      repository: ctx.io.env.GITHUB_REPOSITORY ?? '',
      token,
      deploymentId: id,
    },
    { state, description, logUrl, environment: ctx.payload?.environment },
  );
  if (!posted.ok)
    ctx.io.warning(`deployment ${id}: the ${state} status was not posted: ${posted.error}`, 'AAOE: deployment status');
}

function deploymentId(ctx: Context): number | undefined {
  return ctx.inputs['deployment-id'] ?? ctx.payload?.deploymentId;
}

function makeProvider(ctx: Context): MetricProvider {
  const { inputs } = ctx;
  if (inputs.provider === 'http') return httpJsonProvider({ url: inputs['metrics-url']! });
  if (inputs.provider === 'command')
    return commandProvider({
      command: inputs['metrics-command']!,
      env: ctx.commandEnv,
      log: (s) => ctx.io.info(s.trimEnd()),
    });
  const queries: Record<string, string> = {};
  if (inputs['error-rate-query']) queries['error-rate'] = inputs['error-rate-query'];
  if (inputs['latency-query']) queries.latency = inputs['latency-query'];
  return prometheusProvider({
    url: inputs['prometheus-url']!,
    queries,
    executionId: ctx.executionId,
    token: inputs['prometheus-token'],
  });
}

/** The metrics judged: with Prometheus, those that have a query; otherwise both. */
function metricNames(inputs: Inputs): string[] {
  if (inputs.provider !== 'prometheus') return ['error-rate', 'latency'];
  return [inputs['error-rate-query'] ? 'error-rate' : '', inputs['latency-query'] ? 'latency' : ''].filter(Boolean);
}

type PolicyRead = { ok: true; policy: Policy } | { ok: false; errors: string[] };

function readPolicy(file: string, io: ActionIO, { required = false } = {}): PolicyRead {
  if (!existsSync(file)) {
    if (required)
      return { ok: false, errors: [`${file} does not exist: check out the repository first (actions/checkout)`] };
    io.info(`${file} does not exist: the default policy's thresholds apply`);
    return { ok: true, policy: Policy.parse({}) };
  }
  const loaded = loadPolicy(readFileSync(file, 'utf8'), file);
  if (!loaded.ok) return { ok: false, errors: loaded.errors.map(formatPolicyError) };
  const resolved = resolvePolicy(loaded, loadPresets());
  if (!resolved.ok) return { ok: false, errors: resolved.errors.map(formatPolicyError) };
  return { ok: true, policy: resolved.policy };
}

function readEvent(path: string | undefined): unknown {
  if (!path || !existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function lastLine(output: string): string {
  return output.trim().split('\n').at(-1)?.slice(0, 500) ?? '';
}
