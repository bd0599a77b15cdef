import type { Sample } from './soak-samples.js';

/** The soak's plot: four panels over time (memory, event-loop delay, the job table, check latency), as SVG. */

type Series = { label: string; color: string; values: Array<number | null> };

function panel(
  title: string,
  unit: string,
  xs: number[],
  series: Series[],
  x0: number,
  y0: number,
  w: number,
  h: number,
): string {
  const all = series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const top = Math.max(1e-9, ...all) * 1.1;
  const right = Math.max(1, ...xs);
  const px = (x: number) => x0 + (x / right) * w;
  const py = (y: number) => y0 + h - (y / top) * h;
  const lines = series.map((s) => {
    const points = s.values
      .map((v, i) => (v === null || !Number.isFinite(v) ? null : `${px(xs[i] ?? 0).toFixed(1)},${py(v).toFixed(1)}`))
      .filter(Boolean);
    return `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${points.join(' ')}"/>`;
  });
  const legend = series.map(
    (s, i) => `<text x="${x0 + 8 + i * 130}" y="${y0 + 14}" fill="${s.color}" font-size="11">${s.label}</text>`,
  );
  const ticks = [0, 0.5, 1].map(
    (f) =>
      `<text x="${x0 - 6}" y="${py(top * f) + 4}" text-anchor="end" font-size="10">${(top * f).toPrecision(3)}</text>`,
  );
  const xticks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) =>
      `<text x="${px(right * f)}" y="${y0 + h + 14}" text-anchor="middle" font-size="10">${(right * f).toFixed(0)} s</text>`,
  );
  return [
    `<text x="${x0}" y="${y0 - 6}" font-size="12" font-weight="bold">${title} (${unit})</text>`,
    `<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#999"/>`,
    ...ticks,
    ...xticks,
    ...lines,
    ...legend,
  ].join('\n');
}

const W = 900;
const H = 170;

/** The four panels, top to bottom: a title, a unit, and the series drawn from the samples. */
const PANELS: Array<{ title: string; unit: string; series: (data: Sample[]) => Series[] }> = [
  {
    title: 'app resident memory',
    unit: 'MB',
    series: (data) => [{ label: 'RSS', color: '#1f77b4', values: data.map((s) => s.rssMb) }],
  },
  {
    title: 'app event-loop delay',
    unit: 'ms',
    series: (data) => [
      { label: 'p99', color: '#2ca02c', values: data.map((s) => s.loopP99Ms) },
      { label: 'max', color: '#98df8a', values: data.map((s) => s.loopMaxMs) },
    ],
  },
  {
    title: 'pg-boss job table',
    unit: 'rows',
    series: (data) => [
      {
        label: 'created+retry',
        color: '#ff7f0e',
        values: data.map((s) => (s.jobs.created ?? 0) + (s.jobs.retry ?? 0)),
      },
      { label: 'active', color: '#d62728', values: data.map((s) => s.jobs.active ?? 0) },
      { label: 'completed', color: '#9467bd', values: data.map((s) => s.jobs.completed ?? 0) },
      { label: 'deliveries', color: '#8c564b', values: data.map((s) => s.deliveries) },
    ],
  },
  {
    title: 'delivery-to-check latency',
    unit: 's',
    series: (data) => [
      { label: 'p50', color: '#17becf', values: data.map((s) => s.latencyP50S) },
      { label: 'p99', color: '#e377c2', values: data.map((s) => s.latencyP99S) },
      { label: 'oldest waiting', color: '#7f7f7f', values: data.map((s) => s.oldestWaitingS) },
    ],
  },
];

export function plot(data: Sample[]): string {
  const xs = data.map((s) => s.t);
  const panels = PANELS.map((p, i) => panel(p.title, p.unit, xs, p.series(data), 70, 40 + i * (H + 50), W - 100, H));
  const height = 40 + 4 * (H + 50);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${panels.join('\n')}\n</svg>\n`;
}
