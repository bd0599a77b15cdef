/**
 * Availability probes for the attack suites of bounded work: `/healthz` is asked every `everyMs` while an attack
 * runs, and the slowest answer is what the suites assert on (an availability attack shows as `/healthz` stalling).
 */
export type Probe = { stop: () => Promise<{ slowestMs: number; answered: number }> };

export function probeHealthz(url: string, everyMs = 100): Probe {
  let running = true;
  let slowestMs = 0;
  let answered = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(60_000) });
        await res.text();
        if (res.status === 200) answered++;
      } catch {
        // a refused or timed-out probe counts as slow as it took
      }
      slowestMs = Math.max(slowestMs, performance.now() - started);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { slowestMs, answered };
    },
  };
}

/** Runs `work`, probing `/healthz` meanwhile; returns how long the work took and the slowest probe. */
export async function underProbe<T>(
  url: string,
  work: () => Promise<T>,
): Promise<{ result: T; tookMs: number; slowestMs: number; answered: number }> {
  const probe = probeHealthz(url);
  await new Promise((r) => setTimeout(r, 50));
  const started = performance.now();
  const result = await work();
  const tookMs = performance.now() - started;
  const { slowestMs, answered } = await probe.stop();
  return { result, tookMs, slowestMs, answered };
}
