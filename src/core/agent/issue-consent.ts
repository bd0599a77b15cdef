import { sha256Hex } from '../text/digest.js';
import { consentVoidedReason } from '../text/consent-comment.js';

/**
 * Consent to agent work binds to the issue's text at the moment of consent: the title and body a maintainer saw
 * when they applied the trigger label (the `labeled` delivery carries the issue as it was then). Anyone who can
 * edit the issue (its author, possibly an outsider) could otherwise turn the task into another after the label went
 * on. AAOE keeps the SHA-256 of that text with the execution, and every later step that hands the issue to a model
 * works only on a text with the same digest; any other text voids the consent, before any model call.
 */

/** What the execution keeps of the consent: the digest of the text consented to, and who consented. */
export type IssueConsent = { sha256: string; by: string };

/** The SHA-256 of an issue's title and body (a body GitHub gives as `null` is empty), in hex. */
export function issueTextDigest(issue: { title: string; body?: string | null }): string {
  // the length prefix keeps "a" + "b\nc" and "a\nb" + "c" apart
  return sha256Hex(`${issue.title.length}:${issue.title}\n${issue.body ?? ''}`);
}

export type ConsentDecision = { ok: true } | { ok: false; reason: string; current: string };

/**
 * Whether the issue as read now is the text consented to. `consented` undefined: a delivery recorded before
 * consent carried a digest, so no one can say what was consented to: that fails too.
 */
export function decideIssueConsent(
  consented: IssueConsent | undefined,
  issue: { title: string; body?: string | null },
  label: string,
): ConsentDecision {
  const current = issueTextDigest(issue);
  if (consented && consented.sha256 === current) return { ok: true };
  return { ok: false, current, reason: consentVoidedReason(consented?.by, label) };
}
