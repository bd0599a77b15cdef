import { parseCodeowners } from '../core/agent/codeowners.js';
import { extractDeclaration, type Declaration } from '../core/agent/proposal.js';
import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { Change, DeclarationFacts } from '../core/policy/change.js';
import { deriveProposal, type DeriveInput } from '../core/policy/derive-proposal.js';
import type { Policy } from '../core/policy/schema.js';
import type { PullRequestSnapshot } from '../core/policy/snapshot.js';
import type { ExecutionRecord } from '../core/execution/records.js';

export type ProposalFactsInput = {
  execution: ExecutionRecord;
  snapshot: PullRequestSnapshot;
  policy: Policy;
  github: Pick<GitHubAdapter, 'readFile'>;
};

/** Where GitHub looks for CODEOWNERS, in its order: the first one found is the one it uses. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

/** GitHub ignores a CODEOWNERS file of 3 MB or more; so does AAOE (and parses nothing bigger). */
export const MAX_CODEOWNERS_CHARS = 3 * 1024 * 1024;

/**
 * The proposal behind a governed pull request: what AAOE derives from the change (blast radius with the owners in
 * CODEOWNERS at the base commit, never the head's; what a revert cannot undo) and what was declared: AAOE's own
 * proposal (kept with the execution), else the `aaoe-proposal` block of the body the snapshot read. A declared risk
 * only ever raises AAOE's; a declared cost is returned as `declared.cost` for the execution to record as declared
 * (AAOE's own spend is what its calls cost, so its own proposal's estimate is not returned).
 */
export async function proposalFacts(input: ProposalFactsInput): Promise<Pick<Change, 'proposal' | 'declared'>> {
  const { execution, snapshot, github } = input;
  const derived = deriveProposal({
    files: snapshot.files,
    ...(await readCodeowners(github, execution.repo, snapshot.baseSha)),
  });
  // a proposal AAOE wrote from another agent's hand-back (`agent:<name>`, agent-result-take.ts) declares nothing:
  // its rollback plan and risk rationale are placeholders, and counting them would let the resilience gate pass
  if (execution.work?.model?.startsWith('agent:')) return { proposal: { derived, declaration: { status: 'none' } } };
  const own = execution.work?.proposal;
  if (own) {
    const declaration = {
      status: 'declared',
      source: 'aaoe',
      rollbackPlan: own.rollbackPlan,
      blastRadius: own.blastRadius,
      strategy: own.deployment.strategy,
    } as const;
    return {
      proposal: { derived, declaration },
      declared: { risk: { level: own.risk.level, rationale: own.risk.rationale } },
    };
  }
  const extracted = extractDeclaration(snapshot.body);
  if (!extracted.ok) {
    const declaration: DeclarationFacts =
      extracted.reason === 'missing' ? { status: 'none' } : { status: 'invalid', message: extracted.message };
    return { proposal: { derived, declaration } };
  }
  return {
    proposal: { derived, declaration: declarationFacts(extracted.declaration) },
    ...declaredRiskAndCost(extracted.declaration),
  };
}

/** The facts of a declaration from a pull request body: only what it says (every field is optional). */
export function declarationFacts(d: Declaration): DeclarationFacts {
  return {
    status: 'declared',
    source: 'pull-request-body',
    ...(d.rollbackPlan ? { rollbackPlan: d.rollbackPlan } : {}),
    ...(d.blastRadius ? { blastRadius: d.blastRadius } : {}),
    ...(d.deployment?.strategy ? { strategy: d.deployment.strategy } : {}),
  };
}

function declaredRiskAndCost(d: Declaration): Pick<Change, 'declared'> {
  const risk = d.risk
    ? { risk: { level: d.risk.level, ...(d.risk.rationale ? { rationale: d.risk.rationale } : {}) } }
    : {};
  const cost = d.cost ? { cost: { tokens: d.cost.estimatedTokens ?? 0, usd: d.cost.estimatedUsd ?? 0 } } : {};
  return d.risk || d.cost ? { declared: { ...risk, ...cost } } : {};
}

type CodeownersRead = Pick<DeriveInput, 'codeowners'>;

/**
 * CODEOWNERS as read at a commit, which never changes: reading it costs up to three calls (one per place GitHub
 * looks), so the last commits' are kept. Bounded: at most CACHED_COMMITS entries, each of a file under CACHED_CHARS.
 */
const cache = new Map<string, CodeownersRead>();
const CACHED_COMMITS = 256;
const CACHED_CHARS = 64 * 1024;

/** The CODEOWNERS file GitHub uses at the base commit, parsed; nothing when there is none (or it is too big for GitHub). */
async function readCodeowners(
  github: Pick<GitHubAdapter, 'readFile'>,
  repo: string,
  baseSha: string,
): Promise<CodeownersRead> {
  const key = /^[0-9a-f]{40}$/i.test(baseSha) ? `${repo}@${baseSha.toLowerCase()}` : undefined;
  const cached = key === undefined ? undefined : cache.get(key);
  if (cached) return cached;
  let read: CodeownersRead = {};
  let size = 0;
  for (const path of CODEOWNERS_PATHS) {
    const text = await github.readFile(path, baseSha);
    if (text === undefined) continue;
    size = text.length;
    if (text.length < MAX_CODEOWNERS_CHARS) read = { codeowners: { path, parsed: parseCodeowners(text) } };
    break;
  }
  if (key !== undefined && size < CACHED_CHARS) {
    const oldest = cache.keys().next();
    if (cache.size >= CACHED_COMMITS && !oldest.done) cache.delete(oldest.value);
    cache.set(key, read);
  }
  return read;
}
