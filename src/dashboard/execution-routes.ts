import { deleteSession } from '../adapters/store/sessions.js';
import { readDetail, readOverview, readRollbackPreview, type Verb } from './dashboard-data.js';
import type { DashboardSetup, RequestScope, Session } from './dashboard-scope.js';
import { readForm, sameOrigin } from './exchange.js';
import { executionPage, type Notice } from './execution-page.js';
import { executionPath } from './page-parts.js';
import { messagePage, signInPage } from './pages.js';
import { overviewPage } from './overview-page.js';
import { rollbackPreviewPage } from './rollback-preview-page.js';
import { type PageContext } from './layout.js';
import { VERBS, type Route } from './routes.js';
import { cookieHeader, equalText, SESSION_COOKIE } from './session-cookie.js';
import { DASHBOARD_TEXT as T } from './text.js';

/**
 * The signed-in pages: the overview, one execution, the rollback preview, and the actions (POST forms with the
 * session's CSRF token; what is allowed is the control plane's decision, as for `/api/v1` and the comment commands).
 */

export type SignedInRoute = Extract<Route, { kind: 'overview' | 'execution' | 'preview' | 'verb' }>;

export type SignedIn = { setup: DashboardSetup; scope: RequestScope; session: Session; ctx: PageContext };

export async function answerSignedIn(route: SignedInRoute, signedIn: SignedIn): Promise<true> {
  const { setup, scope, session, ctx } = signedIn;
  const { x } = scope;
  switch (route.kind) {
    case 'overview':
      return x.send(200, overviewPage(ctx, await readOverview(setup.ports, session.user)));
    case 'execution': {
      const view = await readDetail(setup.ports, session.user, route.id);
      if (!view) return x.send(404, notFound(route.id, ctx));
      const done = VERBS.find((v) => v === x.url.searchParams.get('done'));
      return x.send(200, executionPage(ctx, view, done ? { kind: 'done', verb: done } : undefined));
    }
    case 'preview': {
      const preview = await readRollbackPreview(setup.ports, session.user, route.id);
      if (!preview) return x.send(404, notFound(route.id, ctx));
      return x.send(200, rollbackPreviewPage(ctx, preview));
    }
    case 'verb':
      return act(signedIn, route.id, route.verb);
  }
}

function notFound(id: string, ctx: PageContext) {
  const message = T.notFound(id);
  return messagePage(message.title, message.text, ctx);
}

/** `POST /aaoe/executions/{id}/{verb}`: the form checked, the sign-in checked with GitHub, the control plane asked. */
async function act({ setup, scope, session, ctx }: SignedIn, id: string, verb: Verb): Promise<true> {
  const { x, base, secure } = scope;
  const form = await readForm(x.req);
  if (!form || !equalText(form.get('csrf') ?? '', session.record.csrf) || !sameOrigin(x.req, base)) {
    setup.log.warn({ user: session.user.login, verb, execution: id }, 'dashboard action refused: CSRF check failed');
    return x.send(403, messagePage(T.refusedTitle, T.csrfRefusal, ctx));
  }
  if (verb === 'rollback' && form.get('confirm') !== 'yes')
    return x.send(400, messagePage(T.confirmRollback.title, T.confirmRollback.text, ctx));
  // an action re-checks the sign-in with GitHub: a token revoked since does not act
  const user = await setup.access.userOf(session.token);
  if (!user) {
    await deleteSession(setup.db, session.record.idHash);
    return x.send(401, signInPage(T.signInRevoked), {
      'set-cookie': cookieHeader(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure }),
    });
  }
  // an approval names the head commit the page showed: refused when the head has moved since
  const sha = form.get('sha') ?? '';
  if (verb === 'approve' && !/^[0-9a-f]{7,40}$/i.test(sha))
    return x.send(400, messagePage(T.approvalWithoutSha.title, T.approvalWithoutSha.text, ctx));
  const answer = await setup.plane.verb(user, id, verb, verb === 'approve' ? { sha } : {});
  setup.log.info({ user: user.login, verb, execution: id, status: answer.status }, 'dashboard action');
  if (answer.status === 200) return x.redirect(`${executionPath(id)}?done=${verb}`);
  const reason = 'error' in answer.body ? answer.body.error.message : T.verbRefused(verb);
  if (answer.status === 404) return x.send(404, messagePage(T.notFoundTitle, reason, ctx));
  const view = await readDetail(setup.ports, user, id);
  const notice: Notice = { kind: 'refused', verb, reason };
  return x.send(answer.status, view ? executionPage(ctx, view, notice) : messagePage(T.refusedTitle, reason, ctx));
}
