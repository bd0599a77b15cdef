import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 23: the documented command must run this project's code. An unscoped `npx aaoe` runs whatever someone else
// publishes as `aaoe`; an unpinned one runs a version other than the app's. Every mention in the docs, the MCP
// configuration, the CLI and the onboarding text names the scoped package at the version in package.json.

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string };

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && ext.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

const sources = [...files('docs', /\.md$/), ...files('src', /\.ts$/), 'README.md', 'CHANGELOG.md'];

describe(`the package is named ${pkg.name}@${pkg.version} wherever people are told to run it`, () => {
  it('is a scoped name', () => {
    expect(pkg.name).toMatch(/^@[a-z0-9-]+\/aaoe$/);
  });

  it.each(sources)('%s: no unscoped `npx aaoe`, and every npx of the package pins this version', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    expect(text).not.toMatch(/npx (-y )?aaoe\b/);
    expect(text).not.toMatch(/"args": \[("-y", )?"aaoe"/);
    for (const m of text.matchAll(/npx (?:-y )?@aaoe-dev\/aaoe(@[^\s`'"]*)?/g)) expect(m[1]).toMatch(/^@(\$\{|\d)/);
    for (const m of text.matchAll(/@aaoe-dev\/aaoe@(\d+\.\d+\.\d+)/g)) expect(m[1]).toBe(pkg.version);
  });

  it('the MCP client configuration in docs/api.md runs the pinned package', () => {
    expect(readFileSync(join(root, 'docs/api.md'), 'utf8')).toContain(
      `"args": ["-y", "${pkg.name}@${pkg.version}", "mcp"]`,
    );
  });
});
