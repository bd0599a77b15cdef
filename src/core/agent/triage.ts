import { z } from 'zod';
import { matchingRule, type Codeowners } from './codeowners.js';
import { Classification } from './proposal.js';

/**
 * Triage of an issue before any proposal: its class, who owns what it will likely touch, and which executions
 * in flight touch the same files. Pure: the caller brings the labels, the CODEOWNERS, the likely paths (the
 * context ranking) and the executions in flight.
 */

/** What the router asks a model for when the labels do not settle the class. */
export const TriageAnswer = z.strictObject({ classification: Classification, rationale: z.string().min(1) });
export type TriageAnswer = z.infer<typeof TriageAnswer>;

/** GitHub's default labels, and the usual names for infrastructure and operations work. */
const LABEL_CLASSES: ReadonlyArray<[RegExp, Classification]> = [
  [/^(bug|defect|regression)$/i, 'bug'],
  [/^(enhancement|feature|feature request)$/i, 'feature'],
  [/^(documentation|docs)$/i, 'docs'],
  [/^(infra|infrastructure|terraform|kubernetes|k8s)$/i, 'infra'],
  [/^(ops|operations|incident|on-call)$/i, 'ops'],
];

/** The class the labels give, when exactly one class is named; otherwise the model decides. */
export function classFromLabels(labels: readonly string[]): Classification | undefined {
  const classes = new Set(
    labels.flatMap((label) => LABEL_CLASSES.filter(([re]) => re.test(label.trim())).map(([, c]) => c)),
  );
  return classes.size === 1 ? [...classes][0] : undefined;
}

export type Ownership = {
  /** Owner -> the paths they own, in the order the paths came. */
  owners: Map<string, string[]>;
  /** Paths no rule gives an owner (or whose deciding rule has none). */
  unowned: string[];
};

/** Who owns the likely touched paths: the reviewers to request, and what no one owns. */
export function ownersOfPaths(codeowners: Codeowners, paths: readonly string[]): Ownership {
  const owners = new Map<string, string[]>();
  const unowned: string[] = [];
  for (const path of paths) {
    const rule = matchingRule(codeowners, path);
    if (!rule || rule.owners.length === 0) {
      unowned.push(path);
      continue;
    }
    for (const owner of rule.owners) owners.set(owner, [...(owners.get(owner) ?? []), path]);
  }
  return { owners, unowned };
}

export type InFlight = { executionId: string; paths: readonly string[] };

/**
 * Executions in flight that touch one of `paths`: the same file, or one inside a directory the other names
 * (a path ending in `/`).
 */
export function conflictsWith(
  paths: readonly string[],
  inFlight: readonly InFlight[],
): Array<{ executionId: string; paths: string[] }> {
  const overlaps = (a: string, b: string) =>
    a === b || (a.endsWith('/') && b.startsWith(a)) || (b.endsWith('/') && a.startsWith(b));
  return inFlight
    .map((x) => ({ executionId: x.executionId, paths: paths.filter((p) => x.paths.some((q) => overlaps(p, q))) }))
    .filter((x) => x.paths.length > 0);
}

/** The paths an execution touches, or will likely touch: its proposal's edits, else its triage's likely paths. */
export function touchedPaths(
  work: { proposal?: { edits: ReadonlyArray<{ path: string }> }; triage?: { likelyPaths: string[] } } | null,
): string[] {
  if (!work) return [];
  return work.proposal ? work.proposal.edits.map((e) => e.path) : (work.triage?.likelyPaths ?? []);
}
