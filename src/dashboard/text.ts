import type { Verb } from './dashboard-data.js';

/**
 * The dashboard's sentences outside the pages' own markup: the titles and messages of its answers (errors, refusals,
 * sign-in outcomes) and the words of its actions. Each says what happened and what to do next.
 */

/** A title and the sentence under it, for `messagePage`. */
export type Message = { title: string; text: string };

export const DASHBOARD_TEXT = {
  methodNotAllowed: (method: string | undefined, allow: string): Message => ({
    title: 'Method not allowed',
    text: `${method} is not allowed here; use ${allow}.`,
  }),
  secretTooShort: (minLength: number): Message => ({
    title: 'The dashboard is not configured',
    text: `AAOE_SESSION_SECRET is too short: use at least ${minLength} random characters (for example the output of \`openssl rand -hex 32\`), then restart the app.`,
  }),
  secretMissing: {
    title: 'The dashboard is not configured',
    text: 'Set AAOE_SESSION_SECRET (at least 32 random characters, for example the output of `openssl rand -hex 32`) to sign dashboard sessions, then restart the app.',
  } satisfies Message,
  badHost: {
    title: 'Bad request',
    text: 'The Host header is not a host name; set AAOE_PUBLIC_URL to the address the dashboard is served at.',
  } satisfies Message,
  signInNotConfigured: (base: string): Message => ({
    title: 'Sign-in is not configured',
    text: `Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the GitHub App's client ID and a client secret, from the app's settings page), add ${base}/aaoe/callback to the app's callback URLs, then restart the app.`,
  }),
  stateMismatch:
    'The sign-in could not be verified: it did not start in this browser, or it took longer than 10 minutes. Sign in again.',
  githubRefused: (reason: string) => `GitHub did not sign you in: ${reason}`,
  noCode: 'GitHub sent no code back: sign in again.',
  noClient: 'Sign-in is not configured: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.',
  tokenNotAccepted: 'GitHub did not accept the token it just gave (GET /user): sign in again.',
  signInToSee: 'Sign in to see this page.',
  signInRevoked: 'GitHub no longer accepts your sign-in: sign in again.',
  notFound: (id: string): Message => ({
    title: 'Not found',
    text: `No execution ${id} in a repository you can read.`,
  }),
  notFoundTitle: 'Not found',
  refusedTitle: 'Refused',
  csrfRefusal:
    'The form did not come from your dashboard session (its CSRF token is missing or wrong, or it was posted from another site). Reload the page and try again.',
  confirmRollback: {
    title: 'Confirm the rollback',
    text: 'A rollback is confirmed on its preview page: open "Roll back…" on the execution and confirm there.',
  } satisfies Message,
  approvalWithoutSha: {
    title: 'Reload the page',
    text: 'The approval did not say which commit it approves: reload the execution page and approve the head it shows.',
  } satisfies Message,
  verbRefused: (verb: Verb) => `${verb} was refused`,
  githubDown: (reason: string): Message => ({
    title: 'GitHub did not answer',
    text: `${reason}. Try again in a moment.`,
  }),
  failed: {
    title: 'Something failed',
    text: 'The request failed inside AAOE; it is logged. Try again.',
  } satisfies Message,
} as const;

/** What the execution page says after an action went through. */
export const DONE: Record<Verb, string> = {
  approve: 'Your approval is recorded; the aaoe/policy check is evaluated again.',
  pause: 'The execution is paused.',
  resume: 'The execution is resumed.',
  rollback: 'A rollback is requested; the companion workflow is dispatched.',
};

/** The label of each action's button. */
export const VERB_LABEL: Record<Verb, string> = {
  approve: 'Approve',
  pause: 'Pause',
  resume: 'Resume',
  rollback: 'Roll back…',
};
