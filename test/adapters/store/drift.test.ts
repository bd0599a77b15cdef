import { describe, expect, it } from 'vitest';
import {
  claimDrift,
  DRIFT_CLAIM_HOLDS_MS,
  driftChecksDue,
  recordDriftCheck,
  recordDriftIssue,
} from '../../../src/adapters/store/drift.js';
import { backends, useMigratedStore } from './backends.js';

const now = new Date('2026-11-23T12:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);

describe.each(backends)('drift store ($name)', (backend) => {
  const store = useMigratedStore(backend);

  it('one job holds a finding until it opens the issue; a claim no job acted on for an hour is taken over', async () => {
    const db = store().db;
    const claim = (job: string, at: Date) => db.transaction((tx) => claimDrift(tx, 'acme/invoicing', 'fp-1', job, at));
    expect(await claim('push-1', now)).toBe(true);
    expect(await claim('push-2', later(60_000))).toBe(false); // push-1 is opening it
    expect(await claim('push-1', later(120_000))).toBe(true); // push-1 run again: its own claim
    // push-1 failed for good without an issue: the claim stops holding an hour after its last attempt
    expect(await claim('push-3', later(120_000 + DRIFT_CLAIM_HOLDS_MS - 1))).toBe(false);
    expect(await claim('push-3', later(120_000 + DRIFT_CLAIM_HOLDS_MS))).toBe(true);
    expect(await claim('push-1', later(120_000 + DRIFT_CLAIM_HOLDS_MS + 1))).toBe(false); // push-1 back late: no longer its claim
    // once the issue is recorded, a later claim means the issue was closed and the drift came back
    await db.transaction((tx) => recordDriftIssue(tx, 'acme/invoicing', 'fp-1', 'push-3', 17));
    expect(await claim('push-4', later(DRIFT_CLAIM_HOLDS_MS + 200_000))).toBe(true);
  });

  it('a repository checked is due again a day later', async () => {
    const db = store().db;
    await recordDriftCheck(db, 'acme/invoicing', 5150, now);
    expect(await driftChecksDue(db, later(-1))).toEqual([]);
    expect(await driftChecksDue(db, now)).toEqual([{ repo: 'acme/invoicing', installationId: 5150 }]);
  });
});
