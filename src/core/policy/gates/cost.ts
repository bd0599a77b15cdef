import type { Change } from '../change.js';
import type { GateResult } from '../evaluation.js';
import type { Policy } from '../schema.js';

/**
 * The cost gate: what the execution has spent plus what the proposal estimates, against the caps.
 * A declared estimate only ever adds to the total.
 */
export function evaluateCostGate(change: Change, policy: Policy['cost']): GateResult {
  const tokens = change.spent.tokens + (change.declared?.cost?.tokens ?? 0);
  const usd = change.spent.usd + (change.declared?.cost?.usd ?? 0);
  const evidence = [
    `spent so far: ${change.spent.tokens} tokens, ${formatUsd(change.spent.usd)}`,
    change.declared?.cost
      ? `the proposal estimates: ${change.declared.cost.tokens} tokens, ${formatUsd(change.declared.cost.usd)}`
      : 'the proposal declares no cost estimate',
    `caps: ${policy.maxTokens ?? 'none'} tokens, ${policy.maxUsd === undefined ? 'none' : formatUsd(policy.maxUsd)}`,
  ];

  const breaches: string[] = [];
  if (policy.maxTokens !== undefined && tokens > policy.maxTokens)
    breaches.push(`${tokens} tokens is above maxTokens ${policy.maxTokens}`);
  if (policy.maxUsd !== undefined && usd > policy.maxUsd)
    breaches.push(`${formatUsd(usd)} is above maxUsd ${formatUsd(policy.maxUsd)}`);

  const base = { gate: 'cost' as const, title: 'Cost', evidence, findings: [] };
  if (breaches.length === 0) {
    const capped = policy.maxTokens !== undefined || policy.maxUsd !== undefined;
    return {
      ...base,
      outcome: 'passed',
      reason: capped ? `${tokens} tokens and ${formatUsd(usd)} are within the caps.` : 'The policy sets no cost cap.',
    };
  }
  if (policy.hardFailOnBreach) {
    return {
      ...base,
      outcome: 'failed',
      reason: `Cost cap breached: ${breaches.join('; ')} (hardFailOnBreach).`,
      hint: "Narrow the task so the agent spends less, or have a platform admin raise cost.maxTokens / cost.maxUsd in the default branch's policy.",
    };
  }
  return {
    ...base,
    outcome: 'needs_approval',
    reason: `Cost cap breached: ${breaches.join('; ')}; the policy lets a human accept the cost.`,
    hint: 'A person with write permission on the repository approves the spend with `/aaoe approve`.',
  };
}

export function formatUsd(usd: number): string {
  return `$${usd.toFixed(2)}`;
}
