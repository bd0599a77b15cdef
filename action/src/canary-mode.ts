import { analyzeCanary, type CanaryVerdict } from '../../src/core/canary/analyze-canary.js';
import { metricsFromPolicy, planFromPolicy } from '../../src/core/canary/plan-from-policy.js';
import type { IntervalSamples } from '../../src/core/canary/schema.js';
import {
  command,
  deploymentId,
  lastLine,
  readPolicy,
  required,
  setDeploymentStatus,
  type ActionContext,
  type Outcome,
} from './action-context.js';
import { makeProvider, metricNames } from './metric-source.js';
import { renderCanarySummary } from './summary.js';

/**
 * `mode: canary` (deploy the canary, judge it interval by interval, then promote or roll back) and `mode: health`
 * (judge the window that just ended, act on nothing).
 */

type Thresholds = { errorRateIncrease: number; latencyIncreaseMs: number; windowSeconds: number };

type Analysis = { verdict: CanaryVerdict; samples: IntervalSamples[] };

export async function runCanaryMode(ctx: ActionContext): Promise<Outcome> {
  const { io, inputs, payload } = ctx;
  const policy = readPolicy(inputs['policy-file'], io);
  if (!policy.ok)
    return {
      verdict: 'error',
      outcome: 'failure',
      title: 'The policy is invalid: nothing was deployed',
      reason: policy.errors.join('; '),
    };
  const rollback: Thresholds = {
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
    const failed = await deployCanary(ctx, canaryPercent);
    if (failed) return failed;
  }
  const analysis = await analyze(ctx, rollback);
  return actOnVerdict(ctx, analysis);
}

/** Deploys the canary; if the deploy command fails, rolls back and says so (undefined: deployed). */
async function deployCanary(ctx: ActionContext, canaryPercent: number): Promise<Outcome | undefined> {
  await setDeploymentStatus(ctx, 'in_progress', `canary at ${canaryPercent}%: deploying`);
  const deployed = await command(ctx, 'deploy', required(ctx.inputs, 'deploy-command'));
  if (deployed.exitCode === 0) return undefined;
  await command(ctx, 'rollback', required(ctx.inputs, 'rollback-command'), { AAOE_VERDICT: 'error' });
  return {
    verdict: 'error',
    outcome: 'failure',
    title: `The deploy command failed (exit ${deployed.exitCode}): rolled back`,
    reason: lastLine(deployed.output),
  };
}

/** Collects each interval's samples when it ends and judges them, until the analysis reaches a verdict. */
async function analyze(ctx: ActionContext, rollback: Thresholds): Promise<Analysis> {
  const { io, inputs } = ctx;
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
  return { verdict, samples };
}

/** Promotes or rolls back on the verdict (canary mode), writes the summary and the annotations. */
async function actOnVerdict(ctx: ActionContext, { verdict, samples }: Analysis): Promise<Outcome> {
  const { io } = ctx;
  const { action, outcome } =
    ctx.inputs.mode === 'canary'
      ? await promoteOrRollBack(ctx, verdict)
      : {
          action: 'Health analysis only: nothing was promoted or rolled back.',
          outcome: verdict.kind === 'promote' ? ('success' as const) : ('failure' as const),
        };
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

async function promoteOrRollBack(
  ctx: ActionContext,
  verdict: CanaryVerdict,
): Promise<{ action: string; outcome: 'success' | 'failure' }> {
  const { inputs } = ctx;
  if (verdict.kind === 'promote') {
    const promoted = await command(ctx, 'promote', required(inputs, 'promote-command'), { AAOE_VERDICT: verdict.kind });
    return promoted.exitCode === 0
      ? { action: 'The promote command ran: the canary is promoted.', outcome: 'success' }
      : { action: `The promote command failed (exit ${promoted.exitCode}): check the deployment.`, outcome: 'failure' };
  }
  if (verdict.kind === 'rollback' || inputs['on-inconclusive'] === 'rollback') {
    const env = { AAOE_VERDICT: verdict.kind };
    const rolledBack = await command(ctx, 'rollback', required(inputs, 'rollback-command'), env);
    return {
      action:
        rolledBack.exitCode === 0
          ? 'The rollback command ran: the canary is rolled back.'
          : `The rollback command failed (exit ${rolledBack.exitCode}): roll back by hand.`,
      outcome: 'failure',
    };
  }
  return {
    action: 'Inconclusive and `on-inconclusive: fail`: the canary was left in place; promote or roll back by hand.',
    outcome: 'failure',
  };
}
