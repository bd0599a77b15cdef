/**
 * Why a request of `aaoe doctor` failed: GitHub answered (an HTTP status: a wrong key is a 401 on the JWT) or the
 * request never got an answer (the name does not resolve, nothing listens, no answer in time, another network
 * error). Octokit turns every fetch failure into a RequestError with status 500 and no response: the response's
 * absence, and the causes' codes, tell them apart.
 */

export type RequestFailure =
  | { kind: 'http'; status: number; message: string }
  | { kind: 'dns' | 'refused' | 'timeout' | 'network'; code: string; message: string };

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const REFUSED = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUT = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'TimeoutError']);

type Failed = {
  status?: unknown;
  response?: unknown;
  message?: unknown;
  cause?: unknown;
  code?: unknown;
  name?: unknown;
};

/** The codes and names along an error's `cause` chain (a few levels: fetch nests them). */
function causes(error: unknown): string[] {
  const found: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const { code, name, cause } = current as Failed;
    if (typeof code === 'string') found.push(code);
    if (typeof name === 'string') found.push(name);
    current = cause;
  }
  return found;
}

export function classifyFailure(error: unknown): RequestFailure {
  const failed = (error ?? {}) as Failed;
  const message = typeof failed.message === 'string' ? failed.message : String(error);
  if (failed.response !== undefined && typeof failed.status === 'number')
    return { kind: 'http', status: failed.status, message };
  const codes = causes(error);
  const dns = codes.find((c) => DNS.has(c));
  if (dns) return { kind: 'dns', code: dns, message };
  const refused = codes.find((c) => REFUSED.has(c));
  if (refused) return { kind: 'refused', code: refused, message };
  const timeout = codes.find((c) => TIMEOUT.has(c) || c === 'AbortError');
  if (timeout) return { kind: 'timeout', code: timeout, message };
  return { kind: 'network', code: codes.find((c) => /^E[A-Z]+$/.test(c)) ?? 'no answer', message };
}

/** A fetch that gives up after `ms` (unless the caller passes its own signal). */
export function fetchWithin(ms: number): typeof fetch {
  return (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(ms) });
}
