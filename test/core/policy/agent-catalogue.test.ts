import { describe, expect, it } from 'vitest';
import {
  AGENT_CATALOGUE,
  MESSAGE_TAIL_CHARS,
  agentOfAccount,
  agentOfEmail,
  catalogueAgent,
  coAuthorEmails,
  isCatalogueKeyword,
  noreplyLogin,
} from '../../../src/core/policy/agent-catalogue.js';

describe('the agent catalogue', () => {
  it('has one entry per known agent, each with an account or an email, names unique and lower case', () => {
    expect(AGENT_CATALOGUE.map((a) => a.name)).toEqual([
      'copilot',
      'claude',
      'codex',
      'devin',
      'jules',
      'openhands',
      'cursor',
    ]);
    for (const agent of AGENT_CATALOGUE) {
      expect(agent.accounts.length + agent.emails.length).toBeGreaterThan(0);
      for (const email of agent.emails) expect(email).toBe(email.toLowerCase());
    }
    expect(catalogueAgent('Claude')?.displayName).toMatch(/Claude/);
    expect(isCatalogueKeyword('ALL-KNOWN')).toBe(true);
    expect(isCatalogueKeyword('octocat')).toBe(false);
  });

  it.each([
    [{ login: 'copilot-swe-agent[bot]', id: 198982749 }, 'copilot'],
    [{ login: 'renamed-login', id: 209825114 }, 'claude'], // the id decides, whatever the login
    [{ login: 'claude[bot]', id: 1 }, undefined], // the login, with another account's id
    [{ login: 'claude[bot]' }, 'claude'], // no id given: by login
    [{ login: 'OPENHANDS-AGENT', id: 3 }, 'openhands'], // no documented id: by login
    [{ login: 'dependabot[bot]', id: 49699333 }, undefined],
  ])('account %j is %s', (account, name) => {
    expect(agentOfAccount(account)?.name).toBe(name);
  });

  it.each([
    ['noreply@anthropic.com', 'claude'],
    ['CursorAgent@Cursor.com', 'cursor'],
    ['openhands@all-hands.dev', 'openhands'],
    ['198982749+Copilot@users.noreply.github.com', 'copilot'],
    ['175728472+Copilot@users.noreply.github.com', 'copilot'], // another id prefix: the login decides
    ['161369871+google-labs-jules[bot]@users.noreply.github.com', 'jules'],
    ['claude@example.com', undefined],
    ['noreply@anthropic.com.evil.example', undefined],
    ['copilot@users.noreply.github.com.evil', undefined],
    ['', undefined],
  ])('email %s is %s', (email, name) => {
    expect(agentOfEmail(email)?.name).toBe(name);
  });

  it('reads the login of a noreply address', () => {
    expect(noreplyLogin('1+Octo-Cat@users.noreply.github.com')).toBe('octo-cat');
    expect(noreplyLogin('octocat@users.noreply.github.com')).toBe('octocat');
    expect(noreplyLogin('octocat@example.com')).toBeUndefined();
    expect(noreplyLogin('1+@users.noreply.github.com')).toBeUndefined();
  });
});

describe('coAuthorEmails', () => {
  it('reads every Co-authored-by trailer, any case, indented or not, CRLF or LF', () => {
    const message =
      'Fix\r\n\r\nCo-Authored-By: Claude Opus 4.5 <NoReply@Anthropic.com>\r\n  co-authored-by:Cursor Agent <cursoragent@cursor.com>\nSigned-off-by: A <a@example.com>\n';
    expect(coAuthorEmails(message)).toEqual(['noreply@anthropic.com', 'cursoragent@cursor.com']);
  });

  it.each([
    ['no email', 'Co-authored-by: Claude'],
    ['an unclosed email', 'Co-authored-by: Claude <noreply@anthropic.com'],
    ['an empty email', 'Co-authored-by: Claude <>'],
    ['another trailer', 'Reviewed-by: Claude <noreply@anthropic.com>'],
    ['mid-line', 'see Co-authored-by: Claude <noreply@anthropic.com>'],
  ])('ignores %s', (_name, message) => {
    expect(coAuthorEmails(message)).toEqual([]);
  });

  it('reads only the end of a message (trailers close it)', () => {
    const trailer = 'Co-authored-by: Claude <noreply@anthropic.com>';
    expect(coAuthorEmails(`${trailer}\n${'x'.repeat(MESSAGE_TAIL_CHARS)}`)).toEqual([]);
    expect(coAuthorEmails(`${'x\n'.repeat(MESSAGE_TAIL_CHARS)}${trailer}`)).toEqual(['noreply@anthropic.com']);
  });

  it('costs linear time on a hostile message (unclosed trailers, one long line)', () => {
    const time = (message: string) => {
      const started = performance.now();
      for (let i = 0; i < 20; i++) coAuthorEmails(message);
      return performance.now() - started;
    };
    const lines = (n: number) => 'Co-authored-by: <'.repeat(1).concat('x'.repeat(10), '\n').repeat(n);
    const small = time(lines(1_000));
    const large = time(lines(1_000_000)); // 28 MB: only its last 16 KiB is read
    expect(large).toBeLessThan(Math.max(50, small * 20));
    const oneLine = `Co-authored-by: ${'<'.repeat(4 * MESSAGE_TAIL_CHARS)}`;
    expect(time(oneLine)).toBeLessThan(500);
  });
});
