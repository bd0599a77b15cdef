import { signBody } from '../../src/adapters/github/signature.js';
import { ok, problem, type Result } from '../../src/core/result.js';
import type { CanaryVerdict } from '../../src/core/canary/analyze-canary.js';
import {
  REPORT_SIGNATURE_HEADER,
  type Report,
  type ReportCommand,
  type ReportVerdict,
} from '../../src/contracts/report.js';

/**
 * What the action reports back to the app: the contract's `Report` (version 1, `src/contracts/report.ts`), `POST
 * <report-url>` with this JSON, signed like a GitHub webhook: `X-AAOE-Signature-256: sha256=<hex HMAC-SHA256 of the
 * body with report-secret>`. The same JSON is the `report` output. The app moves the execution on from `verdict`
 * and `outcome`.
 */

export type { Report };
export type CommandSummary = ReportCommand;
export type ActionVerdict = CanaryVerdict['kind'] | Exclude<ReportVerdict, CanaryVerdict['kind']>;

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

export async function sendReport(url: string, report: Report, secret: string | undefined): Promise<Result<undefined>> {
  const body = JSON.stringify(report);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'aaoe-action',
    'x-aaoe-event': 'deploy-report',
  };
  if (secret) headers[REPORT_SIGNATURE_HEADER] = signBody(body, secret);
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) });
      if (response.ok) return ok(undefined);
      last = `HTTP ${response.status}`;
      if (response.status < 500) break;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
  return problem('not_delivered', last);
}
