import { z } from 'zod';

/**
 * The bodies the control-plane API accepts (`/api/v1`), strict: an unknown key is refused, naming it. The
 * answers' shapes are the types below; `openapi/aaoe-api.yaml` describes both, and a test checks real answers
 * against it.
 */

export const API_PREFIX = '/api/v1';

/** `owner/name`, as GitHub spells repositories. */
export const RepoName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, 'a repository is written owner/name');

/** `POST /api/v1/executions`: a task for the agent in a repository; it becomes an issue and its execution. */
export const ExecuteRequest = z.strictObject({
  repo: RepoName,
  /** What to do, in words: the issue's body. */
  task: z.string().trim().min(1, 'say what to do').max(20_000, 'a task is at most 20000 characters'),
  /** The issue's title; default: the task's first line. */
  title: z.string().trim().min(1).max(256).optional(),
});
export type ExecuteRequest = z.infer<typeof ExecuteRequest>;

/** `POST /api/v1/executions/{id}/schedule`: the change is not deployed before this instant (an ISO date-time with offset). */
export const ScheduleRequest = z.strictObject({
  notBefore: z.iso.datetime({
    offset: true,
    message: 'an ISO 8601 date-time with a time zone offset, e.g. 2026-12-01T09:00:00Z',
  }),
});
export type ScheduleRequest = z.infer<typeof ScheduleRequest>;

/** `POST /api/v1/packages`: render a plan step's change packages (the plan file's text, not a path). */
export const GeneratePackagesRequest = z.strictObject({
  plan: z.string().min(1, 'the plan file as text').max(200_000, 'a plan file is at most 200000 characters'),
  step: z.string().min(1, 'the id of a step of the plan'),
  /** The file name errors are reported against (default `plan.yml`). */
  file: z.string().min(1).max(200).optional(),
});
export type GeneratePackagesRequest = z.infer<typeof GeneratePackagesRequest>;

export type GeneratedPackages = {
  plan: string;
  step: string;
  packages: Array<{ path: string; type: string; template: string; risk: string; content: string }>;
};

/** The verbs that act on one execution: `POST /api/v1/executions/{id}/{verb}`; `approve` names the head it approves. */
export const EXECUTION_VERBS = ['approve', 'pause', 'resume', 'rollback'] as const;
export type ExecutionVerb = (typeof EXECUTION_VERBS)[number];

/** The verbs that carry authority (bounded autonomy): only a person, with a token AAOE's own OAuth client issued. */
export const AUTHORITY_VERBS: ReadonlySet<ExecutionVerb> = new Set(['approve', 'resume', 'rollback']);

/** `POST /api/v1/executions/{id}/approve`: the head commit approved, as the aaoe/policy check shows it. */
export const ApproveRequest = z.strictObject({
  sha: z.string().regex(/^[0-9a-fA-F]{7,40}$/, 'the head commit approved: 7 to 40 hex digits of its SHA'),
});
export type ApproveRequest = z.infer<typeof ApproveRequest>;

export type ErrorCode =
  | 'unauthorized'
  | 'not_found'
  | 'refused'
  | 'invalid_request'
  | 'policy_invalid'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'rate_limited'
  | 'github_unavailable'
  | 'internal';

export type ApiError = { error: { code: ErrorCode; message: string } };

export type ExecutionSummary = {
  id: string;
  repo: string;
  state: string;
  pullRequest: number | null;
  issue: number | null;
  headSha: string | null;
  traceId: string;
  updatedAt: string;
};

/** What a policy evaluation concludes, as the audit log's `policy_evaluated` entries say: the check's conclusion, or `waiting` (approved, outside the change windows). */
export const POLICY_CONCLUSIONS = ['success', 'failure', 'action_required', 'waiting'] as const;
export type PolicyConclusion = (typeof POLICY_CONCLUSIONS)[number];

export type GateOutcomeView = { gate: string; outcome: string };

/** The latest policy evaluation, read from the audit log (`policy_evaluated`). */
export type PolicyView = {
  conclusion: PolicyConclusion;
  headSha: string | null;
  at: string;
  gates: GateOutcomeView[];
  risk: string | null;
  /** The audit entry's reason as written. */
  text: string;
};

export type ApprovalView = {
  login: string;
  type: string;
  source: 'comment' | 'button' | 'api';
  pullRequest: number;
  headSha: string;
  at: string;
};

export type TimelineEntry = { seq: number; at: string; actor: string; action: string; reason: string | null };

export type ExecutionStatus = ExecutionSummary & {
  policy: PolicyView | null;
  approvals: ApprovalView[];
  cost: { usd: string; tokens: number };
  timeline: TimelineEntry[];
};

export type ExecutionList = { repo: string; executions: ExecutionSummary[] };

/** Where an execution ended up, for the per-agent figures (src/adapters/store/agent-figures.ts counts them). */
export const AGENT_OUTCOMES = ['open', 'merged', 'refused', 'rolled_back', 'failed'] as const;
export type AgentOutcome = (typeof AGENT_OUTCOMES)[number];

/** One agent's figures. */
export type AgentFigures = {
  agent: string;
  executions: number;
  outcomes: Record<AgentOutcome, number>;
  spend: {
    measured: { usd: number; tokens: number };
    /** `executions`: how many of the agent's executions declared a cost (the rest said nothing). */
    declared: { usd: number; tokens: number; executions: number };
  };
};

/** `GET /api/v1/agents?repo=owner/name`: the per-agent figures of a repository (src/adapters/store/agent-figures.ts). */
export type AgentList = { repo: string; agents: AgentFigures[] };

export type VerbResult = { executionId: string; verb: ExecutionVerb | 'schedule'; state: string; message: string };

export type ExecuteResult = { execution: ExecutionSummary; issue: { number: number; url: string } };
