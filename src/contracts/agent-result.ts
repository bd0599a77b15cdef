import { z } from 'zod';

/**
 * Bring your own agent (version 1): the two messages between the app and an agent job in GitHub Actions.
 *
 * - `AgentDispatch`: the app sends it as a `repository_dispatch` of type `aaoe-agent-<name>` (in `client_payload`),
 *   signed with the repository's key (`src/adapters/github/agent-signature.ts`). It names the base commit, the task
 *   (the issue text consented to), the budget and the time limit. The agent's command is not in it: it lives in the
 *   workflow file `.github/workflows/aaoe-agent-<name>.yml`, a protected path.
 * - `AgentResult`: the action's agent mode sends it back, `POST <report-url>` (the app serves `AGENT_RESULT_PATH`),
 *   signed like the deploy report (`X-AAOE-Signature-256`, the repository's key). It carries the diff against the
 *   base commit, the files touched, the agent's own usage report and the transcript's tail; never a push.
 */

export const AGENT_RESULT_PATH = '/aaoe/agent-result';
/** The agent AAOE runs itself (its model router): no workflow. */
export const BUILT_IN_AGENT = 'aaoe';
/** The dispatch event type of an agent's workflow. */
export const AGENT_EVENT_PREFIX = 'aaoe-agent-';

/** An agent's name: what `.github/aaoe.yml` and `/aaoe retry --agent` say, and the suffix of its workflow file. */
export const AgentName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,38}$/, 'an agent name: lowercase letters, digits and dashes (at most 39)');
export type AgentName = z.infer<typeof AgentName>;

/** The workflow file an agent runs in (the agent's command is set there, in a protected path). */
export function agentWorkflowPath(agent: string): string {
  return `.github/workflows/aaoe-agent-${agent}.yml`;
}

export function agentEventType(agent: string): string {
  return `${AGENT_EVENT_PREFIX}${agent}`;
}

/** The largest diff the action hands back and the app reads. */
export const MAX_AGENT_DIFF_CHARS = 1_000_000;
/** The transcript's tail kept (the rest stays in the run's log). */
export const MAX_TRANSCRIPT_CHARS = 32_000;
/** The largest hand-back body the app reads. */
export const MAX_AGENT_RESULT_BYTES = 1_200_000;

const Sha = z.string().regex(/^[0-9a-f]{40}$/, 'a full commit SHA');
const Repository = z.string().regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'owner/name');
const ExecutionId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'an execution id');

export const AgentBudget = z.strictObject({
  /** US dollars the agent may still spend (the per-execution cap and the month's remainder, the lower); null: no cap. */
  usd: z.number().nonnegative().nullable(),
  /** Tokens the agent may still spend; null: no cap. */
  tokens: z.int().nonnegative().nullable(),
  /** Seconds the agent command may run before the action stops it. */
  timeLimitSeconds: z
    .int()
    .positive()
    .max(6 * 3600),
});
export type AgentBudget = z.infer<typeof AgentBudget>;

export const AgentDispatch = z.strictObject({
  version: z.literal(1),
  executionId: ExecutionId,
  agent: AgentName,
  repository: Repository,
  /** The commit the agent works on (the default branch's head when AAOE dispatched). */
  baseSha: Sha,
  issuedAt: z.string().max(40),
  /** The issue as consented to. */
  task: z.strictObject({ issue: z.int().positive(), title: z.string().max(1_000), body: z.string().max(65_536) }),
  budget: AgentBudget,
  /** `v1=<hex HMAC-SHA256>` of the fields above under the repository's key. */
  signature: z
    .string()
    .regex(/^v1=[0-9a-f]{64}$/, 'v1=<64 hex digits>')
    .optional(),
});
export type AgentDispatch = z.infer<typeof AgentDispatch>;

/** The agent's own report of what it spent, read from its documented output (`action/src/agent-usage.ts`). */
export const AgentUsage = z.strictObject({
  inputTokens: z.int().nonnegative(),
  outputTokens: z.int().nonnegative(),
  costUsd: z.number().nonnegative(),
  /** Which output it was read from: `claude-json`, `codex-jsonl`, `aaoe-json`. */
  source: z.string().max(40),
});
export type AgentUsage = z.infer<typeof AgentUsage>;

export const AgentFile = z.strictObject({
  path: z.string().min(1).max(1_000),
  status: z.enum(['added', 'modified', 'removed']),
});

export const AgentResult = z.strictObject({
  version: z.literal(1),
  executionId: ExecutionId,
  agent: AgentName,
  baseSha: Sha,
  run: z.strictObject({
    runId: z.string().regex(/^[0-9]{1,20}$/, 'a run id'),
    runAttempt: z.string().regex(/^[0-9]{1,6}$/, 'a run attempt'),
    /** `GITHUB_WORKFLOW_REF` of the run, as the runner says (the app reads the run's path from GitHub). */
    workflowRef: z.string().max(1_000).nullable(),
  }),
  exitCode: z.int(),
  timedOut: z.boolean(),
  /** `git diff --binary --no-renames <baseSha>` of the work tree after the agent ran. */
  diff: z.string().max(MAX_AGENT_DIFF_CHARS),
  files: z.array(AgentFile).max(1_000),
  usage: AgentUsage.nullable(),
  /** What the agent said it did (its final message), for the pull request. */
  summary: z.string().max(4_000),
  transcript: z.string().max(MAX_TRANSCRIPT_CHARS),
  at: z.string().max(40),
});
export type AgentResult = z.infer<typeof AgentResult>;
