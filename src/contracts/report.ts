import { z } from 'zod';

/**
 * The report (version 1): what the action sends back to the app, `POST <report-url>` (the app serves
 * `REPORT_PATH`) with this JSON, signed like a GitHub webhook: `X-AAOE-Signature-256: sha256=<hex HMAC-SHA256 of
 * the body under the repository's key>`. Written once, here: the action builds a `Report`, the app parses it with
 * `DeployReport` (the parts it acts on, strictly; the rest kept as it came).
 */

export const REPORT_PATH = '/aaoe/deploy-report';
/** The header that carries the report's signature (lowercase, as Node gives headers). */
export const REPORT_SIGNATURE_HEADER = 'x-aaoe-signature-256';
export const REPORT_MODES = ['canary', 'health', 'rollback', 'policy'] as const;
export type ReportMode = (typeof REPORT_MODES)[number];

/** The parts of the report the app acts on; the rest is kept as it came. */
export const DeployReport = z.looseObject({
  version: z.literal(1),
  executionId: z.string().min(1).max(128),
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  mode: z.enum(REPORT_MODES),
  verdict: z.string().min(1).max(40),
  outcome: z.enum(['success', 'failure']),
  title: z.string().max(1000),
  reason: z.string().max(10_000),
  commands: z.array(z.looseObject({ name: z.string(), exitCode: z.int() })).default([]),
  run: z.looseObject({ url: z.string().nullable().optional() }).optional(),
});
export type DeployReport = z.infer<typeof DeployReport>;

/** `promote` / `rollback` / `inconclusive` / `continue` (the canary's), `rolled-back`, `policy`, `error`. */
export type ReportVerdict = 'promote' | 'rollback' | 'inconclusive' | 'continue' | 'error' | 'rolled-back' | 'policy';

export type ReportCommand = { name: 'deploy' | 'promote' | 'rollback'; exitCode: number; durationMs: number };

export type ReportCounts = { planned: number; judged: number; passed: number; failed: number; inconclusive: number };

export type ReportMetric = {
  metric: string;
  outcome: string;
  baseline?: number;
  canary?: number;
  effect?: number;
  pValue?: number;
  threshold: number;
  reason: string;
};

/** The report as the action writes it (the same JSON is the action's `report` output). */
export type Report = {
  version: 1;
  executionId: string;
  /** Null when the run had neither a dispatch nor `GITHUB_SHA`: the app refuses a report about no commit. */
  sha: string | null;
  environment: string | null;
  deploymentId: number | null;
  mode: ReportMode;
  verdict: ReportVerdict;
  /** `success`: the deployment stands (promoted, healthy, rolled back on request, policy passed); else `failure`. */
  outcome: 'success' | 'failure';
  title: string;
  reason: string;
  counts: ReportCounts | null;
  /** Per interval and metric, as judged (numbers, p-values, thresholds). */
  intervals: { index: number; outcome: string; metrics: ReportMetric[] }[];
  commands: ReportCommand[];
  run: { repository: string | null; runId: string | null; runAttempt: string | null; url: string | null };
  at: string;
  /** The AAOE trace this run belongs to (the dispatch payload's `traceparent`). */
  traceparent?: string | null;
};

/** The compiler's check that the two sides agree: a report about a commit is what the app's schema accepts. */
type Accepted<T extends z.input<typeof DeployReport>> = T;
export type ReportAboutACommit = Accepted<Report & { sha: string }>;
