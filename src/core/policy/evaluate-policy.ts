import type { Change, ProposalFacts } from './change.js';
import { deriveProposal } from './derive-proposal.js';
import { evaluateCostGate } from './gates/cost.js';
import { evaluateProtectedPathsGate } from './gates/protected-paths.js';
import { evaluateBreakerGate } from './gates/circuit-breaker.js';
import { evaluateResilienceGate } from './gates/resilience.js';
import { assessRisk, evaluateRiskGate } from './gates/risk.js';
import { evaluateSecretsGate } from './gates/secrets-gate.js';
import type { Conclusion, Evaluation, GateId, GateResult, RiskAssessment } from './evaluation.js';
import type { Policy, RiskLevel } from './schema.js';

/**
 * Evaluates a policy against the facts of a change. No I/O: everything it judges is in its arguments.
 * A gate that throws is a failed gate carrying the error: an evaluation never passes by accident.
 */
export async function evaluatePolicy(change: Change, policy: Policy): Promise<Evaluation> {
  let assessed: RiskAssessment | Error;
  try {
    assessed = assessRisk(change, policy.risk.packages);
  } catch (error) {
    assessed = error instanceof Error ? error : new Error(String(error));
  }
  const proposal = change.proposal;
  const risk: RiskAssessment =
    assessed instanceof Error
      ? {
          level: 'critical',
          own: 'critical',
          signals: [{ signal: 'error', level: 'critical', detail: `the risk assessment failed: ${assessed.message}` }],
        }
      : assessed;

  const gates = await Promise.all([
    guard('protected-paths', 'Protected paths', () => evaluateProtectedPathsGate(change, policy.protectedPaths)),
    guard('secrets', 'Secrets', () => evaluateSecretsGate(change, policy.secrets)),
    guard('risk', 'Risk', () => {
      if (assessed instanceof Error) throw assessed;
      return evaluateRiskGate(assessed, policy.risk);
    }),
    guard('cost', 'Cost', () => evaluateCostGate(change, policy.cost)),
    // a governed pull request always brings its proposal facts; a change judged on its own (the CLI) may (`"proposal": {}`)
    ...(proposal ? [guard('resilience', 'Resilience', () => resilience(change, proposal, risk.level, policy))] : []),
    ...(change.freeze !== undefined
      ? [
          guard('circuit-breaker', 'Circuit breaker', () =>
            evaluateBreakerGate(change.freeze ?? null, policy.circuitBreaker),
          ),
        ]
      : []),
  ]);

  const conclusion = concludeGates(gates);
  return {
    policyId: policy.id ?? policy.extends ?? 'policy',
    conclusion,
    title: titleFor(conclusion, gates, risk),
    gates,
    risk,
  };
}

/** The resilience gate on what was derived from the change (here, from its files, when the facts carry no derivation). */
function resilience(change: Change, proposal: ProposalFacts, risk: RiskLevel, policy: Policy): GateResult {
  const derived = proposal.derived ?? deriveProposal({ files: change.files });
  return evaluateResilienceGate({ proposal, derived, declared: change.declared, risk, policy });
}

export function concludeGates(gates: GateResult[]): Conclusion {
  if (gates.some((g) => g.outcome === 'failed')) return 'failure';
  if (gates.some((g) => g.outcome === 'needs_approval')) return 'action_required';
  return 'success';
}

function titleFor(conclusion: Conclusion, gates: GateResult[], risk: RiskAssessment): string {
  const named = (outcome: GateResult['outcome']) =>
    gates.filter((g) => g.outcome === outcome).map((g) => g.title.toLowerCase());
  if (conclusion === 'failure') {
    const failed = named('failed');
    return `${failed.length} of ${gates.length} gates failed: ${failed.join(', ')}`;
  }
  if (conclusion === 'action_required')
    return `Needs a human approval: ${named('needs_approval').join(', ')} (risk ${risk.level})`;
  return `All ${gates.length} gates passed (risk ${risk.level})`;
}

async function guard(gate: GateId, title: string, run: () => GateResult | Promise<GateResult>): Promise<GateResult> {
  try {
    return await run();
  } catch (error) {
    return {
      gate,
      title,
      outcome: 'failed',
      reason: `The gate could not be evaluated: ${message(error)}`,
      evidence: [],
      hint: 'This is a failure of AAOE, not necessarily of the change: re-run the check; if it persists, report it with this message.',
      findings: [],
    };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
