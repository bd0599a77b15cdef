/**
 * The sentences of consent to agent work: the comment on an issue when a label did not start it, the reason a
 * changed issue text voids the consent (the status comment and the audit log show it), and the audit entry's reason.
 */

/** The hidden marker of AAOE's one consent comment on an issue (updated, never posted twice). */
export const CONSENT_MARKER = '<!-- aaoe:consent -->';

/** The comment when the person who applied the label lacks the permission the policy asks for. */
export function notPermittedComment(
  trigger: { label: string; permissions: readonly string[] },
  sender: string,
  role: string,
): string {
  return `${CONSENT_MARKER}\nAAOE did not start: the \`${trigger.label}\` label starts agent work (which spends money) only when it is applied by someone with ${trigger.permissions.join(', ')} permission on this repository. @${sender} has ${role}. Ask a maintainer to apply it.`;
}

/** The comment when the issue no longer reads as it did when the label was applied. */
export function consentVoidedComment(reason: string): string {
  return `${CONSENT_MARKER}\nAAOE did not start: ${reason}.`;
}

/** Why an issue edited after the label is not the text consented to, and how to consent to the new one. */
export function consentVoidedReason(consentedBy: string | undefined, label: string): string {
  const who = consentedBy !== undefined ? `@${consentedBy}` : 'the person who applied it';
  return (
    `the issue's title or body changed after ${who} applied the \`${label}\` label, so AAOE stopped before asking a model: ` +
    'consent covers the text as it was when the label was applied, not a later edit. ' +
    `Someone with the permission to start agent work reads the issue as it is now and, if they agree, removes and applies the \`${label}\` label again ` +
    '(`/aaoe retry` keeps the text that was consented to)'
  );
}

/** The reason of the `consent_voided` audit entry (at most 2,000 characters). */
export function consentAuditReason(issue: number | null, consentedBy: string | undefined, reason: string): string {
  const who = consentedBy !== undefined ? `@${consentedBy}` : 'an unknown person';
  return `issue #${issue ?? '?'} was edited after the consent of ${who}: ${reason}`.slice(0, 2000);
}
