import { describe, expect, it } from 'vitest';
import { parseCommands } from '../../../src/core/commands/commands.js';
import {
  agentWorkRefusal,
  decideFreezeAuthority,
  decideHotfix,
  freezeMet,
  resolveUntil,
  type FreezerFacts,
  type HotfixApproval,
  type OrgFreezeRecord,
  type OrgFreezes,
} from '../../../src/core/decisions/org-freeze.js';
import { OrganisationPolicy } from '../../../src/core/policy/schema.js';

const ORG = OrganisationPolicy.parse({ freezeTeams: ['sre'], hotfix: { label: 'hotfix', approvals: 2 } });
const NOW = new Date('2026-12-08T03:00:00Z');

describe('parsing the freeze commands', () => {
  it.each([
    ['/aaoe freeze --org', { verb: 'freeze', scope: 'org' }],
    ['/aaoe freeze --org payments outage', { verb: 'freeze', scope: 'org', reason: 'payments outage' }],
    ['/aaoe FREEZE --ORG --until 4h incident 42', { verb: 'freeze', scope: 'org', until: '4h', reason: 'incident 42' }],
    [
      '/aaoe freeze --org db down --until 2026-12-08T18:00:00Z',
      { verb: 'freeze', scope: 'org', until: '2026-12-08T18:00:00Z', reason: 'db down' },
    ],
    ['/aaoe unfreeze --org', { verb: 'unfreeze', scope: 'org' }],
    ['/aaoe freeze --agent Claude', { verb: 'freeze', scope: 'agent', agent: 'claude' }],
    [
      '/aaoe freeze --agent claude leaking secrets',
      { verb: 'freeze', scope: 'agent', agent: 'claude', reason: 'leaking secrets' },
    ],
    ['/aaoe unfreeze --agent copilot', { verb: 'unfreeze', scope: 'agent', agent: 'copilot' }],
    ['/aaoe retry --agent codex', { verb: 'retry', agent: 'codex' }],
    ['/aaoe retry', { verb: 'retry' }],
  ])('%s', (line, command) => {
    expect(parseCommands(line)).toEqual([{ type: 'command', line: 1, command }]);
  });

  it.each([
    '/aaoe freeze',
    '/aaoe freeze everything',
    '/aaoe freeze --agent',
    '/aaoe freeze --agent ../../etc',
    '/aaoe freeze --org --until',
    '/aaoe freeze --org --until tomorrow',
    '/aaoe freeze --agent claude --until 4h',
    '/aaoe unfreeze --org because',
    '/aaoe unfreeze --org --until 4h',
    '/aaoe retry --agent',
    '/aaoe retry claude',
  ])('%s is refused with the usage', (line) => {
    const [parsed] = parseCommands(line);
    expect(parsed?.type).toBe('invalid');
  });

  it('a freeze inside a quote or a code block is no command', () => {
    expect(parseCommands('> /aaoe freeze --org\n\n```\n/aaoe freeze --org\n```')).toEqual([]);
  });

  it('cuts a long reason', () => {
    const [parsed] = parseCommands(`/aaoe freeze --org ${'x'.repeat(5000)}`);
    expect(parsed?.type === 'command' && parsed.command.verb === 'freeze' && parsed.command.reason?.length).toBe(300);
  });
});

describe('resolveUntil', () => {
  it.each<[string | undefined, string | null | RegExp]>([
    [undefined, null],
    ['90m', '2026-12-08T04:30:00.000Z'],
    ['4h', '2026-12-08T07:00:00.000Z'],
    ['2d', '2026-12-10T03:00:00.000Z'],
    ['2026-12-08T18:00:00+01:00', '2026-12-08T17:00:00.000Z'],
    ['2026-12-08T02:00:00Z', /not ahead of now/],
    ['0m', /not ahead of now/],
    ['31d', /more than 30 days/],
  ])('%s', (until, expected) => {
    const r = resolveUntil(until, NOW);
    if (expected instanceof RegExp) expect(r.ok === false && r.reason).toMatch(expected);
    else expect(r).toEqual({ ok: true, until: expected === null ? null : new Date(expected) });
  });
});

describe('decideFreezeAuthority', () => {
  const person = (over: Partial<FreezerFacts> = {}): FreezerFacts => ({
    actor: { login: 'olga', type: 'User' },
    isAgent: false,
    membership: { role: 'member', state: 'active', userId: 7 },
    teams: [],
    ...over,
  });
  it.each<[string, FreezerFacts, string | RegExp]>([
    ['an owner', person({ membership: { role: 'admin', state: 'active', userId: 7 } }), 'organisation owner'],
    ['a freeze team member', person({ teams: ['SRE'] }), 'member of the freeze team SRE'],
    ['a member of another team', person({ teams: ['web'] }), /neither/],
    ['a plain member', person(), /neither/],
    ['a pending owner', person({ membership: { role: 'admin', state: 'pending', userId: 7 } }), /neither/],
    ['no id reported', person({ membership: { role: 'admin', state: 'active', userId: undefined } }), /neither/],
    [
      'a bot, even an owner',
      person({ actor: { login: 'x[bot]', type: 'Bot' }, membership: { role: 'admin', state: 'active', userId: 8 } }),
      /Bot account/,
    ],
    [
      'an agent identity',
      person({ isAgent: true, membership: { role: 'admin', state: 'active', userId: 8 } }),
      /agent identity/,
    ],
  ])('%s', (_, facts, expected) => {
    const d = decideFreezeAuthority(facts, ORG);
    if (typeof expected === 'string') expect(d).toEqual({ ok: true, via: expected, userId: 7 });
    else expect(d.ok === false && d.reason).toMatch(expected);
  });
});

describe('decideHotfix', () => {
  const HEAD = 'a'.repeat(40);
  const owner = (login: string, userId: number, over: Partial<HotfixApproval> = {}): HotfixApproval => ({
    login,
    userId,
    type: 'User',
    headSha: HEAD,
    isAuthor: false,
    isAgent: false,
    orgRole: 'admin',
    ...over,
  });
  const decide = (approvals: HotfixApproval[], labels = ['hotfix']) =>
    decideHotfix({ labels, headSha: HEAD, approvals }, ORG);

  it('no label: not a hotfix, whatever the approvals', () => {
    expect(decide([owner('a', 1), owner('b', 2)], ['bug'])).toEqual({ kind: 'not_hotfix' });
  });
  it('two distinct owners at the head let it through (label case-insensitive)', () => {
    expect(decide([owner('a', 1), owner('b', 2)], ['HotFix'])).toEqual({
      kind: 'let_through',
      approvers: ['a', 'b'],
      headSha: HEAD,
    });
  });
  it.each<[string, HotfixApproval[]]>([
    ['none', []],
    ['one owner', [owner('a', 1)]],
    ['one owner twice (by id, under two logins)', [owner('a', 1), owner('a-renamed', 1)]],
    ['an owner and a member', [owner('a', 1), owner('m', 3, { orgRole: 'member' })]],
    ['an owner and the author', [owner('a', 1), owner('b', 2, { isAuthor: true })]],
    ['an owner and an agent', [owner('a', 1), owner('b', 2, { isAgent: true })]],
    ['an owner and a bot', [owner('a', 1), owner('b[bot]', 2, { type: 'Bot' })]],
    ['an owner and an approval of another head', [owner('a', 1), owner('b', 2, { headSha: 'b'.repeat(40) })]],
    ['an owner and one without an id', [owner('a', 1), owner('b', 2, { userId: undefined })]],
  ])('held: %s', (_, approvals) => {
    const d = decide(approvals);
    expect(d.kind).toBe('held');
    expect(d.kind === 'held' && d.reason).toMatch(/only with 2 approvals of aaaaaaa by owners/);
  });
});

describe('freezeMet and agentWorkRefusal', () => {
  const record = (over: Partial<OrgFreezeRecord>): OrgFreezeRecord => ({
    id: 1,
    scope: 'org',
    agent: null,
    reason: 'incident 42',
    since: NOW.toISOString(),
    until: null,
    by: { login: 'olga', id: 7 },
    ...over,
  });
  const frozen: OrgFreezes = { org: record({}), agents: [record({ id: 2, scope: 'agent', agent: 'claude' })] };
  const repository = {
    id: 9,
    reason: '2 failed deployments',
    since: NOW.toISOString(),
    until: '2026-12-08T03:30:00.000Z',
  };

  it('the repository freeze comes first, and no hotfix passes it', () => {
    expect(
      freezeMet({
        repository,
        org: frozen,
        agent: 'claude',
        hotfix: { kind: 'let_through', approvers: ['a', 'b'], headSha: 'f'.repeat(40) },
      }),
    ).toEqual({ ...repository, scope: 'repository' });
  });
  it("the agent's kill switch, and a hotfix does not pass it", () => {
    const met = freezeMet({
      repository: undefined,
      org: frozen,
      agent: 'claude',
      hotfix: { kind: 'let_through', approvers: ['a', 'b'], headSha: 'f'.repeat(40) },
    });
    expect(met).toMatchObject({
      scope: 'agent',
      reason: 'the agent claude is stopped organisation-wide by @olga: incident 42',
    });
    expect(met?.hotfix).toBeUndefined();
  });
  it('the organisation freeze; a hotfix let through is marked; one held says why', () => {
    expect(freezeMet({ repository: undefined, org: frozen, agent: 'copilot' })).toMatchObject({
      scope: 'organisation',
      until: null,
    });
    expect(
      freezeMet({
        repository: undefined,
        org: frozen,
        agent: undefined,
        hotfix: { kind: 'let_through', approvers: ['a', 'b'], headSha: 'f'.repeat(40) },
      }),
    ).toMatchObject({ hotfix: 'Hotfix: let through the organisation freeze at fffffff, approved by @a, @b' });
    expect(
      freezeMet({ repository: undefined, org: frozen, agent: undefined, hotfix: { kind: 'held', reason: 'needs two' } })
        ?.reason,
    ).toBe('the organisation is frozen by @olga: incident 42; needs two');
  });
  it('nothing in force: no freeze, work starts', () => {
    expect(freezeMet({ repository: undefined, org: { org: undefined, agents: [] }, agent: 'claude' })).toBeUndefined();
    expect(agentWorkRefusal({ org: undefined, agents: [] }, 'aaoe')).toBeUndefined();
  });
  it('an agent stopped: only its work is refused', () => {
    const onlyClaude: OrgFreezes = { org: undefined, agents: frozen.agents };
    expect(agentWorkRefusal(onlyClaude, 'claude')).toMatch(/^No new agent work starts: the agent claude is stopped/);
    expect(agentWorkRefusal(onlyClaude, 'aaoe')).toBeUndefined();
    expect(agentWorkRefusal(frozen, 'aaoe')).toMatch(
      /the organisation is frozen by @olga: incident 42 \(until lifted\)/,
    );
  });
});
