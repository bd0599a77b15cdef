import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../src/adapters/model/model-router.js';
import { executionModelCost, monthlySpendUsd, recordModelCalls } from '../../../src/adapters/store/model-calls.js';
import { backends, useMigratedStore } from './backends.js';

const call = (over: Partial<CallRecord> = {}): CallRecord => ({
  model: 'main',
  outcome: 'ok',
  inputTokens: 1000,
  outputTokens: 200,
  costUsd: 0.0045,
  ms: 812.4,
  ...over,
});

describe.each(backends)('model calls on $name', (backend) => {
  const store = useMigratedStore(backend);

  it('sums an execution’s calls, failed ones included', async () => {
    const db = store().db;
    await recordModelCalls(db, { repo: 'o/r', executionId: 'x1' }, [
      call({ outcome: 'rate_limited', inputTokens: 0, outputTokens: 0, costUsd: 0 }),
      call({ outcome: 'invalid_output', costUsd: 0.00123456 }),
      call(),
    ]);
    await recordModelCalls(db, { repo: 'o/r', executionId: 'x2' }, [call({ costUsd: 1 })]);
    expect(await executionModelCost(db, 'x1')).toEqual({ tokens: 2400, usd: 0.00573456, calls: 3 });
    expect(await executionModelCost(db, 'nothing')).toEqual({ tokens: 0, usd: 0, calls: 0 });
  });

  it('sums a repository’s spend by calendar month in UTC', async () => {
    const db = store().db;
    await recordModelCalls(db, { repo: 'o/r', executionId: 'a', at: new Date('2026-10-31T23:59:59Z') }, [
      call({ costUsd: 5 }),
    ]);
    await recordModelCalls(db, { repo: 'o/r', executionId: 'b', at: new Date('2026-11-01T00:00:00Z') }, [
      call({ costUsd: 2 }),
      call({ costUsd: 0.25 }),
    ]);
    await recordModelCalls(db, { repo: 'o/other', executionId: 'c', at: new Date('2026-11-15T00:00:00Z') }, [
      call({ costUsd: 7 }),
    ]);
    await recordModelCalls(db, { repo: 'o/r', executionId: 'd', at: new Date('2026-12-01T00:00:00Z') }, [
      call({ costUsd: 9 }),
    ]);
    expect(await monthlySpendUsd(db, 'o/r', new Date('2026-11-23T10:00:00Z'))).toBe(2.25);
    expect(await monthlySpendUsd(db, 'o/r', new Date('2026-10-01T00:00:00Z'))).toBe(5);
    expect(await monthlySpendUsd(db, 'o/none', new Date('2026-11-23T10:00:00Z'))).toBe(0);
  });
});
