import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { renderProposalJsonSchema } from '../../src/agent/proposal-json-schema.js';
import { Proposal, extractProposalBlock } from '../../src/agent/proposal.js';

const VALID = {
  summary: 'Return 400 instead of 500 when the password is empty.',
  classification: 'bug',
  edits: [
    { action: 'update', path: 'src/login.ts', replacements: [{ search: 'if (!user)', replace: 'if (!user || !password)' }] },
    { action: 'create', path: 'test/login.test.ts', content: "it('rejects an empty password', () => {});\n" },
    { action: 'update', path: 'docs/login.md', content: '# Login\n' },
    { action: 'delete', path: 'src/legacy-login.ts' },
  ],
  risk: { level: 'low', rationale: 'One guard clause in one handler, covered by a new test.' },
  cost: { estimatedTokens: 12000, estimatedUsd: 0.18 },
  deployment: { strategy: 'canary', notes: 'watch the 4xx rate of /login' },
  rollbackPlan: 'Revert the commit; no data changes.',
  blastRadius: 'The login endpoint only.',
} as const;

/** The valid proposal with its first edit's path replaced. */
const withPath = (path: string) => ({ ...VALID, edits: [{ action: 'delete', path }] });

const body = (...blocks: string[]) => ['## What', 'Fixes the login crash.', ...blocks, 'Thanks!'].join('\n\n');
const block = (json: string, info = 'aaoe-proposal') => `\`\`\`${info}\n${json}\n\`\`\``;

describe('Proposal', () => {
  it('parses a valid proposal, with every kind of edit', () => {
    expect(Proposal.parse(VALID)).toEqual(VALID);
  });

  it('allows deployment notes to be left out', () => {
    expect(Proposal.safeParse({ ...VALID, deployment: { strategy: 'direct' } }).success).toBe(true);
  });

  it.each([
    ['an empty path', '', 'a path must not be empty'],
    ['a NUL character', 'src/a\u0000.ts', 'a path must not contain a NUL character'],
    ['backslashes', 'src\\login.ts', 'a path uses forward slashes (/), not backslashes'],
    ['a leading /', '/etc/passwd', 'a path is relative to the repository root: remove the leading /'],
    ['an empty segment', 'src//login.ts', 'a path must not have empty segments (// or a trailing /)'],
    ['a trailing /', 'src/', 'a path must not have empty segments (// or a trailing /)'],
    ['a .. segment', 'src/../../etc/passwd', 'a path must not contain .. segments: an edit stays inside the repository'],
    ['a leading .. segment', '../secrets', 'a path must not contain .. segments: an edit stays inside the repository'],
    ['a path that is ..', '..', 'a path must not contain .. segments: an edit stays inside the repository'],
    ['a . segment', './src/login.ts', 'a path must not contain . segments: write it without ./'],
  ])('refuses a path with %s', (_, path, message) => {
    const parsed = Proposal.safeParse(withPath(path));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toContainEqual(expect.objectContaining({ path: ['edits', 0, 'path'], message }));
  });

  it.each(['a', 'src/login.ts', '.github/workflows/ci.yml', 'src/.env.example', 'a/..b/c..', 'dir with space/x'])('accepts the path %s', (path) => {
    expect(Proposal.safeParse(withPath(path)).success).toBe(true);
  });

  it.each([
    ['the root', { ...VALID, approved: true }, []],
    ['an edit', { ...VALID, edits: [{ action: 'delete', path: 'a', content: '' }] }, ['edits', 0]],
    ['a replacement', { ...VALID, edits: [{ action: 'update', path: 'a', replacements: [{ search: 'x', replace: 'y', all: true }] }] }, ['edits', 0, 'replacements', 0]],
    ['the risk', { ...VALID, risk: { ...VALID.risk, approvedBy: 'me' } }, ['risk']],
  ])('rejects an unknown key on %s', (_, input, path) => {
    const parsed = Proposal.safeParse(input);
    expect(parsed.error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', path })]);
  });

  it.each([
    ['both content and replacements', { action: 'update', path: 'a', content: 'x', replacements: [{ search: 'a', replace: 'b' }] }],
    ['neither content nor replacements', { action: 'update', path: 'a' }],
  ])('refuses an update with %s', (_, edit) => {
    const parsed = Proposal.safeParse({ ...VALID, edits: [edit] });
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({ path: ['edits', 0], message: 'an update gives either `content` (the whole new file) or `replacements`, exactly one of them' }),
    ]);
  });

  it.each([
    ['no edits', { ...VALID, edits: [] }, ['edits']],
    ['an empty replacement list', { ...VALID, edits: [{ action: 'update', path: 'a', replacements: [] }] }, ['edits', 0, 'replacements']],
    ['an empty search', { ...VALID, edits: [{ action: 'update', path: 'a', replacements: [{ search: '', replace: 'x' }] }] }, ['edits', 0, 'replacements', 0, 'search']],
    ['an unknown action', { ...VALID, edits: [{ action: 'rename', path: 'a' }] }, ['edits', 0, 'action']],
    ['a blank summary', { ...VALID, summary: '  ' }, ['summary']],
    ['a blank risk rationale', { ...VALID, risk: { level: 'low', rationale: '' } }, ['risk', 'rationale']],
    ['an unknown risk level', { ...VALID, risk: { level: 'none', rationale: 'x' } }, ['risk', 'level']],
    ['an unknown classification', { ...VALID, classification: 'chore' }, ['classification']],
    ['an unknown strategy', { ...VALID, deployment: { strategy: 'yolo' } }, ['deployment', 'strategy']],
    ['fractional tokens', { ...VALID, cost: { estimatedTokens: 1.5, estimatedUsd: 0 } }, ['cost', 'estimatedTokens']],
    ['a negative cost', { ...VALID, cost: { estimatedTokens: 0, estimatedUsd: -1 } }, ['cost', 'estimatedUsd']],
    ['no rollback plan', { ...VALID, rollbackPlan: '' }, ['rollbackPlan']],
    ['no blast radius', { ...VALID, blastRadius: undefined }, ['blastRadius']],
  ])('refuses %s', (_, input, path) => {
    const parsed = Proposal.safeParse(input);
    expect(parsed.error?.issues.map((i) => i.path)).toEqual([path]);
  });
});

describe('extractProposalBlock', () => {
  it('returns the proposal of the one aaoe-proposal block', () => {
    expect(extractProposalBlock(body(block(JSON.stringify(VALID, null, 2))))).toEqual({ ok: true, proposal: VALID });
  });

  it('reads CRLF bodies, tilde fences and extra words after the info string', () => {
    const text = body(`~~~~aaoe-proposal json\n${JSON.stringify(VALID)}\n~~~~`).replaceAll('\n', '\r\n');
    expect(extractProposalBlock(text)).toEqual({ ok: true, proposal: VALID });
  });

  it.each([
    ['no block at all', body()],
    ['an empty body', ''],
    ['only a block of another language', body(block(JSON.stringify(VALID), 'json'))],
    ['a block only shown as an example inside a longer fence', body(`\`\`\`\`markdown\n${block(JSON.stringify(VALID))}\n\`\`\`\``)],
    ['a block hidden in an HTML comment', body(`<!--\n${block(JSON.stringify(VALID))}\n-->`)],
    ['a block indented as code', body(`    \`\`\`aaoe-proposal\n    ${JSON.stringify(VALID)}\n    \`\`\``)],
  ])('says the block is missing, and how to add it, for %s', (_, text) => {
    const result = extractProposalBlock(text);
    expect(result).toMatchObject({ ok: false, reason: 'missing' });
    expect(result.ok || result.message).toContain('a fenced code block that opens with ```aaoe-proposal');
    expect(result.ok || result.message).toContain('https://github.com/aaoe/aaoe/schemas/proposal.schema.json');
  });

  it('says the JSON is malformed, and where the block is', () => {
    const result = extractProposalBlock(body(block('{ "summary": "x", }')));
    expect(result).toMatchObject({ ok: false, reason: 'invalid' });
    expect(result.ok || result.message).toMatch(/^the ```aaoe-proposal block on line 5 is not valid JSON \(.+\): write the proposal as one JSON object\.$/);
  });

  it('says a block that is never closed is invalid', () => {
    const result = extractProposalBlock(`\`\`\`aaoe-proposal\n${JSON.stringify(VALID)}\n`);
    expect(result).toEqual({ ok: false, reason: 'invalid', message: 'the ```aaoe-proposal block on line 1 is never closed: end it with ``` on its own line.' });
  });

  it('lists every schema violation with its path', () => {
    const proposal = { ...VALID, approved: true, risk: { level: 'none', rationale: 'x' }, edits: [{ action: 'create', path: '../x', content: '' }] };
    const result = extractProposalBlock(body(block(JSON.stringify(proposal))));
    expect(result).toMatchObject({ ok: false, reason: 'invalid' });
    const lines = result.ok ? [] : result.message.split('\n');
    expect(lines[0]).toBe('the ```aaoe-proposal block on line 5 does not match the proposal format (https://github.com/aaoe/aaoe/schemas/proposal.schema.json):');
    expect(lines.slice(1).sort()).toEqual(
      [
        '- approved: unknown key',
        '- edits[0].path: a path must not contain .. segments: an edit stays inside the repository',
        expect.stringMatching(/^- risk\.level: .*"low"\|"medium"\|"high"\|"critical"/),
      ].sort(),
    );
  });

  it('refuses two blocks, naming their lines', () => {
    const result = extractProposalBlock(body(block(JSON.stringify(VALID)), block(JSON.stringify(VALID))));
    expect(result).toEqual({ ok: false, reason: 'invalid', message: 'the pull request body has 2 ```aaoe-proposal blocks (lines 5, 9); keep exactly one.' });
  });
});

describe('schemas/proposal.schema.json', () => {
  it('is the schema generated from the zod schema (run `npm run schemas` after changing src/agent/proposal.ts)', () => {
    const committed = readFileSync(new URL('../../schemas/proposal.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderProposalJsonSchema());
  });

  it('rejects unknown keys on the proposal and on every kind of edit, as the app does', () => {
    const schema = JSON.parse(renderProposalJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    const edits: Array<{ properties: { action: { const: string } }; additionalProperties: unknown }> = schema.properties.edits.items.oneOf;
    expect(edits.map((e) => e.properties.action.const)).toEqual(['create', 'update', 'delete']);
    for (const edit of edits) expect(edit.additionalProperties).toBe(false);
  });

  // The JSON Schema is what external agents validate against: it must refuse what the app refuses.
  const validate = new Ajv2020({ allErrors: true }).compile(JSON.parse(renderProposalJsonSchema()));
  it.each<[string, unknown, boolean]>([
    ['the valid proposal', VALID, true],
    ['an update with both content and replacements', { ...VALID, edits: [{ action: 'update', path: 'a', content: 'x', replacements: [{ search: 'a', replace: 'b' }] }] }, false],
    ['an update with neither', { ...VALID, edits: [{ action: 'update', path: 'a' }] }, false],
    ...['/abs', 'a/../b', './a', 'a//b', 'a/', 'a\\b', 'a\u0000b'].map((path): [string, unknown, boolean] => [`the path ${JSON.stringify(path)}`, withPath(path), false]),
    ['an unknown key on an edit', { ...VALID, edits: [{ action: 'delete', path: 'a', force: true }] }, false],
  ])('agrees with the zod schema on %s', (_, input, valid) => {
    expect(validate(input)).toBe(valid);
    expect(Proposal.safeParse(input).success).toBe(valid);
  });
});
