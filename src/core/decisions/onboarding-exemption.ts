/**
 * AAOE's onboarding pull request adds the config (and the AAOE section of the agent instructions) a person reviews and
 * merges: not agent work, so it is not judged by the policy (which forbids touching the config) while its head is the
 * very commit AAOE wrote (recorded when it wrote it) and it changes nothing but those files; any other head on the
 * branch is judged. A pull request governed once is judged whatever its branch.
 */

export type OnboardingFacts = {
  governedBefore: boolean;
  headRef: string | undefined;
  onboardingBranch: string;
  authorLogin: string;
  appLogin: string;
  /** Whether AAOE recorded the head as the commit it wrote (read only when the rest holds). */
  headWrittenByAaoe?: boolean;
  /** The files the pull request changes (read only when the rest holds). */
  files?: ReadonlyArray<{ path: string; previousPath?: string | undefined }>;
  /** The files onboarding writes. */
  onboardingPaths: ReadonlySet<string>;
};

export type OnboardingExemption = { exempt: boolean } | { exempt: 'unknown'; need: 'headCommit' | 'files' };

export function decideOnboardingExemption(facts: OnboardingFacts): OnboardingExemption {
  if (facts.governedBefore || facts.headRef !== facts.onboardingBranch) return { exempt: false };
  if (facts.authorLogin.toLowerCase() !== facts.appLogin.toLowerCase()) return { exempt: false };
  if (facts.headWrittenByAaoe === undefined) return { exempt: 'unknown', need: 'headCommit' };
  if (!facts.headWrittenByAaoe) return { exempt: false };
  if (facts.files === undefined) return { exempt: 'unknown', need: 'files' };
  const paths = facts.onboardingPaths;
  return { exempt: facts.files.every((f) => paths.has(f.path) && (!f.previousPath || paths.has(f.previousPath))) };
}
