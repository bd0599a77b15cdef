import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/app-harness.js';
import { addDriftRepos } from '../support/drift-repos.js';

/**
 * The running app's maintenance loop (src/app/aaoe-app.ts, `startMaintenance`), with its interval shortened: it
 * applies retention by the app's clock (old deliveries and model calls of ended executions go, the audit log stays)
 * and queues the daily drift check of a repository not checked for a day, which opens that repository's drift issue.
 */

const ORG = 'acme';
const INSTALLATION = 5151;
const clock = new Date('2026-11-23T12:00:00Z');
const daysAgo = (d: number) => new Date(clock.getTime() - d * 86_400_000).toISOString();
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    now: () => clock,
    maintenanceIntervalMs: 150,
    retention: { deliveriesDays: 10, jobsDays: 1, modelCallsDays: 62 },
  });
  addDriftRepos(h, INSTALLATION, { '@acme/monolith-sdk': '^2.1.0' });
});
afterAll(async () => {
  await h?.close();
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('maintenance in the running app', () => {
  it('applies retention and queues the daily drift check, without anyone calling it', async () => {
    const db = h.runtime.db;
    await db.query(
      `INSERT INTO deliveries (id, event, received_at, job) VALUES ('m-old', 'push', $1, NULL), ('m-recent', 'push', $2, NULL)`,
      [daysAgo(11), daysAgo(2)],
    );
    await db.query(`INSERT INTO executions (id, repo, state) VALUES ('m-done', 'acme/other', 'completed')`);
    await db.query(
      `INSERT INTO model_calls (execution_id, repo, model, outcome, input_tokens, output_tokens, cost_usd, ms, at) VALUES ('m-done', 'acme/other', 'm', 'ok', 1, 1, 0.1, 1, $1), ('m-done', 'acme/other', 'm', 'ok', 1, 1, 0.1, 1, $2)`,
      [daysAgo(70), daysAgo(3)],
    );
    // invoicing opted in to drift checks (its policy names a model) and was last checked two days ago
    await db.query(`INSERT INTO drift_repos (repo, installation_id, checked_at) VALUES ('acme/invoicing', $1, $2)`, [
      INSTALLATION,
      daysAgo(2),
    ]);

    const deliveries = await until(
      async () =>
        (await db.query<{ id: string }>(`SELECT id FROM deliveries WHERE id LIKE 'm-%' ORDER BY id`)).rows.map(
          (r) => r.id,
        ),
      (ids) => !ids.includes('m-old'),
    );
    expect(deliveries).toEqual(['m-recent']);
    expect(
      (await db.query<{ at: Date | string }>(`SELECT at FROM model_calls WHERE execution_id = 'm-done'`)).rows,
    ).toHaveLength(1);

    const drift = await until(
      async () =>
        h.sim
          .issues({ owner: ORG, repo: 'invoicing' })
          .filter((i: any) => i.labels.some((l: any) => l.name === 'aaoe-drift')) as any[],
      (issues) => issues.length > 0,
    );
    expect(drift.map((i) => i.title)).toEqual(['Architecture drift: invoicing depends on monolith']);
    // checked now: the next rounds of the loop queue nothing more
    await new Promise((r) => setTimeout(r, 500));
    await h.runtime.idle();
    expect(
      h.sim
        .issues({ owner: ORG, repo: 'invoicing' })
        .filter((i: any) => i.labels.some((l: any) => l.name === 'aaoe-drift')),
    ).toHaveLength(1);
    expect(h.sim.rejections).toEqual([]);
  });
});
