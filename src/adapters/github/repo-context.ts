import type { Octokit, RepoRef } from './github-facts.js';

/** What a workflow writes to the log: pino's calls (Probot's logger is pino), as far as workflows use them. */
export type Log = {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Log;
};

/**
 * One repository of one installation, as a job sees it: the delivery (or trace) it works for, the installation's
 * client, a logger bound to both, and the repository. Built by the job runner from the job; no webhook payload.
 */
export type RepoContext = {
  /** The delivery id (or the trace id of a job that is not a delivery). */
  id: string;
  octokit: Octokit;
  log: Log;
  repo(): RepoRef;
};

export function repoContext(id: string, octokit: Octokit, log: Log, ref: RepoRef): RepoContext {
  return { id, octokit, log, repo: () => ({ owner: ref.owner, repo: ref.repo }) };
}
