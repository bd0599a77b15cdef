import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The soak's samples: what is read at each (the app's metrics, the data directory's size), and the table's rows. */

export type Sample = {
  t: number;
  sent: number;
  acked: number;
  failed: number;
  rssMb: number;
  loopP99Ms: number;
  loopMaxMs: number;
  jobs: Record<string, number>;
  deliveries: number;
  dataMb: number;
  checks: number;
  latencyP50S: number | null;
  latencyP99S: number | null;
  waiting: number;
  oldestWaitingS: number;
  senderLateMs: number;
  benchLoopP99Ms: number;
};
export const JOB_STATES = ['created', 'retry', 'active', 'completed', 'failed', 'cancelled'] as const;

/** The `q` quantile of `xs` (null when there are none). */
export const quantile = (xs: number[], q: number): number | null => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
};

export type Metrics = Map<string, number>;
/** The app's `/metrics`, summed by name (the job table by state), or undefined when it does not answer. */
export async function scrape(appUrl: string): Promise<Metrics | undefined> {
  const res = await fetch(`${appUrl}/metrics`).catch(() => undefined);
  if (!res?.ok) return undefined;
  const metrics: Metrics = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (!Number.isFinite(value)) continue;
    let name = line.slice(0, space);
    // keep the job table's state label only (summed over queues)
    const state = /^aaoe_jobs\{.*state="([a-z]+)".*\}$/.exec(name);
    if (state) name = `jobs.${state[1]}`;
    else if (name.startsWith('aaoe_deliveries_total')) name = 'aaoe_deliveries_total';
    metrics.set(name, (metrics.get(name) ?? 0) + value);
  }
  return metrics;
}

/** The bytes of every file under `dir`. */
export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directorySize(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

export const COLUMNS = [
  't s',
  'acked',
  'fail',
  'RSS MB',
  'loop p99',
  'loop max',
  'jobs created',
  'active',
  'completed',
  'deliveries',
  'data MB',
  'checks',
  'lat p50 s',
  'lat p99 s',
  'waiting',
  'oldest s',
  'late ms',
];
/** A number for the table: `-` when there is none. */
export const fmt = (x: number | null, digits = 0) => (x === null || Number.isNaN(x) ? '-' : x.toFixed(digits));
/** A sample as a row of the table. */
export function formatRow(s: Sample): string {
  const cells = [
    fmt(s.t),
    String(s.acked),
    String(s.failed),
    fmt(s.rssMb),
    fmt(s.loopP99Ms, 1),
    fmt(s.loopMaxMs),
    String((s.jobs.created ?? 0) + (s.jobs.retry ?? 0)),
    String(s.jobs.active),
    String(s.jobs.completed),
    fmt(s.deliveries),
    fmt(s.dataMb),
    String(s.checks),
    fmt(s.latencyP50S, 2),
    fmt(s.latencyP99S, 2),
    String(s.waiting),
    fmt(s.oldestWaitingS, 1),
    fmt(s.senderLateMs),
  ];
  return cells.map((c, i) => c.padStart(Math.max((COLUMNS[i] ?? '').length, 6))).join(' ');
}
