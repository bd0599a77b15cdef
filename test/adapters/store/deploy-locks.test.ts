import { describe, expect, it } from 'vitest';
import { deployPriority } from '../../../src/core/deploy/decide-dispatch.js';
import {
  acquireDeployLock,
  deployLockHolder,
  queuedDeployments,
  releaseDeployLock,
} from '../../../src/adapters/store/deploy-locks.js';
import { backends, useMigratedStore } from './backends.js';

const now = new Date('2026-11-23T10:00:00Z');
const claim = (executionId: string, priority = 0) => ({
  repo: 'o/r',
  environment: 'production',
  executionId,
  sha: executionId.padEnd(40, '0'),
  traceId: `t-${executionId}`,
  priority,
  now,
});

describe.each(backends)('one deployment in flight per environment ($name)', (backend) => {
  const store = useMigratedStore(backend);

  it('the first takes the lock; the others queue by priority, then arrival; the lock passes in that order', async () => {
    const db = store().db;
    expect(await db.transaction((tx) => acquireDeployLock(tx, claim('a')))).toEqual({ acquired: true });
    expect(await db.transaction((tx) => acquireDeployLock(tx, claim('a')))).toEqual({ acquired: true }); // the holder again (a retried job)
    expect(await db.transaction((tx) => acquireDeployLock(tx, claim('b')))).toEqual({
      acquired: false,
      holder: 'a',
      position: 1,
    });
    expect(await db.transaction((tx) => acquireDeployLock(tx, claim('c')))).toEqual({
      acquired: false,
      holder: 'a',
      position: 2,
    });
    expect(await db.transaction((tx) => acquireDeployLock(tx, claim('fix', 1)))).toEqual({
      acquired: false,
      holder: 'a',
      position: 1,
    });
    expect(await db.transaction((tx) => acquireDeployLock(tx, claim('b')))).toEqual({
      acquired: false,
      holder: 'a',
      position: 2,
    }); // asking again keeps its place
    expect((await queuedDeployments(db, 'o/r', 'production')).map((q) => q.executionId)).toEqual(['fix', 'b', 'c']);
    // another environment or repository is not in the way
    expect(await db.transaction((tx) => acquireDeployLock(tx, { ...claim('z'), environment: 'staging' }))).toEqual({
      acquired: true,
    });

    expect(await db.transaction((tx) => releaseDeployLock(tx, 'a', now))).toEqual({
      executionId: 'fix',
      sha: 'fix'.padEnd(40, '0'),
      traceId: 't-fix',
      environment: 'production',
    });
    expect(await deployLockHolder(db, 'o/r', 'production')).toBe('fix');
    // one that ends while queued leaves the queue and passes nothing on
    expect(await db.transaction((tx) => releaseDeployLock(tx, 'c', now))).toBeUndefined();
    expect(await db.transaction((tx) => releaseDeployLock(tx, 'fix', now))).toMatchObject({ executionId: 'b' });
    expect(await db.transaction((tx) => releaseDeployLock(tx, 'b', now))).toBeUndefined();
    expect(await deployLockHolder(db, 'o/r', 'production')).toBeUndefined();
  });
});

describe('deployment priority', () => {
  it('fixes go first: priority from the triage class', () => {
    const triaged = (classification: string) => ({ work: { triage: { classification } } }) as never;
    expect(deployPriority(triaged('bug'))).toBe(1);
    expect(deployPriority(triaged('ops'))).toBe(1);
    expect(deployPriority(triaged('feature'))).toBe(0);
    expect(deployPriority({ work: null })).toBe(0);
  });
});
