import { readConfig } from '../adapters/config/config.js';
/**
 * A client of the control-plane API (`/api/v1`, described by openapi/aaoe-api.yaml) for the MCP server: every call
 * carries the agent's (or person's) GitHub token, and the app decides. An answer is the JSON the app sent, or its
 * refusal with the reason.
 */

export type ApiCallResult =
  { ok: true; status: number; body: unknown } | { ok: false; status: number; code: string; message: string };

/**
 * `tokenFrom`: where the token came from. `GITHUB_TOKEN` is whatever token the environment holds (often one an agent
 * platform holds for a person): it never carries authority, so approve, resume and rollback are not sent with it.
 */
export type ApiClientConfig = { url: string; token: string; tokenFrom?: 'AAOE_TOKEN' | 'GITHUB_TOKEN' };

/** The verbs that carry authority; the app accepts them only with a token its own OAuth client issued. */
const AUTHORITY_VERBS: ReadonlySet<string> = new Set(['approve', 'resume', 'rollback']);

export class AaoeApiClient {
  constructor(
    private readonly config: ApiClientConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  listExecutions(repo: string): Promise<ApiCallResult> {
    return this.call('GET', `/api/v1/executions?repo=${encodeURIComponent(repo)}`);
  }

  status(executionId: string): Promise<ApiCallResult> {
    return this.call('GET', `/api/v1/executions/${encodeURIComponent(executionId)}`);
  }

  execute(request: { repo: string; task: string; title?: string | undefined }): Promise<ApiCallResult> {
    return this.call('POST', '/api/v1/executions', {
      repo: request.repo,
      task: request.task,
      ...(request.title !== undefined ? { title: request.title } : {}),
    });
  }

  schedule(executionId: string, notBefore: string): Promise<ApiCallResult> {
    return this.call('POST', `/api/v1/executions/${encodeURIComponent(executionId)}/schedule`, { notBefore });
  }

  generatePackages(request: { plan: string; step: string; file?: string | undefined }): Promise<ApiCallResult> {
    return this.call('POST', '/api/v1/packages', {
      plan: request.plan,
      step: request.step,
      ...(request.file !== undefined ? { file: request.file } : {}),
    });
  }

  /** A verb on an execution; `approve` names the head commit approved (`sha`). */
  verb(executionId: string, verb: 'approve' | 'pause' | 'resume' | 'rollback', sha?: string): Promise<ApiCallResult> {
    if (AUTHORITY_VERBS.has(verb) && this.config.tokenFrom === 'GITHUB_TOKEN') {
      return Promise.resolve({
        ok: false,
        status: 0,
        code: 'refused',
        message: `${verb} is never sent with GITHUB_TOKEN (a token the environment holds is not a person's consent): set AAOE_TOKEN to a token AAOE's own GitHub App issued to you, or ${verb} on AAOE's dashboard`,
      });
    }
    return this.call(
      'POST',
      `/api/v1/executions/${encodeURIComponent(executionId)}/${verb}`,
      verb === 'approve' ? { sha: sha ?? '' } : undefined,
    );
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiCallResult> {
    const url = `${this.config.url.replace(/\/+$/, '')}${path}`;
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers: {
          authorization: `Bearer ${this.config.token}`,
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      return {
        ok: false,
        status: 0,
        code: 'unreachable',
        message: `AAOE did not answer at ${this.config.url} (${(error as Error).message}); check AAOE_URL`,
      };
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      return {
        ok: false,
        status: res.status,
        code: 'not_json',
        message: `AAOE answered ${res.status} without JSON; is AAOE_URL the app's address?`,
      };
    }
    if (res.ok) return { ok: true, status: res.status, body: json };
    const error = (json as { error?: { code?: unknown; message?: unknown } }).error;
    return {
      ok: false,
      status: res.status,
      code: typeof error?.code === 'string' ? error.code : 'error',
      message: typeof error?.message === 'string' ? error.message : `AAOE answered ${res.status}`,
    };
  }
}

/** The client's settings from the environment: `AAOE_URL`, and `AAOE_TOKEN` (else `GITHUB_TOKEN`, for reading and proposing only). */
export function apiClientConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; config: ApiClientConfig } | { ok: false; message: string } {
  const { url, token, tokenFrom } = readConfig(env).client;
  const missing = [
    ...(url ? [] : ["AAOE_URL (the app's address, e.g. https://aaoe.example.com)"]),
    ...(token ? [] : ['AAOE_TOKEN or GITHUB_TOKEN (a GitHub token of the agent or person)']),
  ];
  if (!url || !token) return { ok: false, message: `set ${missing.join(' and ')}` };
  try {
    new URL(url);
  } catch {
    return { ok: false, message: `AAOE_URL is not a URL: "${url}"` };
  }
  return { ok: true, config: { url, token, tokenFrom: tokenFrom ?? 'GITHUB_TOKEN' } };
}
