import type { RiskLevel } from './schema.js';

/** The result tree of a policy evaluation. It mirrors the gates and explains itself. */

export type GateId = 'protected-paths' | 'secrets' | 'risk' | 'cost' | 'resilience' | 'circuit-breaker';

export type GateOutcome = 'passed' | 'failed' | 'needs_approval';

/** A position in a file the check run annotates. Never carries a secret's value. */
export type Finding = {
  path: string;
  startLine: number;
  endLine: number;
  startColumn?: number;
  endColumn?: number;
  level: 'failure' | 'warning' | 'notice';
  /** The rule that matched (`aws-access-key-id`, `protected-path`, ...). */
  rule: string;
  message: string;
};

export type GateResult = {
  gate: GateId;
  title: string;
  outcome: GateOutcome;
  /** One sentence: why this outcome. */
  reason: string;
  /** What the reason rests on, one line each. */
  evidence: string[];
  /** What to do about a failure or a needed approval. */
  hint?: string;
  findings: Finding[];
};

export type RiskSignal = { signal: string; level: RiskLevel; detail: string };

export type RiskAssessment = {
  /** The level the gates judge: the higher of `own` and `declared`. */
  level: RiskLevel;
  own: RiskLevel;
  declared?: RiskLevel;
  signals: RiskSignal[];
};

export type Conclusion = 'success' | 'failure' | 'action_required';

export type Evaluation = {
  policyId: string;
  conclusion: Conclusion;
  /** One line: the headline of the check run. */
  title: string;
  gates: GateResult[];
  risk: RiskAssessment;
};
