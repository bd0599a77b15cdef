/**
 * GitHub's refusals of one request, for tests: the app's Octokit sends every attempt through `fetch` here, which answers
 * a matching request with the status, message and headers a test gave (the shape GitHub's REST errors have) instead of
 * passing it to the loopback GitHub, a given number of times. Everything else goes through untouched, and every attempt
 * is counted (`seen`), so a test can say how many requests an outage cost.
 */

export type Fault = {
  method: string;
  path: RegExp;
  status: number;
  message: string;
  headers?: Record<string, string>;
  times: number;
};

export class GitHubFaults {
  private faults: Fault[] = [];
  /** Every attempt that reached this fetch: `METHOD /path` and what it was answered (0: no answer). */
  readonly seen: Array<{ request: string; status: number; at: number }> = [];

  /** Answers the next `times` requests matching `method` and `path` with `status` (default: once). */
  refuse(fault: Omit<Fault, 'times'> & { times?: number }): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  clear(): void {
    this.faults = [];
    this.seen.length = 0;
  }

  /** How many attempts matched `method` and `path`. */
  count(method: string, path: RegExp): number {
    return this.seen.filter((s) => s.request.startsWith(`${method} `) && path.test(s.request.slice(method.length + 1)))
      .length;
  }

  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/^\/api\/v3/, '');
    const fault = this.faults.find((f) => f.times > 0 && f.method === method && f.path.test(path));
    if (fault) {
      fault.times -= 1;
      this.seen.push({ request: `${method} ${path}`, status: fault.status, at: Date.now() });
      const body = JSON.stringify({
        message: fault.message,
        documentation_url: 'https://docs.github.com/rest',
        status: String(fault.status),
      });
      return new Response(body, {
        status: fault.status,
        headers: { 'content-type': 'application/json; charset=utf-8', ...fault.headers },
      });
    }
    try {
      const response = await globalThis.fetch(input, init);
      this.seen.push({ request: `${method} ${path}`, status: response.status, at: Date.now() });
      return response;
    } catch (error) {
      this.seen.push({ request: `${method} ${path}`, status: 0, at: Date.now() });
      throw error;
    }
  };
}
