import { z } from 'zod';
import { ChangePackageType, RiskLevel } from './schema.js';

/**
 * Facts about a change: everything the gates may look at. Built from a pull request by the GitHub
 * adapter, or read from a JSON file by `aaoe policy evaluate --change`. Evaluation never does I/O.
 */

export const FileStatus = z.enum(['added', 'removed', 'modified', 'renamed', 'copied', 'changed', 'unchanged']);
export type FileStatus = z.infer<typeof FileStatus>;

export const ChangedFile = z.strictObject({
  path: z.string().min(1),
  status: FileStatus,
  previousPath: z.string().optional(),
  additions: z.int().nonnegative().default(0),
  deletions: z.int().nonnegative().default(0),
  /** The unified diff of the file, as GitHub gives it; absent for binary or very large files. */
  patch: z.string().optional(),
});
export type ChangedFile = z.infer<typeof ChangedFile>;

/** The risk and cost the change's author declared. Only ever raises what AAOE computes; a cost stays declared, never measured. */
export const Declared = z.strictObject({
  risk: z.strictObject({ level: RiskLevel, rationale: z.string().optional() }).optional(),
  cost: z
    .strictObject({ tokens: z.int().nonnegative().default(0), usd: z.number().nonnegative().default(0) })
    .optional(),
});
export type Declared = z.infer<typeof Declared>;

/** What a revert of the merge commit cannot undo, by kind (docs/proposal.md says what each covers and why). */
export const IRREVERSIBLE_KINDS = [
  'schema-migration',
  'infrastructure',
  'data-change',
  'external-side-effect',
] as const;
export const IrreversibleKind = z.enum(IRREVERSIBLE_KINDS);
export type IrreversibleKind = z.infer<typeof IrreversibleKind>;

/** One file of the change a revert cannot undo, and why AAOE thinks so. */
export const Irreversible = z.strictObject({ kind: IrreversibleKind, path: z.string().min(1), why: z.string().min(1) });
export type Irreversible = z.infer<typeof Irreversible>;

/** What AAOE derives from the change itself (src/core/policy/derive-proposal.ts): what a proposal would say, never asked. */
export const DerivedProposal = z.strictObject({
  /** How many files the change touches. */
  files: z.int().nonnegative(),
  /** The packages, services or top-level directories touched (`(root)` for files at the root). */
  areas: z.array(z.string()),
  /** The CODEOWNERS file read at the base commit, or null when there is none. */
  codeowners: z.string().nullable(),
  /** The owners of the touched paths, and how many touched paths no rule owns. */
  owners: z.array(z.string()),
  unowned: z.int().nonnegative(),
  /** What a revert of the merge commit cannot undo; empty: a revert undoes the change. */
  irreversible: z.array(Irreversible),
});
export type DerivedProposal = z.infer<typeof DerivedProposal>;

/**
 * What the change's author declared beyond risk and cost (which are in `Change.declared`): AAOE's own proposal,
 * the `aaoe-proposal` block of the pull request body, nothing, or a block that does not validate (with the message
 * that says how to fix it).
 */
export const DeclarationFacts = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('declared'),
    source: z.enum(['aaoe', 'pull-request-body']),
    rollbackPlan: z.string().min(1).optional(),
    blastRadius: z.string().min(1).optional(),
    strategy: z.string().min(1).optional(),
  }),
  z.strictObject({ status: z.literal('none') }),
  z.strictObject({ status: z.literal('invalid'), message: z.string().min(1) }),
]);
export type DeclarationFacts = z.infer<typeof DeclarationFacts>;

/**
 * The proposal behind a governed pull request, as the resilience gate judges it: what AAOE derived from the change
 * (absent: derived by the evaluation from `files`, without owners, as for `aaoe policy evaluate --change`) and what
 * was declared.
 */
export const ProposalFacts = z.strictObject({
  derived: DerivedProposal.optional(),
  declaration: DeclarationFacts.default({ status: 'none' }),
});
export type ProposalFacts = z.infer<typeof ProposalFacts>;

export const Change = z.strictObject({
  files: z.array(ChangedFile),
  author: z.strictObject({
    login: z.string().min(1),
    /** An agent: AAOE itself, a bot login listed in `agents:`, or any bot account. */
    isAgent: z.boolean(),
  }),
  declared: Declared.optional(),
  /** The circuit breaker's freeze of the repository, or null when none is in force (absent: not known, no gate). */
  freeze: z
    .strictObject({
      until: z.iso.datetime({ offset: true }).nullable(),
      reason: z.string(),
      /** Whose freeze: the repository's (circuit breaker), an agent's kill switch, the organisation's (docs/freeze.md). */
      scope: z.enum(['repository', 'organisation', 'agent']).optional(),
      /** Set when the change passes the organisation's freeze as a hotfix: who let it through. */
      hotfix: z.string().optional(),
    })
    .nullable()
    .optional(),
  /** The proposal of a governed pull request, derived and declared; the resilience gate judges it (absent: no such gate). */
  proposal: ProposalFacts.optional(),
  /** Spent so far by the execution behind this change. */
  /** Files of the change that are a plan step's change packages, with their kind (weighed by `risk.packages`). */
  packages: z.array(z.strictObject({ path: z.string().min(1), type: ChangePackageType })).optional(),
  spent: z
    .strictObject({ tokens: z.int().nonnegative().default(0), usd: z.number().nonnegative().default(0) })
    .default({ tokens: 0, usd: 0 }),
  /** When the change is judged (ISO 8601). */
  at: z.iso.datetime({ offset: true }),
});
export type Change = z.infer<typeof Change>;
export type ChangeInput = z.input<typeof Change>;

/** Every path a change touches: both paths of a rename. */
export function changedPaths(files: readonly ChangedFile[]): string[] {
  return files.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path]));
}
