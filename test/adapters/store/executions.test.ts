import { describe, expect, it } from 'vitest';
import { listOverviewExecutions } from '../../../src/adapters/store/executions.js';
import { backends, useMigratedStore } from './backends.js';

describe.each(backends)('executions store ($name)', (backend) => {
  const store = useMigratedStore(backend);

  it('the overview reads every execution in flight and only the most recent ended ones of each repository', async () => {
    const db = store().db;
    const add = (id: string, repo: string, state: string, minutesAgo: number) =>
      db.query(`INSERT INTO executions (id, repo, state, updated_at) VALUES ($1, $2, $3, $4)`, [
        id,
        repo,
        state,
        new Date(Date.parse('2026-11-23T12:00:00Z') - minutesAgo * 60_000).toISOString(),
      ]);
    for (let i = 0; i < 5; i++) await add(`a-done-${i}`, 'o/a', i % 2 ? 'completed' : 'rolled_back', i);
    await add('a-live-old', 'o/a', 'awaiting_approval', 10_000);
    await add('b-done', 'o/b', 'failed', 20_000);
    await add('b-live', 'o/b', 'deploying', 1);

    const ids = (await listOverviewExecutions(db, 2)).map((x) => x.id).sort();
    expect(ids).toEqual(['a-done-0', 'a-done-1', 'a-live-old', 'b-done', 'b-live']);
    expect((await listOverviewExecutions(db, 0)).map((x) => x.id).sort()).toEqual(['a-live-old', 'b-live']);
  });
});
