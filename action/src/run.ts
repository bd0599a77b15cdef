import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentState } from './deployment-status.js';
import { authenticatePayload, readDispatchPayload, type PayloadRead } from './dispatch-payload.js';
import { readInputs, type Inputs } from './inputs.js';
import { reportIntervals, sendReport } from './report.js';
import { type Report } from '../../src/contracts/report.js';
import {
  deploymentId,
  setDeploymentStatus,
  type ActionContext,
  type ActionIO,
  type Outcome,
} from './action-context.js';
import { runAgentMode } from './agent-mode.js';
import { runCanaryMode } from './canary-mode.js';
import { runPolicyMode } from './policy-mode.js';
import { runRollbackMode } from './rollback-mode.js';

/**
 * The action, whatever its mode. Everything it touches comes through `io` (inputs, outputs, summary,
 * annotations, environment, clock), so this module never imports `@actions/core` and a test can drive it.
 */

export type { ActionIO };

export async function run(io: ActionIO): Promise<void> {
  const read = readInputs((name) => io.input(name));
  if (!read.ok) {
    for (const e of read.errors) io.error(e, 'AAOE: invalid input');
    refuse(io, `invalid inputs: ${read.errors.join('; ')}`);
    return;
  }
  const inputs = read.inputs;
  if (inputs.mode === 'agent') return runAgentMode(io, inputs);
  const payloadRead = readDispatchPayload(io.env.GITHUB_EVENT_NAME, readEvent(io.env.GITHUB_EVENT_PATH));
  if (!payloadRead.ok) {
    io.error(payloadRead.error, 'AAOE: invalid dispatch payload');
    refuse(io, payloadRead.error);
    return;
  }
  const refused = refusal(io, inputs, payloadRead);
  if (refused) {
    io.error(refused, 'AAOE: dispatch refused');
    refuse(io, refused);
    return;
  }
  const payload = payloadRead.payload;
  const executionId = inputs['execution-id'] ?? payload?.executionId ?? `run-${io.env.GITHUB_RUN_ID ?? 'local'}`;
  const ctx: ActionContext = { io, inputs, payload, executionId, commandEnv: {}, commands: [] };

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

/** Nothing ran: the outputs say so and the step fails. */
function refuse(io: ActionIO, message: string): void {
  io.setOutput('verdict', 'error');
  io.setOutput('outcome', 'failure');
  io.setFailed(message);
}

/**
 * Why a dispatch may not run, if it may not: nothing a dispatch asks for runs (no command, no status, no report)
 * unless the app signed it for this run.
 */
function refusal(io: ActionIO, inputs: Inputs, read: Extract<PayloadRead, { ok: true }>): string | undefined {
  if (!read.payload) return undefined;
  const check = authenticatePayload(read, {
    key: inputs['report-secret'],
    repository: io.env.GITHUB_REPOSITORY,
    environment: inputs.environment,
    mode: inputs.mode,
    now: io.now(),
  });
  return check.ok ? undefined : `the dispatch is not authenticated as AAOE's, so nothing was run: ${check.reason}`;
}

function runUrl(env: ActionIO['env']): string | null {
  return env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
    ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
    : null;
}

/** The report (`src/contracts/report.ts`) of this run. */
function buildReport(ctx: ActionContext, result: Outcome): Report {
  const { io } = ctx;
  return {
    version: 1,
    executionId: ctx.executionId,
    sha: ctx.payload?.sha ?? io.env.GITHUB_SHA ?? null,
    environment: ctx.payload?.environment ?? null,
    deploymentId: deploymentId(ctx) ?? null,
    // agent mode hands back its own result (agent-mode.ts) and never reaches a report
    mode: ctx.inputs.mode === 'agent' ? 'policy' : ctx.inputs.mode,
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
      url: runUrl(io.env),
    },
    at: io.now().toISOString(),
    traceparent: ctx.payload?.traceparent ?? null,
  };
}

/** The deployment status a finished run leaves. */
function finalState(mode: Inputs['mode'], result: Outcome): DeploymentState {
  if (result.outcome === 'success') return mode === 'rollback' ? 'inactive' : 'success';
  return result.verdict === 'error' ? 'error' : 'failure';
}

async function finish(ctx: ActionContext, result: Outcome): Promise<void> {
  const { io, inputs } = ctx;
  const report = buildReport(ctx, result);
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

  if (inputs.mode !== 'policy')
    await setDeploymentStatus(ctx, finalState(inputs.mode, result), result.title, report.run.url ?? undefined);
  if (inputs['report-url']) {
    const sent = await sendReport(inputs['report-url'], report, inputs['report-secret']);
    if (!sent.ok)
      io.warning(`the report could not be sent to the app: ${sent.problem.message}`, 'AAOE: report not delivered');
  }
  io.info(
    `verdict ${result.verdict}, outcome ${result.outcome}: ${result.title}${ctx.payload?.traceparent ? ` (trace ${ctx.payload.traceparent.split('-')[1]})` : ''}`,
  );
  if (result.outcome === 'failure') io.setFailed(`${result.title}: ${result.reason}`);
}

function readEvent(path: string | undefined): unknown {
  if (!path || !existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
