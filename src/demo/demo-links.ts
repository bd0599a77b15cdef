/**
 * The links the demo prints, each with what it names (the text the page must show), and the check of `--ci`: every
 * URL in a printed line is one the demo registered, and each answers 200 (after its redirects) with what it names.
 * The dashboard's pages are opened signed in, the way a browser signs in: the dashboard's `/aaoe/login`, GitHub's
 * authorize form (the simulator's web flow) posted as the demo's maintainer, the callback with the code.
 */

export type DemoLink = {
  url: string;
  /** What the link is, in the demo's words (for the problems). */
  names: string;
  /** Texts the page shows (compared with the page's text, its HTML entities decoded, or its HTML). */
  contains: string[];
  /** A dashboard page: opened with a session of `signInAs`. */
  signedIn?: boolean;
};

export type LinkCheckOptions = {
  /** The app's base URL (the dashboard is at `/aaoe`). */
  appUrl: string;
  /** Who signs in to the dashboard. */
  signInAs: string;
};

/** A printed URL ends before white space; trailing punctuation of the sentence is not part of it. */
export function urlsIn(line: string): string[] {
  const urls: string[] = [];
  for (const match of line.matchAll(/https?:\/\/\S+/g)) {
    let url = match[0];
    while (url.length > 0 && '.,;:)'.includes(url.at(-1) ?? '')) url = url.slice(0, -1);
    urls.push(url);
  }
  return urls;
}

export class DemoLinks {
  private readonly links = new Map<string, DemoLink>();

  add(link: DemoLink): string {
    this.links.set(link.url, link);
    return link.url;
  }

  get(url: string): DemoLink | undefined {
    return this.links.get(url);
  }

  /** The problems of the printed `lines`' links, one per line; none when every link opens what it names. */
  async check(lines: readonly string[], options: LinkCheckOptions): Promise<string[]> {
    const problems: string[] = [];
    const printed = [...new Set(lines.flatMap(urlsIn))];
    let cookie: string | undefined;
    for (const url of printed) {
      const link = this.links.get(url);
      if (!link) {
        problems.push(`printed ${url}, a link the demo does not check`);
        continue;
      }
      try {
        if (link.signedIn) cookie ??= await signIn(options);
        const res = await fetch(url, { headers: link.signedIn && cookie ? { cookie } : {} });
        const html = await res.text();
        if (res.status !== 200) {
          problems.push(`${link.names} (${url}) answered ${res.status}`);
          continue;
        }
        const text = decodeEntities(html);
        const missing = link.contains.filter((c) => !text.includes(c) && !html.includes(c));
        if (missing.length > 0)
          problems.push(
            `${link.names} (${url}) answered 200 without ${missing.map((m) => JSON.stringify(m)).join(', ')}`,
          );
      } catch (error) {
        problems.push(`${link.names} (${url}): ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return problems;
  }
}

function decodeEntities(html: string): string {
  return html
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&#x27;', "'")
    .replaceAll('&amp;', '&');
}

/** The `name=value` of a Set-Cookie header. */
const cookiePair = (setCookie: string) => setCookie.split(';', 1)[0] ?? '';

/** Signs in to the dashboard as a browser does, through the simulated GitHub's web flow; the session cookie. */
export async function signIn({ appUrl, signInAs }: LinkCheckOptions): Promise<string> {
  const start = await fetch(`${appUrl}/aaoe/login`, { redirect: 'manual' });
  const authorize = new URL(start.headers.get('location') ?? '', appUrl);
  const stateCookie = start.headers.getSetCookie().find((c) => c.startsWith('aaoe_oauth_state='));
  if (start.status !== 302 || !stateCookie)
    throw new Error(`the dashboard's sign-in answered ${start.status}: ${await start.text()}`);
  // GitHub's sign-in page, then its form posted as the person would (its hidden fields are the query's)
  const page = await fetch(authorize);
  if (page.status !== 200) throw new Error(`GitHub's sign-in page answered ${page.status}: ${await page.text()}`);
  const q = authorize.searchParams;
  const form = new URLSearchParams({ login: signInAs, authorize: '1' });
  for (const name of ['client_id', 'redirect_uri', 'state', 'code_challenge']) {
    const value = q.get(name);
    if (value !== null) form.set(name, value);
  }
  const authorized = await fetch(new URL('/login/oauth/authorize', authorize), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  const callback = authorized.headers.get('location');
  if (authorized.status !== 302 || !callback)
    throw new Error(`GitHub's authorize form answered ${authorized.status}: ${await authorized.text()}`);
  const done = await fetch(callback, { headers: { cookie: cookiePair(stateCookie) }, redirect: 'manual' });
  const session = done.headers.getSetCookie().find((c) => c.startsWith('aaoe_session='));
  if (!session) throw new Error(`the dashboard's callback answered ${done.status} without a session`);
  return cookiePair(session);
}
