import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  Declaration,
  MAX_BODY_CHARS,
  Proposal,
  extractDeclaration,
  extractProposalBlock,
  renderDeclarationJsonSchema,
} from '../../../src/core/agent/proposal.js';

const VALID = {
  summary: 'Return 400 instead of 500 when the password is empty.',
  classification: 'bug',
  edits: [
    {
      action: 'update',
      path: 'src/login.ts',
      replacements: [{ search: 'if (!user)', replace: 'if (!user || !password)' }],
    },
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
    [
      'a .. segment',
      'src/../../etc/passwd',
      'a path must not contain .. segments: an edit stays inside the repository',
    ],
    ['a leading .. segment', '../secrets', 'a path must not contain .. segments: an edit stays inside the repository'],
    ['a path that is ..', '..', 'a path must not contain .. segments: an edit stays inside the repository'],
    ['a . segment', './src/login.ts', 'a path must not contain . segments: write it without ./'],
  ])('refuses a path with %s', (_, path, message) => {
    const parsed = Proposal.safeParse(withPath(path));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toContainEqual(expect.objectContaining({ path: ['edits', 0, 'path'], message }));
  });

  it.each(['a', 'src/login.ts', '.github/workflows/ci.yml', 'src/.env.example', 'a/..b/c..', 'dir with space/x'])(
    'accepts the path %s',
    (path) => {
      expect(Proposal.safeParse(withPath(path)).success).toBe(true);
    },
  );

  it.each([
    ['the root', { ...VALID, approved: true }, []],
    ['an edit', { ...VALID, edits: [{ action: 'delete', path: 'a', content: '' }] }, ['edits', 0]],
    [
      'a replacement',
      { ...VALID, edits: [{ action: 'update', path: 'a', replacements: [{ search: 'x', replace: 'y', all: true }] }] },
      ['edits', 0, 'replacements', 0],
    ],
    ['the risk', { ...VALID, risk: { ...VALID.risk, approvedBy: 'me' } }, ['risk']],
  ])('rejects an unknown key on %s', (_, input, path) => {
    const parsed = Proposal.safeParse(input);
    expect(parsed.error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', path })]);
  });

  it.each([
    [
      'both content and replacements',
      { action: 'update', path: 'a', content: 'x', replacements: [{ search: 'a', replace: 'b' }] },
    ],
    ['neither content nor replacements', { action: 'update', path: 'a' }],
  ])('refuses an update with %s', (_, edit) => {
    const parsed = Proposal.safeParse({ ...VALID, edits: [edit] });
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ['edits', 0],
        message: 'an update gives either `content` (the whole new file) or `replacements`, exactly one of them',
      }),
    ]);
  });

  it.each([
    ['no edits', { ...VALID, edits: [] }, ['edits']],
    [
      'an empty replacement list',
      { ...VALID, edits: [{ action: 'update', path: 'a', replacements: [] }] },
      ['edits', 0, 'replacements'],
    ],
    [
      'an empty search',
      { ...VALID, edits: [{ action: 'update', path: 'a', replacements: [{ search: '', replace: 'x' }] }] },
      ['edits', 0, 'replacements', 0, 'search'],
    ],
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

describe('extractDeclaration', () => {
  it('reads a declaration with only a rollback plan: every field is optional, and no edits (the diff is the pull request)', () => {
    const result = extractDeclaration(body(block('{"rollbackPlan": "Run 0042_down.sql."}')));
    expect(result).toEqual({ ok: true, declaration: { rollbackPlan: 'Run 0042_down.sql.' }, line: 5 });
  });

  it('reads an empty declaration', () => {
    expect(extractDeclaration(body(block('{}')))).toEqual({ ok: true, declaration: {}, line: 5 });
  });

  it("reads a full proposal (an older agent's, or AAOE's own) as a declaration, whatever its edits hold", () => {
    const result = extractDeclaration(
      body(block(JSON.stringify({ ...VALID, edits: [{ action: 'rename', from: 'a' }] }, null, 2))),
    );
    expect(result).toMatchObject({
      ok: true,
      declaration: { rollbackPlan: VALID.rollbackPlan, risk: VALID.risk, cost: VALID.cost },
    });
  });

  it('reads CRLF bodies, tilde fences and extra words after the info string', () => {
    const text = body(`~~~~aaoe-proposal json\n${JSON.stringify(VALID)}\n~~~~`).replaceAll('\n', '\r\n');
    expect(extractDeclaration(text)).toMatchObject({ ok: true, declaration: { summary: VALID.summary } });
  });

  it.each([
    ['no block at all', body()],
    ['an empty body', ''],
    ['only a block of another language', body(block(JSON.stringify(VALID), 'json'))],
    [
      'a block only shown as an example inside a longer fence',
      body(`\`\`\`\`markdown\n${block(JSON.stringify(VALID))}\n\`\`\`\``),
    ],
    ['a block hidden in an HTML comment', body(`<!--\n${block(JSON.stringify(VALID))}\n-->`)],
    ['a block indented as code', body(`    \`\`\`aaoe-proposal\n    ${JSON.stringify(VALID)}\n    \`\`\``)],
  ])('finds no declaration (no failure: AAOE derives the rest) in %s', (_, text) => {
    expect(extractDeclaration(text)).toEqual({
      ok: false,
      reason: 'missing',
      message: 'the pull request body has no ```aaoe-proposal block.',
    });
  });

  it('says the JSON is malformed, and where the block is', () => {
    const result = extractDeclaration(body(block('{ "summary": "x", }')));
    expect(result).toMatchObject({ ok: false, reason: 'invalid' });
    expect(result.ok || result.message).toMatch(
      /^the ```aaoe-proposal block on line 5 is not valid JSON \(.+\): write it as one JSON object\.$/,
    );
  });

  it('says a block that is never closed is invalid', () => {
    const result = extractDeclaration(`\`\`\`aaoe-proposal\n{}\n`);
    expect(result).toEqual({
      ok: false,
      reason: 'invalid',
      message: 'the ```aaoe-proposal block on line 1 is never closed: end it with ``` on its own line.',
    });
  });

  it('lists every violation with its path, and names the keys a declaration may have', () => {
    const result = extractDeclaration(
      body(block(JSON.stringify({ rollback_plan: 'x', risk: { level: 'none' }, rollbackPlan: ' ' }))),
    );
    const lines = result.ok ? [] : result.message.split('\n');
    expect(lines[0]).toBe(
      'the ```aaoe-proposal block on line 5 does not match the declaration format (https://github.com/aaoe/aaoe/schemas/proposal.schema.json):',
    );
    expect(lines.slice(1)).toHaveLength(3);
    expect(lines.slice(1)).toEqual(
      expect.arrayContaining([
        '- rollback_plan: unknown key (the keys are summary, classification, risk, rollbackPlan, blastRadius, cost, deployment)',
        '- rollbackPlan: must not be empty',
        expect.stringMatching(/^- risk\.level: .*"low"\|"medium"\|"high"\|"critical"/),
      ]),
    );
  });

  it('refuses two blocks, naming their lines', () => {
    const result = extractDeclaration(body(block('{}'), block('{}')));
    expect(result).toEqual({
      ok: false,
      reason: 'invalid',
      message: 'the pull request body has 2 ```aaoe-proposal blocks (lines 5, 9); keep exactly one.',
    });
  });

  it('reads no body longer than GitHub allows, before any parsing', () => {
    const result = extractDeclaration(body(block('{}')) + ' '.repeat(MAX_BODY_CHARS));
    expect(result).toMatchObject({
      ok: false,
      reason: 'invalid',
      message: expect.stringMatching(/^the pull request body is 65,6\d\d characters, more than the 65,536 AAOE reads/),
    });
  });

  it('reads a body of many fences and a deeply nested block in linear time', () => {
    const fences = '```\n'.repeat(16_000);
    const nested = block(`{"edits": ${'['.repeat(30_000)}${']'.repeat(30_000)}}`);
    const started = performance.now();
    expect(extractDeclaration(fences).ok).toBe(false);
    expect(extractDeclaration(body(nested))).toMatchObject({ ok: true });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('extractProposalBlock', () => {
  it("reads the full proposal of a block, as AAOE's own pull requests carry it", () => {
    expect(extractProposalBlock(body(block(JSON.stringify(VALID, null, 2))))).toEqual({ ok: true, proposal: VALID });
  });

  it('refuses a declaration that is no full proposal', () => {
    expect(extractProposalBlock(body(block('{"rollbackPlan": "x"}')))).toMatchObject({ ok: false, reason: 'invalid' });
  });
});

describe('schemas/proposal.schema.json', () => {
  it('is the schema generated from the declaration (run `npm run schemas` after changing src/core/agent/proposal.ts)', () => {
    const committed = readFileSync(new URL('../../../schemas/proposal.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(renderDeclarationJsonSchema());
  });

  it('rejects unknown keys, as the app does, and requires nothing', () => {
    const schema = JSON.parse(renderDeclarationJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toBeUndefined();
  });

  // The JSON Schema is what agents validate against: it must accept and refuse what the app does.
  const validate = new Ajv2020({ allErrors: true }).compile(JSON.parse(renderDeclarationJsonSchema()));
  it.each<[string, unknown, boolean]>([
    ['the full proposal', VALID, true],
    ['an empty declaration', {}, true],
    ['a rollback plan alone', { rollbackPlan: 'Run the down migration.' }, true],
    ['a risk without rationale', { risk: { level: 'high' } }, true],
    ['edits of any shape', { edits: 'anything' }, true],
    ['an unknown key', { rollback_plan: 'x' }, false],
    ['an unknown risk level', { risk: { level: 'none' } }, false],
    ['a blank rollback plan', { rollbackPlan: '  ' }, false],
    ['a negative cost', { cost: { estimatedUsd: -1 } }, false],
    ['an unknown key in the cost', { cost: { usd: 1 } }, false],
  ])('agrees with the zod schema on %s', (_, input, valid) => {
    expect(validate(input)).toBe(valid);
    expect(Declaration.safeParse(input).success).toBe(valid);
  });
});
