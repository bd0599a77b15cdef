/**
 * A fixed-window request limit per caller (a token GitHub accepted, else the caller's address). Pure apart
 * from the clock it is given; one instance per process (replicas each count their own).
 */

export type RateLimitOptions = { limit: number; windowMs: number; now?: () => number };

export type RateDecision = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

/** Windows kept at most; the oldest are dropped first (a flood of distinct callers cannot grow memory). */
const MAX_KEYS = 10_000;

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    this.now = options.now ?? Date.now;
  }

  take(key: string): RateDecision {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.options.windowMs) {
      this.windows.delete(key);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
      const oldest = this.windows.keys().next();
      if (this.windows.size > MAX_KEYS && !oldest.done) this.windows.delete(oldest.value);
    }
    if (window.count >= this.options.limit)
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((window.start + this.options.windowMs - now) / 1000)),
      };
    window.count += 1;
    return { ok: true, remaining: this.options.limit - window.count };
  }

  /** Whether `key` has used up its window, without counting a request (what `take` would answer next). */
  peek(key: string): RateDecision {
    const now = this.now();
    const window = this.windows.get(key);
    if (!window || now - window.start >= this.options.windowMs) return { ok: true, remaining: this.options.limit };
    if (window.count < this.options.limit) return { ok: true, remaining: this.options.limit - window.count };
    return {
      ok: false,
      retryAfterSeconds: Math.max(1, Math.ceil((window.start + this.options.windowMs - now) / 1000)),
    };
  }
}

/** Values kept for `ttlMs` each, at most `maxKeys` (the oldest go first). */
export class ExpiringMap<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxKeys: number,
  ) {}

  get(key: string, now: number): T | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.until > now) return entry.value;
    if (entry) this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: T, now: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until: now + this.ttlMs });
    const oldest = this.entries.keys().next();
    if (this.entries.size > this.maxKeys && !oldest.done) this.entries.delete(oldest.value);
  }
}
