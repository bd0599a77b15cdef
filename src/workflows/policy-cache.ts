/**
 * Policies read from repositories' default branches, kept for a while so that a warm evaluation costs no
 * GitHub call. A push to a default branch drops that repository's entry and every entry whose policy was read
 * from a file of that repository (`_extends`: `sources` of the value, src/workflows/load-repo-policy.ts); a push to an
 * owner's `.github` repository (org defaults) drops every entry of that owner and every entry that read from it.
 * The TTL bounds the rest: a push this process never receives (another process took the delivery, or the app is
 * not installed on the extended repository) is seen when the entry expires.
 */
export class PolicyCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number; sources: ReadonlySet<string> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(owner: string, repo: string): T | undefined {
    const key = keyOf(owner, repo);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Keeps `value`; when it lists `sources` (`{ owner, repo }` of the files it was read from), pushes to those drop it. */
  set(owner: string, repo: string, value: T): void {
    const listed = (value as { sources?: ReadonlyArray<{ owner: string; repo: string }> } | undefined)?.sources ?? [];
    const sources = new Set(listed.map((s) => keyOf(s.owner, s.repo)));
    this.entries.set(keyOf(owner, repo), { value, expires: this.now() + this.ttlMs, sources });
  }

  /** A push to `owner/repo` (or to every repository of `owner`): drops their entries and the entries read from them. */
  invalidate(owner: string, repo?: string): void {
    const prefix = `${owner.toLowerCase()}/`;
    const hit =
      repo !== undefined ? (key: string) => key === keyOf(owner, repo) : (key: string) => key.startsWith(prefix);
    for (const [key, entry] of this.entries) {
      if (hit(key) || [...entry.sources].some(hit)) this.entries.delete(key);
    }
  }
}

function keyOf(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}
