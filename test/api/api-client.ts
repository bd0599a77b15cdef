import { expect } from 'vitest';
import { ApiDescription } from './api-description.js';

/**
 * A caller of the app's `/api/v1` for tests: every answer is checked against `openapi/aaoe-api.yaml` (a test fails
 * on an answer the description does not allow) and returned with its status and JSON body.
 */

let description: ApiDescription | undefined;

export type ApiAnswer = { status: number; body: any; headers: Headers };

export async function callApi(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; contentType?: string } = {},
): Promise<ApiAnswer> {
  description ??= new ApiDescription();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const json = await res.json();
  expect(
    description.check(method, path, res.status, json),
    `${method} ${path} -> ${res.status} ${JSON.stringify(json)}`,
  ).toEqual([]);
  return { status: res.status, body: json, headers: res.headers };
}
