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

/** What the agent declared in its proposal. Only ever raises what AAOE computes. */
export const Declared = z.strictObject({
  risk: z.strictObject({ level: RiskLevel, rationale: z.string().optional() }).optional(),
  cost: z.strictObject({ tokens: z.int().nonnegative().default(0), usd: z.number().nonnegative().default(0) }).optional(),
});
export type Declared = z.infer<typeof Declared>;

/**
 * The proposal behind a governed pull request, as far as the resilience gate needs it: present (AAOE's own, or
 * an `aaoe-proposal` block an external agent put in its pull request body), or missing / invalid with the
 * instructions that fix it.
 */
export const ProposalFacts = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('present'),
    source: z.enum(['aaoe', 'pull-request-body']),
    strategy: z.string().min(1),
    rollbackPlan: z.string().min(1),
    blastRadius: z.string().min(1),
  }),
  z.strictObject({ status: z.enum(['missing', 'invalid']), message: z.string().min(1) }),
]);
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
  freeze: z.strictObject({ until: z.iso.datetime({ offset: true }), reason: z.string() }).nullable().optional(),
  /** The proposal of a governed pull request; the resilience gate judges it (absent: judged outside a pull request). */
  proposal: ProposalFacts.optional(),
  /** Spent so far by the execution behind this change. */
  /** Files of the change that are a plan step's change packages, with their kind (weighed by `risk.packages`). */
  packages: z.array(z.strictObject({ path: z.string().min(1), type: ChangePackageType })).optional(),
  spent: z.strictObject({ tokens: z.int().nonnegative().default(0), usd: z.number().nonnegative().default(0) }).default({ tokens: 0, usd: 0 }),
  /** When the change is judged (ISO 8601). */
  at: z.iso.datetime({ offset: true }),
});
export type Change = z.infer<typeof Change>;
export type ChangeInput = z.input<typeof Change>;

/** Every path a change touches: both paths of a rename. */
export function changedPaths(files: readonly ChangedFile[]): string[] {
  return files.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path]));
}
