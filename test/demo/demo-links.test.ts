import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoLinks, urlsIn } from '../../src/demo/demo-links.js';
import { cutAtWord, describeReason, MAX_REASON_CHARS } from '../../src/demo/demo-timeline.js';
import type { AuditEntry } from '../../src/core/execution/records.js';

/**
 * What `npm run demo -- --ci` checks of the links it printed, on a loopback server: a link that is not registered, a
 * page that does not answer 200, a page without what the link names, each is a problem (and `--ci` exits 1); and
 * the timeline's words: reasons cut at a word, a policy evaluation that reads as its conclusion.
 */

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/issues/1') return void res.writeHead(200).end('<h1>Fix &amp; ship &lt;now&gt;</h1>');
    if (req.url === '/moved') return void res.writeHead(302, { location: '/issues/1' }).end();
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const options = () => ({ appUrl: base, signInAs: 'bob' });

describe('the links --ci checks', () => {
  it('finds the URLs of a line, without the punctuation that ends the sentence', () => {
    expect(urlsIn('see http://h:1/a/b#issuecomment-3: and (https://x.y/z).')).toEqual([
      'http://h:1/a/b#issuecomment-3',
      'https://x.y/z',
    ]);
    expect(urlsIn('listens on 127.0.0.1:3000')).toEqual([]);
  });

  it('passes a link that answers 200 (after redirects) with what it names, entities decoded', async () => {
    const links = new DemoLinks();
    links.add({ url: `${base}/issues/1#issue`, names: 'issue #1', contains: ['Fix & ship <now>'] });
    links.add({ url: `${base}/moved`, names: 'moved', contains: ['<h1>Fix'] });
    expect(await links.check([`a ${base}/issues/1#issue`, `b ${base}/moved`], options())).toEqual([]);
  });

  it('fails a printed link it does not know, a page that is not 200, a page without what it names', async () => {
    const links = new DemoLinks();
    links.add({ url: `${base}/gone`, names: 'the gone page', contains: [] });
    links.add({ url: `${base}/issues/1`, names: 'issue #1', contains: ['Fix & ship', 'the gate table'] });
    const problems = await links.check(
      [`one ${base}/gone`, `two ${base}/issues/1`, `three ${base}/unregistered`],
      options(),
    );
    expect(problems).toEqual([
      `the gone page (${base}/gone) answered 404`,
      `issue #1 (${base}/issues/1) answered 200 without "the gate table"`,
      `printed ${base}/unregistered, a link the demo does not check`,
    ]);
  });

  it('fails a dashboard link when signing in fails', async () => {
    const links = new DemoLinks();
    links.add({ url: `${base}/issues/1`, names: 'the dashboard', contains: [], signedIn: true });
    const [problem] = await links.check([`${base}/issues/1`], options());
    expect(problem).toMatch(/^the dashboard \(.*\): the dashboard's sign-in answered 404/);
  });
});

function entry(action: string, reason: string): AuditEntry {
  return {
    seq: 1,
    at: new Date('2026-01-01T00:00:00Z'),
    executionId: null,
    traceId: null,
    actor: 'aaoe',
    action,
    reason,
    costUsd: null,
    costTokens: null,
    data: null,
    prevHash: '',
    hash: '',
  };
}

describe("the timeline's words", () => {
  it('cuts a long reason at a word, with an ellipsis, and leaves a short one whole', () => {
    expect(cutAtWord('short reason', 40)).toBe('short reason');
    const long = 'error-rate in interval 1: canary 0.0609 vs baseline 0.02, significantly worse than the baseline';
    const cut = cutAtWord(long, 50);
    expect(cut).toBe('error-rate in interval 1: canary 0.0609 vs …');
    expect(long.startsWith(cut.slice(0, -2))).toBe(true);
    expect(long[cut.length - 2]).toBe(' ');
    // one word longer than the limit is not cut inside
    expect(cutAtWord('x'.repeat(60), 50)).toBe('x'.repeat(60));
  });

  it('never prints more than the limit, and never a word cut', () => {
    const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const described = describeReason(entry('canary_verdict', `verifying -> rolling_back: fail, ${words}`));
    expect(described.length).toBeLessThanOrEqual(MAX_REASON_CHARS + 2);
    expect(described).toMatch(/^fail, word0 .* word\d+ …$/);
  });

  it('reads an approved evaluation as approved, and a waiting one as needing approval', () => {
    const gates = 'protected-paths passed, risk needs_approval, cost passed; risk medium';
    expect(describeReason(entry('policy_evaluated', `proposed -> awaiting_approval: action_required: ${gates}`))).toBe(
      'action_required: risk needs approval; protected-paths, cost passed (risk medium)',
    );
    const approved = describeReason(
      entry('policy_evaluated', `awaiting_approval -> approved: success: ${gates}; approved by bob`),
    );
    expect(approved).toBe('success: risk approved by bob; protected-paths, cost passed (risk medium)');
    expect(approved).not.toMatch(/needs/);
    expect(
      describeReason(entry('policy_evaluated', 'proposed -> refused: failure: secrets failed, cost passed; risk low')),
    ).toBe('failure: secrets failed; cost passed (risk low)');
  });

  it('drops the "<from> -> <to>" the state column shows', () => {
    expect(describeReason(entry('classified', 'received -> classified'))).toBe('');
    expect(describeReason(entry('merged', 'approved -> merged: as abc'))).toBe('as abc');
  });
});
