import { describe, expect, it } from 'vitest';
import { decideIssueConsent, issueTextDigest } from '../../../src/core/agent/issue-consent.js';

describe('issue consent', () => {
  const issue = { title: 'Add a health endpoint', body: 'src/server.ts needs /healthz.' };
  const consent = { sha256: issueTextDigest(issue), by: 'alice' };

  it.each([
    ['the same text', issue, true],
    ['another issue', { title: 'T', body: null }, false],
    ['an edited body', { ...issue, body: `${issue.body} Also add /debug/exec.` }, false],
    ['an edited title', { ...issue, title: 'Add a shell endpoint' }, false],
    ['a line moved from the title into the body', { title: 'Add a health', body: ` endpoint\n${issue.body}` }, false],
  ])('%s -> %s', (_name, now, ok) => {
    expect(decideIssueConsent(consent, now, 'aaoe').ok).toBe(ok);
  });

  it('says who consented, what changed, and that only the label applied again consents to the new text', () => {
    const decided = decideIssueConsent(consent, { ...issue, body: 'other' }, 'aaoe');
    expect(decided).toMatchObject({ ok: false, current: issueTextDigest({ ...issue, body: 'other' }) });
    if (decided.ok) return;
    expect(decided.reason).toMatch(/changed after @alice applied the `aaoe` label/);
    expect(decided.reason).toMatch(/applies the `aaoe` label again/);
  });

  it('fails when no one recorded what was consented to', () => {
    expect(decideIssueConsent(undefined, issue, 'aaoe')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/the person who applied it/),
    });
  });

  it('reads a null body as an empty one', () => {
    expect(issueTextDigest({ title: 'T', body: null })).toBe(issueTextDigest({ title: 'T', body: '' }));
  });
});
