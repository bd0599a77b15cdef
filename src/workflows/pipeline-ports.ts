import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { RepoContext } from '../adapters/github/repo-context.js';
import type { Runtime } from '../adapters/store/runtime.js';
import type { RepoPolicy } from './load-repo-policy.js';

/** What the pull-request workflows need of the pipeline that runs them: the store, the clock, GitHub and the policy. */
export type PipelinePorts = {
  runtime: Runtime;
  now: () => Date;
  policyFor: (context: RepoContext) => Promise<RepoPolicy>;
  botLogin: () => Promise<string>;
  /** A context and the adapter for one repository of an installation, for a job. */
  connect: (
    installationId: number,
    fullName: string,
    traceId: string,
    executionId?: string,
  ) => Promise<{ context: RepoContext; github: GitHubAdapter }>;
};
