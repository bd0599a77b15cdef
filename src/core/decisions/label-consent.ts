import { decideIssueConsent, type ConsentDecision, type IssueConsent } from '../agent/issue-consent.js';
import { consentVoidedComment, notPermittedComment } from '../text/consent-comment.js';

/**
 * Whether an `issues` delivery starts agent work: only a label that is consent does. Consent is the policy's trigger
 * label, applied by a person (a bot never), who has one of the policy's trigger permissions, on an open issue that
 * still reads as it did when the label went on (the digest the delivery carries). A pure function of the facts; the
 * two facts that cost a request (the sender's permission, the issue as it is now) are asked for only when the
 * decision needs them (`need`), in that order, so a delivery that is not consent costs no request.
 */

export type LabelConsentFacts = {
  /** The policy's trigger, or null when the repository's policy does not validate. */
  trigger: { label: string; permissions: readonly string[] } | null;
  /** The delivery's action (`opened`, `labeled`, ...). */
  action: string | null;
  /** The issue as the delivery shows it: its labels, the label this delivery applied, the digest of its text. */
  issue: { labels: readonly string[]; label?: string | undefined; textSha256?: string | undefined };
  /** Who sent the delivery (`ghost` when GitHub names no one), and GitHub's type of that account. */
  sender: string;
  senderType: string | null | undefined;
  /** The sender's permission on the repository, once asked for. */
  role?: string | undefined;
  /** The issue as GitHub gives it now, once asked for. */
  current?: { state: string; title: string; body?: string | null } | undefined;
};

export type LabelConsent =
  /** Ask GitHub for this fact and decide again. */
  | { kind: 'need'; fact: 'role' | 'current' }
  /** Not consent and nothing to say: `why` goes to the log and the delivery's record. */
  | { kind: 'ignore'; why: string }
  /** Not consent: the issue gets `comment`, the log `why`. */
  | { kind: 'refuse'; why: string; comment: string }
  /** The text changed after the label: the issue gets `comment`, the audit log the voided consent. */
  | {
      kind: 'void';
      comment: string;
      decided: Extract<ConsentDecision, { ok: false }>;
      consent: IssueConsent | undefined;
    }
  /** Consent: start (or restart) the issue's execution on this consent. */
  | { kind: 'start'; consent: IssueConsent; role: string };

export function decideLabelConsent(facts: LabelConsentFacts): LabelConsent {
  const { trigger, sender } = facts;
  if (!trigger) return { kind: 'ignore', why: 'the policy does not validate: no agent work until it does' };
  const label = trigger.label.toLowerCase();
  const asked =
    facts.action === 'labeled'
      ? facts.issue.label?.toLowerCase() === label
      : facts.issue.labels.some((l) => l.toLowerCase() === label);
  if (!asked) return { kind: 'ignore', why: 'not the trigger label' };
  if (facts.senderType !== 'User')
    return {
      kind: 'ignore',
      why: `a label applied by ${sender} (${facts.senderType ?? 'unknown type'}) is not consent`,
    };
  const { role, current } = facts;
  if (role === undefined) return { kind: 'need', fact: 'role' };
  if (!trigger.permissions.includes(role))
    return {
      kind: 'refuse',
      why: `${sender} has ${role} permission: not consent`,
      comment: notPermittedComment(trigger, sender, role),
    };
  if (!current) return { kind: 'need', fact: 'current' };
  if (current.state !== 'open') return { kind: 'ignore', why: 'the issue is closed' };
  // consent covers the issue as the delivery shows it (as it was when the label went on), not as it reads now
  const consent = facts.issue.textSha256 ? { sha256: facts.issue.textSha256, by: sender } : undefined;
  const decided = decideIssueConsent(consent, current, trigger.label);
  if (!decided.ok) return { kind: 'void', comment: consentVoidedComment(decided.reason), decided, consent };
  if (!consent) throw new Error('a consent that matched the text has a digest');
  return { kind: 'start', consent, role };
}
