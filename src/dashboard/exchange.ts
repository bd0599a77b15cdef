import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../adapters/http/http-body.js';
import type { Html } from './html.js';

/**
 * One request and its answer: every dashboard answer carries the security headers (a strict Content-Security-Policy,
 * no framing, no sniffing, no caching); a HEAD request gets the headers without the body.
 */

/** The Content-Security-Policy of every dashboard answer: our own stylesheet, forms to ourselves, nothing else. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

const MAX_FORM_BYTES = 8 * 1024;

export type Headers = Record<string, string | string[]>;

/** A request being answered: each method writes the whole answer and returns true (the request was the dashboard's). */
export type Exchange = {
  req: IncomingMessage;
  url: URL;
  /** A page. */
  send(status: number, page: Html, headers?: Headers): true;
  /** A 303 to `location`, setting `cookies`. */
  redirect(location: string, cookies?: string[]): true;
  /** Any other answer (a redirect elsewhere, a stylesheet): `headers` go with the security headers. */
  answer(status: number, headers: Headers, body?: string): true;
};

export function exchangeOf(req: IncomingMessage, res: ServerResponse, url: URL): Exchange {
  const answer = (status: number, headers: Headers, body?: string): true => {
    res.writeHead(status, { ...SECURITY_HEADERS, ...headers }).end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
  return {
    req,
    url,
    answer,
    send: (status, page, headers = {}) =>
      answer(status, { 'content-type': 'text/html; charset=utf-8', ...headers }, page.text),
    redirect: (location, cookies = []) =>
      answer(303, { location, ...(cookies.length > 0 ? { 'set-cookie': cookies } : {}) }),
  };
}

/** `http://<Host>` when the Host header is a plain host[:port]; undefined otherwise. */
export function originOf(req: IncomingMessage): string | undefined {
  const host = req.headers.host ?? '';
  if (!/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) return undefined;
  const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${encrypted ? 'https' : 'http'}://${host}`;
}

/**
 * A POST from a page of another origin is refused: `Origin` (when the browser sends it) must be the dashboard's.
 * (Pages are served with `Referrer-Policy: same-origin`: under `no-referrer` Chromium sends `Origin: null`.)
 */
export function sameOrigin(req: IncomingMessage, base: string): boolean {
  const origin = req.headers.origin;
  if (origin === undefined)
    return req.headers['sec-fetch-site'] === undefined || req.headers['sec-fetch-site'] === 'same-origin';
  return origin === base;
}

/** The form of a POST, or undefined when its body is over 8 KiB. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const text = await readBody(req, MAX_FORM_BYTES);
  return text === undefined ? undefined : new URLSearchParams(text);
}
