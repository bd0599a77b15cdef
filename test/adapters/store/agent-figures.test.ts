import { describe, expect, it } from 'vitest';
import type { ExecutionState } from '../../../src/core/execution/execution-model.js';
import {
  AGENT_LIMIT,
  DECLARED_USD_CAP,
  OUTCOME_OF_STATE,
  readAgentFigures,
} from '../../../src/adapters/store/agent-figures.js';
import { insertExecution } from '../../../src/adapters/store/executions.js';
import { type AgentWork, type ExecutionRecord, type PullRequestSubject } from '../../../src/core/execution/records.js';
import { recordModelCalls } from '../../../src/adapters/store/model-calls.js';
import type { SqlExecutor } from '../../../src/adapters/store/database.js';
import { backends, useMigratedStore } from './backends.js';

let n = 0;
async function execution(
  db: SqlExecutor,
  over: {
    repo?: string;
    state?: ExecutionState;
    resumeTo?: ExecutionState;
    subject?: Partial<PullRequestSubject> | null;
    work?: boolean;
  },
) {
  n++;
  const subject: PullRequestSubject | null =
    over.subject === null
      ? null
      : {
          author: { login: 'someone[bot]', type: 'Bot' },
          isAgent: true,
          htmlUrl: 'https://x',
          governedBecause: 'test',
          ...over.subject,
        };
  const work: AgentWork | null = over.work
    ? { issue: { number: n, title: 't', htmlUrl: 'https://x', labelledBy: 'p' } }
    : null;
  const record: ExecutionRecord = {
    id: `x${n}`,
    repo: over.repo ?? 'o/r',
    installationId: 1,
    pullRequest: over.work ? null : n,
    traceId: 't',
    subject,
    issue: over.work ? n : null,
    work,
    state: over.state ?? 'proposed',
    version: 0,
    updatedAt: new Date().toISOString(),
    ...(over.resumeTo ? { resumeTo: over.resumeTo } : {}),
  };
  await insertExecution(db, record);
  return record.id;
}

describe('OUTCOME_OF_STATE', () => {
  it.each([
    ['merged', 'merged'],
    ['completed', 'merged'],
    ['deploying', 'merged'],
    ['blocked', 'refused'],
    ['rejected', 'refused'],
    ['rolling_back', 'rolled_back'],
    ['rolled_back', 'rolled_back'],
    ['failed', 'failed'],
    ['awaiting_approval', 'open'],
    ['proposed', 'open'],
  ] as const)('%s is %s', (state, outcome) => expect(OUTCOME_OF_STATE[state]).toBe(outcome));
});

describe.each(backends)('per-agent figures on $name', (backend) => {
  const store = useMigratedStore(backend);

  it('counts executions and outcomes per agent, measured spend for AAOE and declared spend for others', async () => {
    const db = store().db;
    await execution(db, { subject: { agent: 'copilot', declaredCost: { tokens: 1000, usd: 1.5 } }, state: 'merged' });
    await execution(db, { subject: { agent: 'copilot' }, state: 'blocked' });
    await execution(db, {
      subject: { agent: 'copilot', declaredCost: { tokens: 10, usd: 0.25 } },
      state: 'paused',
      resumeTo: 'completed',
    });
    await execution(db, { subject: { author: { login: 'old-agent[bot]', type: 'Bot' } }, state: 'rolled_back' }); // recorded before `agent`
    await execution(db, {
      subject: { author: { login: 'octocat', type: 'User' }, isAgent: false },
      state: 'awaiting_approval',
    });
    const own = await execution(db, { subject: null, work: true, state: 'failed' });
    await recordModelCalls(db, { repo: 'o/r', executionId: own }, [
      { model: 'm', outcome: 'ok', inputTokens: 100, outputTokens: 20, costUsd: 0.5, ms: 1 },
    ]);
    await execution(db, { repo: 'o/elsewhere', subject: { agent: 'claude' }, state: 'merged' });

    const figures = await readAgentFigures(db, ['o/r']);
    expect(figures.map((f) => [f.agent, f.executions])).toEqual([
      ['copilot', 3],
      ['(people)', 1],
      ['aaoe', 1],
      ['old-agent[bot]', 1],
    ]);
    expect(figures[0]).toEqual({
      agent: 'copilot',
      executions: 3,
      outcomes: { open: 0, merged: 2, refused: 1, rolled_back: 0, failed: 0 },
      spend: { measured: { usd: 0, tokens: 0 }, declared: { usd: 1.75, tokens: 1010, executions: 2 } },
    });
    expect(figures.find((f) => f.agent === 'aaoe')).toMatchObject({
      outcomes: { failed: 1 },
      spend: { measured: { usd: 0.5, tokens: 120 }, declared: { usd: 0, executions: 0 } },
    });
    expect(figures.find((f) => f.agent === 'old-agent[bot]')?.outcomes.rolled_back).toBe(1);
    expect(figures.find((f) => f.agent === '(people)')?.outcomes.open).toBe(1);
    // all repositories
    expect((await readAgentFigures(db)).map((f) => f.agent)).toContain('claude');
    expect(await readAgentFigures(db, [])).toEqual([]);
  });

  it('names the agents with the most executions and counts the rest as (other)', async () => {
    const db = store().db;
    for (let i = 0; i < 4; i++) await execution(db, { subject: { agent: 'busy' } });
    for (let i = 0; i < 3; i++) await execution(db, { subject: { agent: `rare-${i}` } });
    const figures = await readAgentFigures(db, undefined, 2);
    expect(figures.map((f) => [f.agent, f.executions])).toEqual([
      ['busy', 4],
      ['rare-0', 1],
      ['(other)', 2],
    ]);
    expect(AGENT_LIMIT).toBe(50);
  });

  it('a declared cost is clamped: no declaration makes the sum overflow or go negative', async () => {
    const db = store().db;
    await execution(db, { subject: { agent: 'liar', declaredCost: { tokens: 1e300, usd: 1e300 } } });
    await execution(db, { subject: { agent: 'liar', declaredCost: { tokens: 1e300, usd: 1e300 } } });
    await execution(db, { subject: { agent: 'liar', declaredCost: { tokens: -5, usd: -5 } } });
    await execution(db, { subject: { agent: 'liar', declaredCost: { tokens: 'many', usd: 'lots' } as never } });
    const [liar] = await readAgentFigures(db);
    expect(liar!.spend.declared).toEqual({ usd: 2 * DECLARED_USD_CAP, tokens: 2e12, executions: 3 });
  });
});
