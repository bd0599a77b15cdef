import type { Change } from './change.js';
import { concludeGates, evaluatePolicy } from './evaluate-policy.js';
import type { Conclusion, Evaluation, GateId, GateOutcome, GateResult } from './evaluation.js';
import type { Policy, RiskLevel } from './schema.js';

/**
 * A policy replayed over the recorded facts of governed pull requests (issue 25): each pull request's change, as it
 * was judged (pinned to its base and head), is evaluated again under the proposed policy, and its verdict compared
 * with the verdict under the policy in force (`baseline`) or, without one, with the verdict recorded with the facts.
 * Pure: the facts are in the arguments, and nothing is written anywhere (a replayed pull request gets no check).
 *
 * The verdict here is the gates' verdict: `passed`, `needs approval` (a person must approve) or `refused`; approvals
 * already given are not counted again (they bind to a head and to the policy's requirements of their moment).
 */

export type ReplayVerdict = 'passed' | 'needs approval' | 'refused';

/** The facts recorded for one governed pull request, pinned to the pair it was judged on. */
export type RecordedPullRequest = {
  repo: string;
  number: number;
  baseSha: string;
  headSha: string;
  change: Change;
  /** The gates' verdict recorded with the facts (under the policy in force when they were recorded). */
  recorded: ReplayVerdict;
  /**
   * The secrets gate's result on this change when the facts were recorded, under the settings it ran with (the JSON of
   * `policy.secrets`): a function of the files and those settings only, so a policy with the same settings reuses it
   * instead of scanning every added line again.
   */
  secrets?: SecretsScan | undefined;
};

export type SecretsScan = { settings: string; result: GateResult };

/** The settings key a recorded secrets result is valid for. */
export function secretsSettings(policy: Policy): string {
  return JSON.stringify(policy.secrets);
}

/** A gate whose outcome differs between the two policies (`absent`: the policy has no such gate for the change). */
export type GateDifference = {
  gate: GateId;
  title: string;
  from: GateOutcome | 'absent';
  to: GateOutcome | 'absent';
  /** Why the gate decides as it does under the proposed policy (or, when it is gone, under the baseline). */
  reason: string;
};

export type ReplayRow = {
  repo: string;
  number: number;
  headSha: string;
  from: ReplayVerdict;
  to: ReplayVerdict;
  risk: RiskLevel;
  gates: GateDifference[];
};

export type ReplayTransition = { from: ReplayVerdict; to: ReplayVerdict; count: number };

export type ReplayReport = {
  /** The pull requests whose verdict changes, in the order they were given (most recent first). */
  rows: ReplayRow[];
  totals: { replayed: number; changed: number; unchanged: number; transitions: ReplayTransition[] };
};

export type ReplayInput = {
  proposed: Policy;
  /** The policy in force; without it, each pull request's recorded verdict is the one compared. */
  baseline?: Policy | undefined;
  pullRequests: readonly RecordedPullRequest[];
};

export function verdictOf(conclusion: Conclusion): ReplayVerdict {
  return conclusion === 'success' ? 'passed' : conclusion === 'action_required' ? 'needs approval' : 'refused';
}

const ORDER: readonly ReplayVerdict[] = ['passed', 'needs approval', 'refused'];

/** Replays `proposed` over the pull requests; the report lists the ones whose verdict changes, and the totals. */
export async function replayPolicy(input: ReplayInput): Promise<ReplayReport> {
  const rows: ReplayRow[] = [];
  const counts = new Map<string, ReplayTransition>();
  // the secrets scan depends only on the files and the secrets settings: the same settings scan once per change
  const sameSecrets = input.baseline !== undefined && sameJson(input.baseline.secrets, input.proposed.secrets);
  for (const pr of input.pullRequests) {
    const before = input.baseline ? await evaluateKnowing(pr.change, input.baseline, pr.secrets) : undefined;
    const after =
      before && sameSecrets
        ? withGate(await evaluatePolicy(pr.change, withoutSecrets(input.proposed)), before, 'secrets')
        : await evaluateKnowing(pr.change, input.proposed, pr.secrets);
    const from = before ? verdictOf(before.conclusion) : pr.recorded;
    const to = verdictOf(after.conclusion);
    if (from === to) continue;
    const key = `${from}>${to}`;
    const counted = counts.get(key) ?? { from, to, count: 0 };
    counts.set(key, { ...counted, count: counted.count + 1 });
    rows.push({
      repo: pr.repo,
      number: pr.number,
      headSha: pr.headSha,
      from,
      to,
      risk: after.risk.level,
      gates: differences(before, after),
    });
  }
  const transitions = sortTransitions([...counts.values()]);
  const replayed = input.pullRequests.length;
  return { rows, totals: { replayed, changed: rows.length, unchanged: replayed - rows.length, transitions } };
}

/**
 * The gates whose outcome differs. Without a baseline evaluation (the recorded verdict is compared), every gate that
 * does not pass under the proposed policy is listed: it is what the verdict rests on.
 */
function differences(before: Evaluation | undefined, after: Evaluation): GateDifference[] {
  if (!before)
    return after.gates
      .filter((g) => g.outcome !== 'passed')
      .map((g) => ({ gate: g.gate, title: g.title, from: 'absent', to: g.outcome, reason: g.reason }));
  const ids = [...new Set([...before.gates, ...after.gates].map((g) => g.gate))];
  const found: GateDifference[] = [];
  for (const id of ids) {
    const was = before.gates.find((g) => g.gate === id);
    const now = after.gates.find((g) => g.gate === id);
    const from = was?.outcome ?? 'absent';
    const to = now?.outcome ?? 'absent';
    const shown = now ?? was;
    if (from !== to && shown) found.push({ gate: id, title: shown.title, from, to, reason: shown.reason });
  }
  return found;
}

/** The policy's evaluation, with the recorded secrets result when it ran under the same settings. */
async function evaluateKnowing(change: Change, policy: Policy, known: SecretsScan | undefined): Promise<Evaluation> {
  if (!known || known.settings !== secretsSettings(policy) || known.result.gate !== 'secrets')
    return evaluatePolicy(change, policy);
  const evaluation = await evaluatePolicy(change, withoutSecrets(policy));
  return withGate(evaluation, { gates: [known.result] }, 'secrets');
}

function withoutSecrets(policy: Policy): Policy {
  return { ...policy, secrets: { ...policy.secrets, enabled: false } };
}

/** The evaluation with one gate's result taken from another evaluation, concluded again. */
function withGate(evaluation: Evaluation, from: Pick<Evaluation, 'gates'>, gate: GateId): Evaluation {
  const taken = from.gates.find((g) => g.gate === gate);
  const gates: GateResult[] = evaluation.gates.flatMap((g) => (g.gate !== gate ? [g] : taken ? [taken] : []));
  return { ...evaluation, gates, conclusion: concludeGates(gates) };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The reports of several repositories as one: their rows in order, their totals added up. */
export function mergeReplays(reports: readonly ReplayReport[]): ReplayReport {
  const counts = new Map<string, ReplayTransition>();
  for (const t of reports.flatMap((r) => r.totals.transitions)) {
    const key = `${t.from}>${t.to}`;
    counts.set(key, { from: t.from, to: t.to, count: (counts.get(key)?.count ?? 0) + t.count });
  }
  const transitions = sortTransitions([...counts.values()]);
  const sum = (pick: (r: ReplayReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
  return {
    rows: reports.flatMap((r) => r.rows),
    totals: {
      replayed: sum((r) => r.totals.replayed),
      changed: sum((r) => r.totals.changed),
      unchanged: sum((r) => r.totals.unchanged),
      transitions,
    },
  };
}

/** A pull request delivery asks for a preview when it brings a new head: opened, pushed to, reopened. */
export function decidePreview(delivery: { event: string; action: string | null }): boolean {
  return delivery.event === 'pull_request' && ['opened', 'synchronize', 'reopened'].includes(delivery.action ?? '');
}

function sortTransitions(transitions: ReplayTransition[]): ReplayTransition[] {
  return transitions.sort(
    (a, b) => ORDER.indexOf(a.from) - ORDER.indexOf(b.from) || ORDER.indexOf(a.to) - ORDER.indexOf(b.to),
  );
}
