import type { ExecutionState } from '../../core/execution/execution-model.js';
import { AGENT_OUTCOMES, type AgentFigures, type AgentOutcome } from '../../contracts/api.js';
import type { SqlExecutor } from './database.js';

/**
 * The per-agent view: executions, outcomes and spend per agent, so a platform team can compare agents. One SQL
 * aggregate over `executions` (the same on PGlite and PostgreSQL), shared by `/metrics`, `GET /api/v1/agents` and the
 * dashboard, so all three say the same.
 *
 * Which agent: `subject.agent` as governance recorded it (a catalogue name such as `copilot`, or the login of an
 * agent the catalogue does not know); AAOE's own work (an execution started from an issue: `work` is set) is `aaoe`;
 * an agent's execution recorded before governance named agents is its author's login; a person's labelled work is
 * `(people)`. Label cardinality is bounded: the `AGENT_LIMIT` agents with the most executions are named, the rest
 * count as `(other)` (neither can be a login or a catalogue name: GitHub logins have no parentheses).
 *
 * Spend: `measured` is what AAOE's model calls for the execution cost (`model_calls`: only AAOE's own agent has
 * any); `declared` is what a pull request's declaration says its agent spent (`subject.declaredCost`), never
 * measured by AAOE. A declared figure is the agent's word: each execution's is clamped to `DECLARED_USD_CAP`, so
 * no declaration can overflow a sum.
 */

/** The outcomes and the figures are the API's (src/contracts/api.ts): one definition for the store, API and dashboard. */
export const OUTCOMES = AGENT_OUTCOMES;
export type Outcome = AgentOutcome;

/**
 * The outcome of an execution by its state (a paused or frozen one by the state it resumes to): `merged` from the
 * merge on (deployed or not), `refused` by the policy (`blocked`) or a person (`rejected`), `rolled_back`, `failed`,
 * else `open` (still being proposed, judged or approved). Exhaustive over `EXECUTION_STATES`.
 */
export const OUTCOME_OF_STATE = {
  received: 'open',
  classified: 'open',
  proposing: 'open',
  proposed: 'open',
  awaiting_approval: 'open',
  approved: 'open',
  scheduled: 'open',
  blocked: 'refused',
  rejected: 'refused',
  merged: 'merged',
  deploying: 'merged',
  verifying: 'merged',
  promoted: 'merged',
  completed: 'merged',
  rolling_back: 'rolled_back',
  rolled_back: 'rolled_back',
  failed: 'failed',
  paused: 'open',
  frozen: 'open',
} as const satisfies Record<ExecutionState, Outcome>;

/** How many agents are named; the others are counted together as `OTHER_AGENTS`. */
export const AGENT_LIMIT = 50;
export const OTHER_AGENTS = '(other)';
export const PEOPLE = '(people)';
export const AAOE_AGENT = 'aaoe';
/** The most one execution's declared spend counts for, in US dollars (and tokens: `DECLARED_TOKENS_CAP`). */
export const DECLARED_USD_CAP = 1_000_000;
export const DECLARED_TOKENS_CAP = 1_000_000_000_000;

/** A row of the aggregate: one agent and outcome. */
export type AgentFigureRow = {
  agent: string;
  outcome: string;
  n: number;
  measured_usd: number;
  measured_tokens: number;
  declared_usd: number;
  declared_tokens: number;
  declared_n: number;
};

const stateCases = (Object.entries(OUTCOME_OF_STATE) as Array<[ExecutionState, Outcome]>)
  .map(([state, outcome]) => `WHEN '${state}' THEN '${outcome}'`)
  .join(' ');
const declared = (key: 'usd' | 'tokens', cap: number) =>
  `CASE WHEN jsonb_typeof(e.subject->'declaredCost'->'${key}') = 'number' THEN least(greatest((e.subject->'declaredCost'->>'${key}')::numeric, 0), ${cap}) END`;

/**
 * The aggregate as a CTE list (`agent_figures` is its result), for a statement of its own or inside another (the
 * metrics snapshot). `repos`: the placeholder of a `text[]` parameter naming the repositories counted (NULL: all);
 * `limit`: the placeholder of the number of agents named.
 */
export function agentFiguresCte(repos: string, limit: string): string {
  return `
       agent_executions AS (
         SELECT e.id,
                left(coalesce(e.subject->>'agent',
                              CASE WHEN jsonb_typeof(e.work) = 'object' THEN '${AAOE_AGENT}' WHEN e.subject->>'isAgent' = 'true' THEN e.subject->'author'->>'login' END,
                              '${PEOPLE}'), 100) AS agent,
                coalesce(CASE coalesce(CASE WHEN e.state IN ('paused', 'frozen') THEN e.resume_to END, e.state) ${stateCases} END, 'open') AS outcome,
                ${declared('usd', DECLARED_USD_CAP)} AS declared_usd,
                ${declared('tokens', DECLARED_TOKENS_CAP)} AS declared_tokens
           FROM executions e
          WHERE ${repos}::text[] IS NULL OR e.repo = ANY(${repos}::text[])),
       agent_measured AS (
         SELECT execution_id, sum(cost_usd)::float8 AS usd, sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0))::float8 AS tokens
           FROM model_calls WHERE execution_id IN (SELECT id FROM agent_executions) GROUP BY 1),
       agent_ranked AS (
         SELECT agent, row_number() OVER (ORDER BY count(*) DESC, agent) AS rank FROM agent_executions GROUP BY agent),
       agent_figures AS (
         SELECT CASE WHEN r.rank <= ${limit}::int THEN x.agent ELSE '${OTHER_AGENTS}' END AS agent, x.outcome, count(*)::int AS n,
                coalesce(sum(m.usd), 0)::float8 AS measured_usd, coalesce(sum(m.tokens), 0)::float8 AS measured_tokens,
                coalesce(sum(x.declared_usd), 0)::float8 AS declared_usd, coalesce(sum(x.declared_tokens), 0)::float8 AS declared_tokens,
                (count(*) FILTER (WHERE x.declared_usd IS NOT NULL OR x.declared_tokens IS NOT NULL))::int AS declared_n
           FROM agent_executions x JOIN agent_ranked r ON r.agent = x.agent LEFT JOIN agent_measured m ON m.execution_id = x.id
          GROUP BY 1, 2)`;
}

/** The per-agent figures of the named repositories (all of them when `repos` is undefined), most executions first. */
export async function readAgentFigures(
  db: SqlExecutor,
  repos?: readonly string[],
  limit: number = AGENT_LIMIT,
): Promise<AgentFigures[]> {
  const { rows } = await db.query<AgentFigureRow>(`WITH ${agentFiguresCte('$1', '$2')} SELECT * FROM agent_figures`, [
    repos ? [...repos] : null,
    limit,
  ]);
  return summarizeAgentFigures(rows);
}

/** The rows of the aggregate, one entry per agent: most executions first, then by name; `(other)` last. */
export function summarizeAgentFigures(rows: readonly AgentFigureRow[]): AgentFigures[] {
  const byAgent = new Map<string, AgentFigures>();
  for (const row of rows) {
    const figures = byAgent.get(row.agent) ?? emptyFigures(row.agent);
    const outcome = (OUTCOMES as readonly string[]).includes(row.outcome) ? (row.outcome as Outcome) : 'open';
    figures.executions += row.n;
    figures.outcomes[outcome] += row.n;
    figures.spend.measured.usd += row.measured_usd;
    figures.spend.measured.tokens += row.measured_tokens;
    figures.spend.declared.usd += row.declared_usd;
    figures.spend.declared.tokens += row.declared_tokens;
    figures.spend.declared.executions += row.declared_n;
    byAgent.set(row.agent, figures);
  }
  const last = (a: AgentFigures) => (a.agent === OTHER_AGENTS ? 1 : 0);
  return [...byAgent.values()].sort(
    (a, b) => last(a) - last(b) || b.executions - a.executions || a.agent.localeCompare(b.agent),
  );
}

function emptyFigures(agent: string): AgentFigures {
  return {
    agent,
    executions: 0,
    outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>,
    spend: { measured: { usd: 0, tokens: 0 }, declared: { usd: 0, tokens: 0, executions: 0 } },
  };
}
