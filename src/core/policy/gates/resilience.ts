import { PROPOSAL_DOCS_URL } from '../../agent/proposal.js';
import type {
  Change,
  DeclarationFacts,
  DerivedProposal,
  Irreversible,
  IrreversibleKind,
  ProposalFacts,
} from '../change.js';
import type { GateResult } from '../evaluation.js';
import { compareRisk, type Policy, type RiskLevel } from '../schema.js';

/**
 * The resilience gate judges what AAOE derived from the change (the rollback is a revert of the merge commit; what a
 * revert cannot undo, file by file) and what its author declared. It fails only where a revert is not enough and no
 * rollback plan is declared, or where the policy asks for a declaration (`resilience.requireDeclaration`), or where a
 * declaration was written that does not validate (what it says cannot be taken, and dropping it could drop a risk it
 * raises). On a failure it says exactly what to declare, with a block to copy.
 */

export type ResilienceInput = {
  proposal: ProposalFacts;
  /** What AAOE derived from the change (the evaluation derives it when the facts do not carry it). */
  derived: DerivedProposal;
  /** The risk and cost declared (a risk needs its rationale to count as a declaration the policy asked for). */
  declared: Change['declared'];
  /** The risk the gates judge: the higher of AAOE's assessment and the declared one. */
  risk: RiskLevel;
  policy: Pick<Policy, 'deployment' | 'resilience'>;
};

type Field = 'rollbackPlan' | 'risk';
type RequireDeclaration = Policy['resilience']['requireDeclaration'];

/** What the policy asks this change to declare, and why; empty when nothing. Pure, for the table tests. */
export function requiredDeclaration(
  rule: RequireDeclaration,
  derived: DerivedProposal,
  risk: RiskLevel,
): Array<{ field: Field; why: string }> {
  if (rule === 'never') return [];
  const asked: Array<{ field: Field; why: string }> = [];
  // a revert that cannot undo the change needs a plan that can, whatever else the policy asks (unless `never`)
  if (derived.irreversible.length > 0) asked.push({ field: 'rollbackPlan', why: 'irreversible' });
  const everything =
    rule === 'always' ? 'always' : typeof rule === 'object' && compareRisk(risk, rule.above) > 0 ? 'above' : undefined;
  if (everything) {
    if (asked.length === 0) asked.push({ field: 'rollbackPlan', why: everything });
    asked.push({ field: 'risk', why: everything });
  }
  return asked;
}

/** What the evidence says of the declaration: where it came from and what the policy requires of it. */
function declarationEvidence(
  declaration: Exclude<ResilienceInput['proposal']['declaration'], { status: 'invalid' }>,
  asked: ReturnType<typeof requiredDeclaration>,
  ruleText: string,
): string {
  if (declaration.status === 'none')
    return `declaration: none in the pull request body, ${asked.length === 0 ? 'none required' : 'one is required'} (${ruleText})`;
  const where =
    declaration.source === 'aaoe' ? "AAOE's own proposal" : 'the aaoe-proposal block of the pull request body';
  return `declaration: ${where}; ${asked.length === 0 ? 'none required' : `required here: ${asked.map((a) => a.field).join(', ')}`} (${ruleText})`;
}

/** Why the gate fails: what a revert cannot undo, and what the policy asks that the pull request does not declare. */
function failedReasons(
  missing: ReturnType<typeof requiredDeclaration>,
  { derived, risk, policy }: ResilienceInput,
  ruleText: string,
): string[] {
  const rule = policy.resilience.requireDeclaration;
  const reasons: string[] = [];
  if (missing.some((m) => m.why === 'irreversible')) {
    reasons.push(
      `A revert of the merge commit cannot undo ${describe(derived.irreversible)} and the pull request declares no rollback plan.`,
    );
  }
  const everything = missing.find((m) => m.why !== 'irreversible');
  if (everything) {
    const asks =
      everything.why === 'always'
        ? 'every pull request'
        : `a change of risk ${risk} (above ${typeof rule === 'object' ? rule.above : ''})`;
    reasons.push(
      `The policy asks ${asks} to declare its risk and rollback plan (${ruleText}); this one declares no ${missing.map(fieldName).join(' and no ')}.`,
    );
  }
  return reasons;
}

export function evaluateResilienceGate(input: ResilienceInput): GateResult {
  const { proposal, derived, declared, risk, policy } = input;
  const base = { gate: 'resilience' as const, title: 'Resilience', findings: [] };
  const declaration = proposal.declaration;
  const rule = policy.resilience.requireDeclaration;
  const evidence = [...derivedEvidence(derived, policy.deployment), ...declaredEvidence(declaration, declared)];

  if (declaration.status === 'invalid') {
    return {
      ...base,
      outcome: 'failed',
      reason:
        "The pull request's `aaoe-proposal` block does not validate: what it declares cannot be taken, and ignoring it could drop a risk it raises.",
      evidence: [...evidence, ...declaration.message.split('\n').slice(0, 20).map(quoted)],
      hint: `Fix the block as the evidence says, or remove it: AAOE derives the rest from the change (the format: ${PROPOSAL_DOCS_URL}).`,
    };
  }

  const asked = requiredDeclaration(rule, derived, risk);
  const has = (field: Field) =>
    field === 'rollbackPlan'
      ? declaration.status === 'declared' && declaration.rollbackPlan !== undefined
      : declared?.risk?.rationale !== undefined;
  const missing = asked.filter((a) => !has(a.field));
  const ruleText = `resilience.requireDeclaration: ${formatRule(rule)}`;
  evidence.push(declarationEvidence(declaration, asked, ruleText));

  if (missing.length === 0) {
    const reason =
      derived.irreversible.length > 0
        ? has('rollbackPlan')
          ? `A revert cannot undo ${describe(derived.irreversible)}, and the pull request declares how to roll back.`
          : `A revert cannot undo ${describe(derived.irreversible)}; the policy asks for no declaration (${ruleText}).`
        : asked.length > 0
          ? 'The pull request declares what the policy asks for; a revert of the merge commit undoes the change.'
          : 'A revert of the merge commit undoes the change; nothing more needs declaring.';
    return { ...base, outcome: 'passed', reason, evidence };
  }
  return {
    ...base,
    outcome: 'failed',
    reason: failedReasons(missing, input, ruleText).join(' '),
    evidence,
    hint: hintFor(
      missing.map((m) => m.field),
      risk,
      derived,
    ),
  };
}

const KIND: Record<IrreversibleKind, string> = {
  'schema-migration': 'schema migration',
  infrastructure: 'infrastructure change',
  'data-change': 'data change',
  'external-side-effect': 'external side effect',
};

/** At most this many files are named one by one in the evidence. */
const MAX_NAMED = 20;

function derivedEvidence(derived: DerivedProposal, deployment: Policy['deployment']): string[] {
  const lines = [
    `deployment: ${deployment.strategy}${deployment.strategy === 'canary' ? ` at ${deployment.canaryPercent}%` : ''} (from the policy)`,
    'rollback: a revert of the merge commit (derived)',
  ];
  if (derived.irreversible.length === 0) lines.push('what a revert cannot undo: nothing found (derived)');
  for (const item of derived.irreversible.slice(0, MAX_NAMED))
    lines.push(`${KIND[item.kind]}: ${code(item.path)} (${item.why}) (derived)`);
  if (derived.irreversible.length > MAX_NAMED)
    lines.push(`… and ${derived.irreversible.length - MAX_NAMED} more files a revert cannot undo (derived)`);
  const files = `${derived.files} file${derived.files === 1 ? '' : 's'}`;
  const areas =
    derived.areas.slice(0, 10).map(code).join(', ') +
    (derived.areas.length > 10 ? ` and ${derived.areas.length - 10} more` : '');
  const owners =
    derived.codeowners === null
      ? 'no CODEOWNERS file at the base'
      : derived.owners.length === 0
        ? 'no owner in CODEOWNERS at the base'
        : `owners ${derived.owners.slice(0, 10).map(noMention).join(', ')}${derived.owners.length > 10 ? ` and ${derived.owners.length - 10} more` : ''} (CODEOWNERS at the base)`;
  const unowned =
    derived.codeowners !== null && derived.owners.length > 0 && derived.unowned > 0
      ? `, ${derived.unowned} path${derived.unowned === 1 ? '' : 's'} without an owner`
      : '';
  lines.push(`blast radius: ${files} in ${areas || 'no directory'}; ${owners}${unowned} (derived)`);
  return lines;
}

function declaredEvidence(declaration: DeclarationFacts, declared: Change['declared']): string[] {
  if (declaration.status !== 'declared') return [];
  const from = declaration.source === 'aaoe' ? "declared in AAOE's proposal" : 'declared in the pull request body';
  const lines: string[] = [];
  if (declaration.strategy)
    lines.push(`deployment strategy: ${quoted(declaration.strategy)} (${from}; the policy's strategy is the one used)`);
  if (declaration.rollbackPlan) lines.push(`rollback plan: ${quoted(declaration.rollbackPlan)} (${from})`);
  if (declaration.blastRadius) lines.push(`blast radius: ${quoted(declaration.blastRadius)} (${from})`);
  if (declared?.risk)
    lines.push(
      `risk: ${declared.risk.level}${declared.risk.rationale ? `, ${quoted(declared.risk.rationale)}` : ''} (${from}; it only ever raises AAOE's)`,
    );
  if (declared?.cost)
    lines.push(
      `cost: ${declared.cost.tokens} tokens, $${declared.cost.usd.toFixed(2)} (${from}; recorded as declared, not measured)`,
    );
  return lines;
}

/** The minimal block that satisfies the gate, to copy into the pull request body. */
function hintFor(fields: Field[], risk: RiskLevel, derived: DerivedProposal): string {
  const parts: string[] = [];
  if (fields.includes('risk')) parts.push(`"risk": {"level": "${risk}", "rationale": "<why this risk>"}`);
  if (fields.includes('rollbackPlan')) {
    const [first] = derived.irreversible;
    const how = first
      ? `<how to undo the ${KIND[first.kind]}: a down migration, a restore, a manual step>`
      : '<how to roll the change back>';
    parts.push(`"rollbackPlan": "${how}"`);
  }
  const what = fields.includes('risk') ? 'Declare the risk and how to roll back' : 'Declare how to undo it';
  return [
    `${what}: add this block to the pull request body (edit the description; AAOE judges it again). Every other field is optional (the format: ${PROPOSAL_DOCS_URL}).`,
    '',
    '  ```aaoe-proposal',
    `  {${parts.join(', ')}}`,
    '  ```',
  ].join('\n');
}

function describe(items: Irreversible[]): string {
  const [first] = items;
  if (!first) return 'nothing';
  return `${article(KIND[first.kind])} (${code(first.path)})${items.length > 1 ? ` and ${items.length - 1} more file${items.length === 2 ? '' : 's'}` : ''}`;
}

function article(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

function fieldName(field: { field: Field }): string {
  return field.field === 'risk' ? 'risk with a rationale' : 'rollback plan';
}

function formatRule(rule: RequireDeclaration): string {
  return typeof rule === 'object' ? `{ above: ${rule.above} }` : rule;
}

/** A path from the diff (an agent's text) as inline code: no backticks to break out of it, bounded. */
function code(path: string): string {
  // git allows any byte but NUL in a name: a line break or a backtick would end the line or the code span
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they are replaced
  const text = path.replace(/`/g, "'").replace(/[\u0000-\u001f\u007f]/g, '\ufffd');
  return `\`${text.length > 120 ? `${text.slice(0, 119)}…` : text}\``;
}

/** An owner from CODEOWNERS, shown without notifying it (a zero-width joiner after @). */
function noMention(owner: string): string {
  return owner.replace(/@(?=[\w-])/g, '@\u200d');
}

/**
 * An author's words in the check: one line, at most 200 characters, no mentions, no HTML (a `</details>` or a
 * comment would reshape the check) and no links or images (AAOE's check is no place for an agent's link).
 */
export function quoted(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const short = line.length > 200 ? `${line.slice(0, 199)}…` : line;
  return noMention(short).replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\[/g, '\\[').replace(/\]/g, '\\]');
}
