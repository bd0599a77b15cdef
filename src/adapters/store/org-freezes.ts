import type { OrgFreezeRecord, OrgFreezes } from '../../core/decisions/org-freeze.js';
import { FINAL_STATES } from '../../core/execution/execution-model.js';
import type { SqlExecutor } from './database.js';
import type { Migration } from './schema-migration.js';

/**
 * Stop the line's memory: the organisation freezes and agent kill switches of each installation, who set them (login
 * and immutable id), why, until when, and who lifted them. At most one of each (organisation, or agent) in force per
 * installation: the partial unique index refuses a second, so two owners freezing at once leave one freeze.
 */

export const ORG_FREEZES_MIGRATION: Migration = {
  version: 21,
  name: 'organisation freezes and agent kill switches',
  sql: `
CREATE TABLE org_freezes (
  id              bigserial PRIMARY KEY,
  installation_id bigint NOT NULL,
  owner           text NOT NULL,
  scope           text NOT NULL CHECK (scope IN ('org', 'agent')),
  agent           text NOT NULL DEFAULT '',
  reason          text NOT NULL,
  since           timestamptz NOT NULL,
  until           timestamptz,
  by_login        text NOT NULL,
  by_id           bigint NOT NULL,
  lifted_at       timestamptz,
  lifted_by_login text,
  lifted_by_id    bigint
);
CREATE INDEX org_freezes_installation ON org_freezes (installation_id, lifted_at);
-- A change the organisation's hotfix approvals let through a freeze, at the head they approved: its deployment
-- passes that freeze too (the merge commit deployed is the merge of that head).
CREATE TABLE org_hotfixes (
  execution_id text NOT NULL,
  head_sha     text NOT NULL,
  freeze_id    bigint NOT NULL,
  approvers    jsonb NOT NULL,
  at           timestamptz NOT NULL,
  PRIMARY KEY (execution_id, head_sha, freeze_id)
);
`,
};

type Row = {
  id: string | number;
  scope: 'org' | 'agent';
  agent: string;
  reason: string;
  since: Date | string;
  until: Date | string | null;
  by_login: string;
  by_id: string | number;
};

const iso = (d: Date | string): string => new Date(d).toISOString();

function toRecord(r: Row): OrgFreezeRecord {
  return {
    id: Number(r.id),
    scope: r.scope,
    agent: r.scope === 'agent' ? r.agent : null,
    reason: r.reason,
    since: iso(r.since),
    until: r.until === null ? null : iso(r.until),
    by: { login: r.by_login, id: Number(r.by_id) },
  };
}

/** The freezes of an installation in force at `now` (not lifted, not ended). */
export async function activeOrgFreezes(db: SqlExecutor, installationId: number, now: Date): Promise<OrgFreezes> {
  const { rows } = await db.query<Row>(
    `SELECT id, scope, agent, reason, since, until, by_login, by_id FROM org_freezes
      WHERE installation_id = $1 AND lifted_at IS NULL AND (until IS NULL OR until > $2) ORDER BY id`,
    [installationId, now.toISOString()],
  );
  const records = rows.map(toRecord);
  return { org: records.find((r) => r.scope === 'org'), agents: records.filter((r) => r.scope === 'agent') };
}

export type NewOrgFreeze = {
  installationId: number;
  owner: string;
  scope: 'org' | 'agent';
  agent: string | null;
  reason: string;
  until: Date | null;
  by: { login: string; id: number };
  now: Date;
};

/**
 * Records a freeze unless one of the same scope (and agent) is in force; returns the one recorded, or the one in force
 * (`recorded: false`). Serialised per installation by a transaction lock.
 */
export async function recordOrgFreeze(
  tx: SqlExecutor,
  f: NewOrgFreeze,
): Promise<{ recorded: boolean; freeze: OrgFreezeRecord }> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`org-freeze:${f.installationId}`]);
  const existing = await inForce(tx, f.installationId, f.scope, f.agent, f.now);
  if (existing) return { recorded: false, freeze: existing };
  const { rows } = await tx.query<Row>(
    `INSERT INTO org_freezes (installation_id, owner, scope, agent, reason, since, until, by_login, by_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING id, scope, agent, reason, since, until, by_login, by_id`,
    [
      f.installationId,
      f.owner,
      f.scope,
      f.agent ?? '',
      f.reason,
      f.now.toISOString(),
      f.until?.toISOString() ?? null,
      f.by.login,
      f.by.id,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('the freeze was not recorded');
  return { recorded: true, freeze: toRecord(row) };
}

/** Lifts the freeze of that scope (and agent) in force; undefined when there was none. */
export async function liftOrgFreeze(
  tx: SqlExecutor,
  at: { installationId: number; scope: 'org' | 'agent'; agent: string | null; by: { login: string; id: number } },
  now: Date,
): Promise<OrgFreezeRecord | undefined> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`org-freeze:${at.installationId}`]);
  const existing = await inForce(tx, at.installationId, at.scope, at.agent, now);
  if (!existing) return undefined;
  await tx.query('UPDATE org_freezes SET lifted_at = $2, lifted_by_login = $3, lifted_by_id = $4 WHERE id = $1', [
    existing.id,
    now.toISOString(),
    at.by.login,
    at.by.id,
  ]);
  return existing;
}

async function inForce(
  db: SqlExecutor,
  installationId: number,
  scope: 'org' | 'agent',
  agent: string | null,
  now: Date,
): Promise<OrgFreezeRecord | undefined> {
  const active = await activeOrgFreezes(db, installationId, now);
  return scope === 'org' ? active.org : active.agents.find((a) => a.agent === agent);
}

/** The freezes recorded for the installations given, newest first (the dashboard's history), at most `limit`. */
export async function listOrgFreezes(
  db: SqlExecutor,
  installationIds: readonly number[],
  limit = 50,
): Promise<Array<OrgFreezeRecord & { liftedAt: string | null; liftedBy: string | null; installationId: number }>> {
  if (installationIds.length === 0) return [];
  const { rows } = await db.query<
    Row & { lifted_at: Date | string | null; lifted_by_login: string | null; installation_id: string | number }
  >(
    `SELECT id, scope, agent, reason, since, until, by_login, by_id, lifted_at, lifted_by_login, installation_id
       FROM org_freezes WHERE installation_id = ANY($1::bigint[]) ORDER BY id DESC LIMIT $2`,
    [installationIds.map(String), limit],
  );
  return rows.map((r) => ({
    ...toRecord(r),
    liftedAt: r.lifted_at === null ? null : iso(r.lifted_at),
    liftedBy: r.lifted_by_login,
    installationId: Number(r.installation_id),
  }));
}

/** The executions of an installation that govern a pull request and have not ended (judged again on a freeze's change). */
export async function liveGovernedExecutions(db: SqlExecutor, installationId: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM executions WHERE installation_id = $1 AND pull_request IS NOT NULL AND head_sha IS NOT NULL
        AND state <> ALL($2::text[]) ORDER BY created_at LIMIT 1000`,
    [installationId, [...FINAL_STATES]],
  );
  return rows.map((r) => r.id);
}

/** Records a hotfix let through a freeze at a head; false when it was recorded already (audit it once). */
export async function recordHotfix(
  tx: SqlExecutor,
  h: { executionId: string; headSha: string; freezeId: number; approvers: readonly string[]; now: Date },
): Promise<boolean> {
  const { rows } = await tx.query<{ execution_id: string }>(
    `INSERT INTO org_hotfixes (execution_id, head_sha, freeze_id, approvers, at) VALUES ($1, $2, $3, $4::jsonb, $5)
     ON CONFLICT DO NOTHING RETURNING execution_id`,
    [h.executionId, h.headSha.toLowerCase(), h.freezeId, JSON.stringify(h.approvers), h.now.toISOString()],
  );
  return rows.length > 0;
}

/** Whether the execution was let through this freeze as a hotfix at this head. */
export async function isLetThrough(
  db: SqlExecutor,
  executionId: string,
  headSha: string,
  freezeId: number,
): Promise<boolean> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM org_hotfixes WHERE execution_id = $1 AND head_sha = $2 AND freeze_id = $3',
    [executionId, headSha.toLowerCase(), freezeId],
  );
  return (rows[0]?.n ?? 0) > 0;
}
