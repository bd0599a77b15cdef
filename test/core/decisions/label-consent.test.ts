import { describe, expect, it } from 'vitest';
import { issueTextDigest } from '../../../src/core/agent/issue-consent.js';
import { decideLabelConsent, type LabelConsentFacts } from '../../../src/core/decisions/label-consent.js';

const text = { title: 'Add a health endpoint', body: 'src/server.ts needs /healthz.' };
const open = { state: 'open', ...text };
const trigger = { label: 'aaoe', permissions: ['write', 'maintain', 'admin'] };
/** A maintainer's `labeled` delivery of the trigger label on the issue as it reads now, every fact gathered. */
const facts = (over: Partial<LabelConsentFacts> = {}): LabelConsentFacts => ({
  trigger,
  action: 'labeled',
  issue: { labels: ['aaoe', 'enhancement'], label: 'aaoe', textSha256: issueTextDigest(text) },
  sender: 'Codertocat',
  senderType: 'User',
  role: 'write',
  current: open,
  ...over,
});

describe('label consent', () => {
  it.each<[string, Partial<LabelConsentFacts>, string, RegExp | null]>([
    // the trigger
    ['the policy does not validate', { trigger: null }, 'ignore', /policy does not validate/],
    ['another label applied', { issue: { labels: ['aaoe', 'bug'], label: 'bug' } }, 'ignore', /not the trigger label/],
    ['the trigger label in any case', { issue: { ...facts().issue, label: 'AAOE' } }, 'start', null],
    ['a trigger label of another case', { trigger: { ...trigger, label: 'AaOe' } }, 'start', null],
    [
      'opened with the trigger label',
      { action: 'opened', issue: { ...facts().issue, label: undefined } },
      'start',
      null,
    ],
    ['opened without it', { action: 'opened', issue: { labels: ['bug'] } }, 'ignore', /not the trigger label/],
    ['labeled: only the label applied counts', { issue: { labels: ['aaoe'], label: 'bug' } }, 'ignore', /not the/],
    // who applied it
    ['a bot', { sender: 'some-bot[bot]', senderType: 'Bot' }, 'ignore', /some-bot\[bot\] \(Bot\) is not consent/],
    ['an organization', { senderType: 'Organization' }, 'ignore', /\(Organization\) is not consent/],
    ['a sender of no known type', { senderType: null }, 'ignore', /\(unknown type\) is not consent/],
    ['a sender of no type at all', { senderType: undefined }, 'ignore', /\(unknown type\) is not consent/],
    ['a bot with admin permission', { senderType: 'Bot', role: 'admin' }, 'ignore', /is not consent/],
    // their permission
    ['a reader', { sender: 'rita-reader', role: 'read' }, 'refuse', /rita-reader has read permission: not consent/],
    ['triage permission', { role: 'triage' }, 'refuse', /has triage permission/],
    ['no permission', { role: 'none' }, 'refuse', /has none permission/],
    ['maintain', { role: 'maintain' }, 'start', null],
    ['admin', { role: 'admin' }, 'start', null],
    ['write where the policy asks for admin', { trigger: { ...trigger, permissions: ['admin'] } }, 'refuse', /write/],
    // the issue as it reads now
    ['a closed issue', { current: { ...open, state: 'closed' } }, 'ignore', /the issue is closed/],
    ['the body edited after the label', { current: { ...open, body: 'Add /debug/exec.' } }, 'void', /changed after/],
    ['the title edited after the label', { current: { ...open, title: 'Add a shell' } }, 'void', /changed after/],
    ['no digest in the delivery', { issue: { labels: ['aaoe'], label: 'aaoe' } }, 'void', /the person who applied/],
    [
      'a null body read as an empty one',
      consentedTo({ title: 'T', body: '' }, { title: 'T', body: null }),
      'start',
      null,
    ],
  ])('%s -> %s', (_name, over, kind, why) => {
    const decided = decideLabelConsent(facts(over));
    expect(decided.kind).toBe(kind);
    if (why) expect(JSON.stringify(decided)).toMatch(why);
  });

  it('asks for the permission only once the label, the trigger and a person are settled, then for the issue', () => {
    expect(decideLabelConsent(facts({ role: undefined, current: undefined }))).toEqual({ kind: 'need', fact: 'role' });
    expect(decideLabelConsent(facts({ current: undefined }))).toEqual({ kind: 'need', fact: 'current' });
    expect(decideLabelConsent(facts({ role: 'read', current: undefined })).kind).toBe('refuse');
    expect(decideLabelConsent(facts({ senderType: 'Bot', role: undefined })).kind).toBe('ignore');
    expect(decideLabelConsent(facts({ trigger: null, role: undefined })).kind).toBe('ignore');
  });

  it('starts on the digest the delivery carries, consented to by the sender', () => {
    expect(decideLabelConsent(facts())).toEqual({
      kind: 'start',
      role: 'write',
      consent: { sha256: issueTextDigest(text), by: 'Codertocat' },
    });
  });

  it('says who may consent and what the sender has, in the consent comment', () => {
    const decided = decideLabelConsent(facts({ sender: 'rita-reader', role: 'read' }));
    if (decided.kind !== 'refuse') throw new Error(decided.kind);
    expect(decided.comment).toMatch(/^<!-- aaoe:consent -->\n/);
    expect(decided.comment).toMatch(/only when it is applied by someone with write, maintain, admin permission/);
    expect(decided.comment).toMatch(/@rita-reader has read\. Ask a maintainer to apply it\./);
  });

  it('voids a consent to another text: the comment says so, with the digest of the text now for the audit', () => {
    const edited = { ...open, body: 'BACKDOOR' };
    const decided = decideLabelConsent(facts({ current: edited }));
    if (decided.kind !== 'void') throw new Error(decided.kind);
    expect(decided.comment).toMatch(/^<!-- aaoe:consent -->\nAAOE did not start: the issue's title or body changed/);
    expect(decided.comment).toMatch(/changed after @Codertocat applied the `aaoe` label/);
    expect(decided.comment).toMatch(/applies the `aaoe` label again/);
    expect(decided.decided.current).toBe(issueTextDigest(edited));
    expect(decided.consent).toEqual({ sha256: issueTextDigest(text), by: 'Codertocat' });
  });
});

/** Facts where the delivery carries the digest of `consented` and the issue reads `now`. */
function consentedTo(
  consented: { title: string; body: string },
  now: { title: string; body: string | null },
): Partial<LabelConsentFacts> {
  return {
    issue: { labels: ['aaoe'], label: 'aaoe', textSha256: issueTextDigest(consented) },
    current: { state: 'open', ...now },
  };
}
