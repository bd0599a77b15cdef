import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { RepoContext } from '../adapters/github/repo-context.js';
import type { AgentConfig } from '../adapters/model/models-config.js';
import type { Runtime } from '../adapters/store/runtime.js';
import type { RepoPolicy } from './load-repo-policy.js';

/** What the agent's work needs of the server: the runtime, the clock, the policy, the app's login, a connection. */
export type AgentWorkPorts = {
  runtime: Runtime;
  now: () => Date;
  /** The repository's policy (from the default branch). */
  policyFor: (context: RepoContext) => Promise<RepoPolicy>;
  /** The app's own login (`slug[bot]`). */
  botLogin: () => Promise<string>;
  /** A repository context and the adapter for a repository of an installation. */
  connect: (
    installationId: number,
    repo: string,
    traceId: string,
    executionId?: string,
  ) => Promise<{ context: RepoContext; github: GitHubAdapter }>;
};

/** The ports and the model configuration (none: the agent cannot ask a model, and says so). */
export type AgentDeps = { ports: AgentWorkPorts; agent: AgentConfig | undefined };
