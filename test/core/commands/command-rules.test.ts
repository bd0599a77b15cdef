import { describe, expect, it } from 'vitest';
import {
  approvalBindingProblem,
  authorityRefusal,
  changeRefusal,
  eventFor,
  mayRerun,
  type ApprovalBindingFacts,
  type CommandSource,
} from '../../../src/core/commands/command-rules.js';
import type { Command } from '../../../src/core/commands/commands.js';
import type { PermissionFact } from '../../../src/core/policy/approval-facts.js';

const policy = { agents: ['my-agent'], approvals: { permissions: ['write', 'maintain', 'admin'] as const } };
const person = { login: 'alice', type: 'User' };
const comment: CommandSource = {
  kind: 'comment',
  id: 1,
  createdAt: '2026-01-01T10:00:05Z',
  updatedAt: '2026-01-01T10:00:05Z',
};
const HEAD = 'abcdef1234567890abcdef1234567890abcdef12';

describe('authorityRefusal', () => {
  it.each<[string, Command['verb'], { login: string; type: string }, CommandSource, RegExp | undefined]>([
    ['a person approves', 'approve', person, comment, undefined],
    ['a bot approves', 'approve', { login: 'ci[bot]', type: 'Bot' }, comment, /is an agent identity/],
    [
      'a policy agent resumes',
      'resume',
      { login: 'my-agent', type: 'User' },
      comment,
      /never resume \(bounded autonomy\)/,
    ],
    ['an agent pauses (not human-only)', 'pause', { login: 'my-agent', type: 'User' }, comment, undefined],
    [
      'an app posts a rollback for a person',
      'rollback',
      person,
      { ...comment, viaApp: 'helper' },
      /GitHub App "helper" on @alice's behalf/,
    ],
    ['an app posts a pause for a person', 'pause', person, { ...comment, viaApp: 'helper' }, undefined],
    ['the API approves for a person', 'approve', person, { kind: 'api', id: 9 }, undefined],
  ])('%s', (_name, verb, actor, source, refusal) => {
    const why = authorityRefusal(verb, actor, source, policy);
    if (refusal) expect(why).toMatch(refusal);
    else expect(why).toBeUndefined();
  });
});

describe('changeRefusal and mayRerun', () => {
  it.each<[string, { login: string; type: string }, PermissionFact, boolean, boolean]>([
    ['write', person, 'write', true, true],
    ['admin', person, 'admin', true, true],
    ['triage', person, 'triage', false, true],
    ['read', person, 'read', false, false],
    ['none', person, 'none', false, false],
    ['unknown', person, 'unknown', false, false],
    ['a bot with write', { login: 'ci[bot]', type: 'Bot' }, 'write', false, true],
  ])('%s', (_name, actor, permission, mayChange, rerun) => {
    const why = changeRefusal('pause', actor, permission, policy);
    expect(why === undefined).toBe(mayChange);
    if (!mayChange) expect(why).toMatch(/`\/aaoe pause` needs write, maintain, admin/);
    expect(mayRerun(permission)).toBe(rerun);
  });
});

describe('approvalBindingProblem', () => {
  const base: ApprovalBindingFacts = {
    source: comment,
    judgedHead: HEAD,
    head: HEAD,
    headSeenAt: new Date('2026-01-01T10:00:00Z'),
  };
  it.each<[string, Partial<ApprovalBindingFacts>, RegExp | undefined]>([
    ['a comment after AAOE saw the head', {}, undefined],
    ['a comment in the second AAOE saw the head', { headSeenAt: new Date('2026-01-01T10:00:05.999Z') }, undefined],
    [
      'a comment before AAOE saw the head',
      { headSeenAt: new Date('2026-01-01T10:00:06Z') },
      /written before the head moved to abcdef1/,
    ],
    ['a head AAOE never recorded', { headSeenAt: undefined }, /written before the head moved/],
    [
      'a head AAOE has not judged',
      { judgedHead: 'f'.repeat(40) },
      /has not judged that commit yet \(it judged fffffff\)/,
    ],
    ['no head judged at all', { judgedHead: undefined }, /has not judged that commit yet;/],
    ['a judged head in upper case', { judgedHead: HEAD.toUpperCase() }, undefined],
    ['a comment naming the head', { source: { ...comment, sha: 'abcdef1' }, headSeenAt: undefined }, undefined],
    [
      'a comment naming another commit',
      { source: { ...comment, sha: '1234567' } },
      /names 1234567, and the pull request's head is abcdef1/,
    ],
    ['the button of the head', { source: { kind: 'button', id: 5, headSha: HEAD }, headSeenAt: undefined }, undefined],
    [
      'the button of an earlier head',
      { source: { kind: 'button', id: 5, headSha: 'e'.repeat(40) } },
      /button belongs to the check run on eeeeeee/,
    ],
    ['the API without a SHA', { source: { kind: 'api', id: 5 }, headSeenAt: undefined }, undefined],
    ['the API naming another commit', { source: { kind: 'api', id: 5, sha: 'e'.repeat(40) } }, /names eeeeeee/],
  ])('%s', (_name, over, problem) => {
    const why = approvalBindingProblem({ ...base, ...over });
    if (problem) expect(why).toMatch(problem);
    else expect(why).toBeUndefined();
  });
});

describe('eventFor', () => {
  it.each<[Command, ReturnType<typeof eventFor>]>([
    [{ verb: 'reject' }, { type: 'rejected', by: 'alice', reason: 'rejected by alice' }],
    [
      { verb: 'reject', reason: 'too big' },
      { type: 'rejected', by: 'alice', reason: 'too big' },
    ],
    [{ verb: 'pause' }, { type: 'paused', by: 'alice' }],
    [{ verb: 'resume' }, { type: 'resumed', by: 'alice' }],
    [{ verb: 'retry' }, { type: 'retry', by: 'alice' }],
    [{ verb: 'rollback' }, { type: 'rollback_requested', by: 'alice', reason: 'requested by alice' }],
    [{ verb: 'approve' }, undefined],
    [{ verb: 'plan', action: 'start', path: 'plans/a.yml' }, undefined],
  ])('%j', (command, event) => {
    expect(eventFor(command, 'alice')).toEqual(event);
  });
});
