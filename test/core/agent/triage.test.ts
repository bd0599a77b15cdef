import { describe, expect, it } from 'vitest';
import { parseCodeowners } from '../../../src/core/agent/codeowners.js';
import { TriageAnswer, classFromLabels, conflictsWith, ownersOfPaths } from '../../../src/core/agent/triage.js';

describe('triage', () => {
  it('takes the class from labels only when they name exactly one', () => {
    expect(classFromLabels(['bug'])).toBe('bug');
    expect(classFromLabels(['Enhancement', 'good first issue'])).toBe('feature');
    expect(classFromLabels(['documentation', 'docs'])).toBe('docs');
    expect(classFromLabels(['k8s'])).toBe('infra');
    expect(classFromLabels(['bug', 'enhancement'])).toBeUndefined();
    expect(classFromLabels(['aaoe', 'help wanted'])).toBeUndefined();
  });

  it('maps the likely paths to their owners and lists what no one owns', () => {
    const co = parseCodeowners('* @org/all\n/src/auth/ @org/security @alice\n/src/legacy/\n*.md @org/docs');
    const { owners, unowned } = ownersOfPaths(co, [
      'src/auth/login.ts',
      'src/auth/README.md',
      'src/legacy/old.ts',
      'src/app.ts',
    ]);
    expect(Object.fromEntries(owners)).toEqual({
      '@org/security': ['src/auth/login.ts'],
      '@alice': ['src/auth/login.ts'],
      '@org/docs': ['src/auth/README.md'],
      '@org/all': ['src/app.ts'],
    });
    expect(unowned).toEqual(['src/legacy/old.ts']);
  });

  it('finds executions in flight on the same files or directories', () => {
    const inFlight = [
      { executionId: 'a', paths: ['src/auth/login.ts'] },
      { executionId: 'b', paths: ['infra/'] },
      { executionId: 'c', paths: ['docs/x.md'] },
    ];
    expect(conflictsWith(['src/auth/login.ts', 'infra/main.tf', 'README.md'], inFlight)).toEqual([
      { executionId: 'a', paths: ['src/auth/login.ts'] },
      { executionId: 'b', paths: ['infra/main.tf'] },
    ]);
    expect(conflictsWith(['src/other.ts'], inFlight)).toEqual([]);
  });

  it('asks a model for a class in a schema strict structured outputs accept', async () => {
    const { responseFormatFor } = await import('../../../src/adapters/model/model-answer.js');
    expect(responseFormatFor(TriageAnswer, 'triage').json_schema.strict).toBe(true);
    expect(TriageAnswer.safeParse({ classification: 'refactor', rationale: 'x' }).success).toBe(false);
  });
});
