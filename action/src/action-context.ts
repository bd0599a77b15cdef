import { existsSync, readFileSync } from 'node:fs';
import type { CanaryVerdict } from '../../src/core/canary/analyze-canary.js';
import { formatPolicyError } from '../../src/core/policy/policy-source.js';
import { loadPolicy } from '../../src/core/policy/load-policy.js';
import { resolvePolicy } from '../../src/core/policy/resolve-policy.js';
import { loadPresets } from '../../src/adapters/files/presets.js';
import { Policy } from '../../src/core/policy/schema.js';
import { postDeploymentStatus, type DeploymentState } from './deployment-status.js';
import type { DispatchPayload } from '../../src/contracts/dispatch.js';
import type { Inputs } from './inputs.js';
import type { ActionVerdict, CommandSummary } from './report.js';
import { runCommand, type CommandResult } from './run-command.js';

/**
 * What every mode of the action shares: the port it touches the world through (`ActionIO`), the run's context, the
 * outcome a mode ends with, and the steps every mode takes (run a command, post a deployment status, read the
 * policy file).
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

export type ActionContext = {
  io: ActionIO;
  inputs: Inputs;
  payload: DispatchPayload | undefined;
  executionId: string;
  commandEnv: Record<string, string>;
  commands: { name: CommandSummary['name']; result: CommandResult }[];
};

export type Outcome = {
  verdict: ActionVerdict;
  outcome: 'success' | 'failure';
  title: string;
  reason: string;
  analysis?: CanaryVerdict;
};

/** An input the mode needs (`readInputs` already refused a run without it). */
export function required(inputs: Inputs, name: keyof Inputs): string {
  const value = inputs[name];
  if (typeof value !== 'string') throw new Error(`input ${name} is required in ${inputs.mode} mode`);
  return value;
}

export async function command(
  ctx: ActionContext,
  name: CommandSummary['name'],
  text: string,
  extra: Record<string, string> = {},
): Promise<CommandResult> {
  ctx.io.info(`running the ${name} command`);
  const result = await runCommand(text, { ...ctx.commandEnv, ...extra }, (chunk) => {
    ctx.io.info(chunk.trimEnd());
  });
  ctx.commands.push({ name, result });
  ctx.io.info(`the ${name} command exited with ${result.exitCode}`);
  return result;
}

export async function setDeploymentStatus(
  ctx: ActionContext,
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
    ctx.io.warning(
      `deployment ${id}: the ${state} status was not posted: ${posted.problem.message}`,
      'AAOE: deployment status',
    );
}

export function deploymentId(ctx: ActionContext): number | undefined {
  return ctx.inputs['deployment-id'] ?? ctx.payload?.deploymentId;
}

type PolicyRead = { ok: true; policy: Policy } | { ok: false; errors: string[] };

export function readPolicy(file: string, io: ActionIO, { required: mustExist = false } = {}): PolicyRead {
  if (!existsSync(file)) {
    if (mustExist)
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

export function lastLine(output: string): string {
  return output.trim().split('\n').at(-1)?.slice(0, 500) ?? '';
}
