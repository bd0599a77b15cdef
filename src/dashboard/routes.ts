import type { Verb } from './dashboard-data.js';
import { ICON_PATH, STYLE_PATH } from './layout.js';

/**
 * The dashboard's routes: `GET /aaoe` (the overview, or the sign-in page), `GET /aaoe/login`, `GET /aaoe/callback`,
 * `POST /aaoe/logout`, `GET /aaoe/executions/{id}`, `POST /aaoe/executions/{id}/{approve|pause|resume}`,
 * `GET|POST /aaoe/executions/{id}/rollback` (preview, confirm), `GET /aaoe/style.css`, `GET /aaoe/icon.svg`.
 */

export const DASHBOARD_PATH = '/aaoe';

const EXECUTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const VERBS: readonly Verb[] = ['approve', 'pause', 'resume', 'rollback'];

export type Route =
  | { kind: 'overview' }
  | { kind: 'login' }
  | { kind: 'callback' }
  | { kind: 'logout' }
  | { kind: 'style' }
  | { kind: 'icon' }
  | { kind: 'execution'; id: string }
  | { kind: 'preview'; id: string }
  | { kind: 'verb'; id: string; verb: Verb }
  | { kind: 'method'; allow: string };

/** The dashboard route of a path, or undefined for a path that is not the dashboard's (the next handler's). */
export function dashboardRoute(method: string, path: string): Route | undefined {
  const get = (route: Route): Route =>
    method === 'GET' || method === 'HEAD' ? route : { kind: 'method', allow: 'GET' };
  const post = (route: Route): Route => (method === 'POST' ? route : { kind: 'method', allow: 'POST' });
  if (path === DASHBOARD_PATH || path === `${DASHBOARD_PATH}/`) return get({ kind: 'overview' });
  if (path === `${DASHBOARD_PATH}/login`) return get({ kind: 'login' });
  if (path === `${DASHBOARD_PATH}/callback`) return get({ kind: 'callback' });
  if (path === `${DASHBOARD_PATH}/logout`) return post({ kind: 'logout' });
  if (path === STYLE_PATH) return get({ kind: 'style' });
  if (path === ICON_PATH) return get({ kind: 'icon' });
  const [section, id = '', verbPart, ...more] = path.slice(`${DASHBOARD_PATH}/`.length).split('/');
  if (section !== 'executions' || !EXECUTION_ID.test(id)) return undefined;
  if (verbPart === undefined) return get({ kind: 'execution', id });
  const verb = VERBS.find((v) => v === verbPart);
  if (more.length > 0 || !verb) return undefined;
  if (verb === 'rollback')
    return method === 'GET' || method === 'HEAD'
      ? { kind: 'preview', id }
      : method === 'POST'
        ? { kind: 'verb', id, verb }
        : { kind: 'method', allow: 'GET, POST' };
  return post({ kind: 'verb', id, verb });
}
