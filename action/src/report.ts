import { signBody } from '../../src/adapters/github/signature.js';
import type { CanaryVerdict } from '../../src/core/canary/analyze-canary.js';
import type { Mode } from './inputs.js';

/**
 * What the action reports back to the app (version 1): `POST <report-url>` with this JSON, signed like a
 * GitHub webhook: `X-AAOE-Signature-256: sha256=<hex HMAC-SHA256 of the body with report-secret>`.
 * The same JSON is the `report` output. The app moves the execution on from `verdict` and `outcome`.
 */

export type CommandSummary = { name: 'deploy' | 'promote' | 'rollback'; exitCode: number; durationMs: number };

export type ActionVerdict = CanaryVerdict['kind'] | 'error' | 'rolled-back' | 'policy';

export type Report = {
  version: 1;
  executionId: string | null;
  sha: string | null;
  environment: string | null;
  deploymentId: number | null;
  mode: Mode;
  /** `promote` / `rollback` / `inconclusive` (canary, health), `rolled-back` (rollback), `policy`, `error`. */
  verdict: ActionVerdict;
  /** `success`: the deployment stands (promoted, healthy, rolled back on request, policy passed); otherwise `failure`. */
  outcome: 'success' | 'failure';
  title: string;
  reason: string;
  counts: CanaryVerdict['counts'] | null;
  /** Per interval and metric, as judged (numbers, p-values, thresholds). */
  intervals: {
    index: number;
    outcome: string;
    metrics: {
      metric: string;
      outcome: string;
      baseline?: number;
      canary?: number;
      effect?: number;
      pValue?: number;
      threshold: number;
      reason: string;
    }[];
  }[];
  commands: CommandSummary[];
  run: { repository: string | null; runId: string | null; runAttempt: string | null; url: string | null };
  at: string;
  /** The AAOE trace this run belongs to (the dispatch payload's `traceparent`), so the run is found from the execution's trace. */
  traceparent?: string | null;
};

export function reportIntervals(verdict: CanaryVerdict | undefined): Report['intervals'] {
  return (verdict?.intervals ?? []).map((i) => ({
    index: i.index,
    outcome: i.outcome,
    metrics: i.metrics.map((m) =>
      m.outcome === 'inconclusive'
        ? { metric: m.metric, outcome: m.outcome, threshold: m.threshold, reason: m.reason }
        : {
            metric: m.metric,
            outcome: m.outcome,
            baseline: m.baseline,
            canary: m.canary,
            effect: finite(m.effect),
            pValue: m.pValue,
            threshold: m.threshold,
            reason: m.reason,
          },
    ),
  }));
}

function finite(v: number): number {
  return Number.isFinite(v) ? v : Number.MAX_VALUE;
}

export async function sendReport(
  url: string,
  report: Report,
  secret: string | undefined,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const body = JSON.stringify(report);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'aaoe-action',
    'x-aaoe-event': 'deploy-report',
  };
  if (secret) headers['x-aaoe-signature-256'] = signBody(body, secret);
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
      if (response.ok) return { ok: true };
      last = `HTTP ${response.status}`;
      if (response.status < 500) break;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
  return { ok: false, error: last };
}
