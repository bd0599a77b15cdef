import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlan } from '../../../src/core/plan/load-plan.js';
import { advancePlan, newPlanRun } from '../../../src/core/plan/run-plan.js';
import { openDatabase, type Database } from '../../../src/adapters/store/database.js';
import { insertExecution, listInFlightExecutions } from '../../../src/adapters/store/executions.js';
import { MIGRATIONS, migrate } from '../../../src/adapters/store/migrations.js';
import {
  findPlanStep,
  getPlanRun,
  lockPlanRun,
  PlanVersionConflict,
  recordPlanRollbackBy,
  recordPlanStart,
  savePlanRun,
} from '../../../src/adapters/store/plans.js';

let db: Database;
beforeAll(async () => {
  db = await openDatabase({ memory: true });
  await migrate(db, MIGRATIONS);
});
afterAll(async () => {
  await db?.close();
});

function diamond() {
  const loaded = loadPlan(
    readFileSync(new URL('../../fixtures/plans/diamond.yml', import.meta.url), 'utf8'),
    'plans/diamond.yml',
  );
  if (!loaded.ok) throw new Error('fixture invalid');
  return loaded.plan;
}

describe('plans store (migration 11)', () => {
  it('saves a run and reads it back equal, then updates it from its version and refuses a stale one', async () => {
    const plan = diamond();
    const fresh = newPlanRun(plan);
    await db.transaction((tx) =>
      savePlanRun(tx, { repo: 'acme/architecture', path: 'plans/diamond.yml', installationId: 7, run: fresh }),
    );
    expect(await getPlanRun(db, 'acme/architecture', plan.id)).toEqual({
      repo: 'acme/architecture',
      path: 'plans/diamond.yml',
      installationId: 7,
      trackingIssue: null,
      run: fresh,
    });

    const now = new Date('2026-11-23T09:00:00Z');
    const started = advancePlan(fresh, { type: 'tick' }, now, { isOpen: () => true, opensAt: () => undefined }).run;
    const carried = advancePlan(started, { type: 'step_started', step: 'schema', executionId: 'ex-1' }, now, {
      isOpen: () => true,
      opensAt: () => undefined,
    }).run;
    await db.transaction(async (tx) => {
      const locked = await lockPlanRun(tx, 'acme/architecture', plan.id);
      await savePlanRun(
        tx,
        { repo: 'acme/architecture', path: 'plans/diamond.yml', installationId: 7, run: carried },
        locked!.run.version,
      );
    });
    const read = await getPlanRun(db, 'acme/architecture', plan.id);
    expect(read!.run).toEqual(carried);
    expect(read!.run.steps.schema).toEqual({ status: 'running', startedAt: now, executionId: 'ex-1' });
    expect(await findPlanStep(db, 'ex-1')).toEqual({ repo: 'acme/architecture', planId: plan.id, step: 'schema' });
    expect(await findPlanStep(db, 'nothing')).toBeUndefined();

    await expect(
      db.transaction((tx) =>
        savePlanRun(tx, { repo: 'acme/architecture', path: 'plans/diamond.yml', installationId: 7, run: carried }, 0),
      ),
    ).rejects.toBeInstanceOf(PlanVersionConflict);
  });

  it('lists the executions in flight on a repository with their likely paths', async () => {
    const base = {
      installationId: 7,
      pullRequest: null,
      traceId: 't',
      subject: null,
      issue: 3,
      version: 1,
      updatedAt: '2026-11-23T09:00:00.000Z',
    };
    await db.transaction(async (tx) => {
      await insertExecution(tx, {
        ...base,
        id: 'live',
        repo: 'acme/invoicing',
        state: 'proposing',
        work: {
          issue: { number: 3, title: 't', htmlUrl: 'u', labelledBy: 'x' },
          triage: {
            classification: { kind: 'feature' } as never,
            source: 'labels',
            rationale: '',
            likelyPaths: ['src/invoices/api.ts'],
            owners: {},
            unowned: [],
            conflicts: [],
          },
        },
      });
      await insertExecution(tx, { ...base, id: 'ended', repo: 'acme/invoicing', state: 'completed', work: null });
    });
    expect(await listInFlightExecutions(db, 'acme/invoicing', 'production')).toEqual([
      {
        id: 'live',
        repository: 'acme/invoicing',
        state: 'proposing',
        environment: 'production',
        paths: ['src/invoices/api.ts'],
      },
    ]);
  });
});

describe('who a plan runs for (migration 14)', () => {
  it('records who started a plan and who rolls it back; plans started before the migration keep theirs', async () => {
    const plan = diamond();
    const old = await openDatabase({ memory: true });
    try {
      await migrate(
        old,
        MIGRATIONS.filter((m) => m.version < 14),
      );
      await old.transaction(async (tx) => {
        await savePlanRun(tx, {
          repo: 'acme/architecture',
          path: 'plans/diamond.yml',
          installationId: 7,
          run: newPlanRun(plan),
        });
        await tx.query(`INSERT INTO effects_done (key, result) VALUES ($1, $2::jsonb), ($3, $4::jsonb)`, [
          `plan-start:acme/architecture:${plan.id}`,
          JSON.stringify({ by: 'alice', comment: 901, role: 'admin' }),
          `plan-rollback:acme/architecture:${plan.id}`,
          JSON.stringify({ by: 'bob', comment: 902 }),
        ]);
      });
      await migrate(old, MIGRATIONS);
      expect(await getPlanRun(old, 'acme/architecture', plan.id)).toMatchObject({
        startedBy: { login: 'alice', comment: 901 },
        rollbackBy: 'bob',
      });
    } finally {
      await old.close();
    }

    await db.transaction((tx) =>
      savePlanRun(tx, { repo: 'acme/people', path: 'plans/diamond.yml', installationId: 7, run: newPlanRun(plan) }),
    );
    expect(await getPlanRun(db, 'acme/people', plan.id)).not.toHaveProperty('startedBy');
    await db.transaction((tx) => recordPlanStart(tx, 'acme/people', plan.id, { login: 'carol', comment: 77 }));
    await db.transaction((tx) => recordPlanRollbackBy(tx, 'acme/people', plan.id, 'dave'));
    expect(await getPlanRun(db, 'acme/people', plan.id)).toMatchObject({
      startedBy: { login: 'carol', comment: 77 },
      rollbackBy: 'dave',
    });
  });
});
