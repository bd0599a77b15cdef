/**
 * Policies read from repositories' default branches, kept for a while so that a warm evaluation costs no
 * GitHub call. A push to a default branch drops that repository's entry, a push to an owner's `.github`
 * repository (org defaults behind `_extends`) drops every entry of that owner; the TTL bounds the rest.
 */
export class PolicyCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();

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

  set(owner: string, repo: string, value: T): void {
    this.entries.set(keyOf(owner, repo), { value, expires: this.now() + this.ttlMs });
  }

  invalidate(owner: string, repo?: string): void {
    if (repo !== undefined) {
      this.entries.delete(keyOf(owner, repo));
      return;
    }
    const prefix = `${owner.toLowerCase()}/`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}

function keyOf(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase();
}
