import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ACTED_ON_EVENTS } from '../../src/app/aaoe-app.js';

describe('app.yml', () => {
  const manifest = parse(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8'));
  const source = readFileSync(new URL('../../src/app/aaoe-app.ts', import.meta.url), 'utf8');

  it('subscribes to exactly the events the app handles', () => {
    const handled = new Set(
      [...ACTED_ON_EVENTS, ...[...source.matchAll(/app\.on\('([a-z_]+)(?:\.[a-z_]+)?'/g)].map((m) => m[1]!)].map(
        (e) => e.split('.')[0]!,
      ),
    );
    expect(new Set(manifest.default_events)).toEqual(handled);
  });

  it("asks for write access only where the app writes: checks, the agent's branch, its pull request and the issue", () => {
    const writes = Object.entries(manifest.default_permissions).filter(([, level]) => level !== 'read');
    expect(Object.fromEntries(writes)).toEqual({
      checks: 'write',
      contents: 'write',
      pull_requests: 'write',
      issues: 'write',
      deployments: 'write',
    });
    expect(manifest.default_permissions).not.toHaveProperty('administration');
    expect(manifest.default_permissions).not.toHaveProperty('workflows'); // the agent may never write CI workflows
  });
});
