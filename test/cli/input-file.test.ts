import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkInput,
  MAX_INPUT_BYTES,
  readInputFile,
  renderInputJsonSchema,
  type InputFormat,
} from '../../src/cli/input-file.js';
import { CHANGE_FILE } from '../../src/cli/policy-command.js';
import { ISSUE_FILE, MODELS_FILE } from '../../src/cli/propose-command.js';

// Issue 23: every input format has a JSON Schema and an example in schemas/, and its errors carry the position, the
// path and the fix, as `aaoe policy validate` prints them.

const root = new URL('../../', import.meta.url).pathname;
const formats: [string, InputFormat<unknown>][] = [
  ['change', CHANGE_FILE as InputFormat<unknown>],
  ['issue', ISSUE_FILE as InputFormat<unknown>],
  ['models', MODELS_FILE as InputFormat<unknown>],
];
const dir = mkdtempSync(join(tmpdir(), 'aaoe-input-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.each(formats)('schemas/%s.schema.json', (name, format) => {
  const committed = readFileSync(join(root, format.schemaFile), 'utf8');
  const example = readFileSync(join(root, `schemas/examples/${name}.json`), 'utf8');

  it('is the schema generated from the zod schema the CLI validates with (npm run schemas)', () => {
    expect(committed).toBe(renderInputJsonSchema(format));
  });

  it('accepts its example, as the CLI does', () => {
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(JSON.parse(committed) as object);
    expect(validate(JSON.parse(example)), JSON.stringify(validate.errors)).toBe(true);
    expect(checkInput(example, `schemas/examples/${name}.json`, format).ok).toBe(true);
  });
});

const lines = (text: string, format: InputFormat<unknown>) => {
  const checked = checkInput(text, 'f.json', format);
  if (checked.ok) throw new Error('expected errors');
  return checked.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message} (at ${e.path}). Fix: ${e.hint}`);
};

describe('the errors of an input file: position, path, reason and fix', () => {
  it('a change written from the words of the old README (time, a risk string)', () => {
    const text =
      '{\n  "files": [],\n  "author": { "login": "bot", "isAgent": true },\n  "time": "2026-11-23T10:00:00Z",\n  "declared": { "risk": "high" }\n}';
    expect(lines(text, CHANGE_FILE as InputFormat<unknown>)).toEqual([
      'f.json:1:1: missing required key "at" (at at). Fix: add "at": an ISO 8601 date-time with its offset, for example "2026-11-23T10:00:00Z" (schemas/change.schema.json)',
      'f.json:4:3: unknown key "time" (at time). Fix: did you mean "at"? allowed keys here: files, author, declared, freeze, proposal, packages, spent, at (schemas/change.schema.json)',
      'f.json:5:25: expected an object, found "high" (at declared.risk). Fix: write an object, for example {"level":"low"} (schemas/change.schema.json)',
    ]);
  });

  it('a models file without tasks.classify names the key to add', () => {
    const text = JSON.stringify({
      models: [{ id: 'm', tier: 1, inputUsdPerMTok: 1, outputUsdPerMTok: 2 }],
      tasks: { propose: { minTier: 1 } },
    });
    expect(lines(text, MODELS_FILE as InputFormat<unknown>)).toEqual([
      expect.stringMatching(
        /^f\.json:1:\d+: missing required key "classify" in tasks \(at tasks\.classify\)\. Fix: add "classify": an object, for example \{"minTier":1\}/,
      ),
    ]);
  });

  it.each([
    ['{"title": "x",}', /^f\.json:1:15: not JSON: .*Fix: write JSON/],
    ['', /^f\.json:1:1: not JSON: Unexpected end of JSON input/],
    ['{"title": "", "body": 3}', /f\.json:1:11: .*\(at title\)\. Fix: write a string/],
    ['{"title": "x", "description": "y"}', /unknown key "description" \(at description\)\. Fix: did you mean "body"\?/],
    ['[1]', /f\.json:1:1: expected an object, found a list \(at \(root\)\)/],
  ])('%j', (text, expected) => {
    expect(lines(text, ISSUE_FILE as InputFormat<unknown>).join('\n')).toMatch(expected);
  });

  it('accepts a "$schema" key (editors read it) and refuses a file over the size cap before reading it', () => {
    expect(
      checkInput('{"$schema": "./issue.schema.json", "title": "x"}', 'f.json', ISSUE_FILE as InputFormat<unknown>),
    ).toEqual({
      ok: true,
      value: { title: 'x', body: '' },
    });
    const big = join(dir, 'big.json');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, MAX_INPUT_BYTES + 1);
    closeSync(fd);
    const err: string[] = [];
    expect(readInputFile(big, ISSUE_FILE, { stdout: () => {}, stderr: (t) => err.push(t) })).toBeUndefined();
    expect(err.join('\n')).toContain(`larger than the ${MAX_INPUT_BYTES} bytes an input file may have`);
    writeFileSync(join(dir, 'ok.json'), '{"title": "t"}');
    expect(readInputFile(join(dir, 'ok.json'), ISSUE_FILE, { stdout: () => {}, stderr: () => {} })).toEqual({
      title: 't',
      body: '',
    });
  });
});
