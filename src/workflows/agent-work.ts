import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { RepoContext } from '../adapters/github/repo-context.js';
import type { AgentConfig } from '../adapters/model/models-config.js';
import type { EffectJob } from '../adapters/store/executions.js';
import type { Job } from '../adapters/store/job-shapes.js';
import type { ExecutionRecord } from '../core/execution/records.js';
import type { AgentWorkPorts } from './agent-ports.js';
import { classifyIssue } from './classify-issue.js';
import { startFromIssue } from './issue-intake.js';
import type { DeliveryOf } from './jobs.js';
import { postStatus } from './post-status.js';
import { proposeWithAgent } from './agent-dispatch.js';

/**
 * The agent's side of the pipeline: a labelled issue becomes an execution (when a person with the configured
 * permission applied the label), is triaged, gets a proposal from the model router within the policy's cost
 * caps, and ends as a branch, a commit and a pull request that the policy check then judges like any other.
 * Each step is an effect job: it records what it produced (`AgentWork`) in the transaction that moves the
 * execution on, so a step that runs again after a crash reuses it instead of asking a model twice.
 *
 * One file per step: `issue-intake` (is the label consent?), `start-issue-execution`, `classify-issue`,
 * `propose-change` (asks the model) and `open-pull-request` (commits, opens), `post-status`; `agent-steps` holds
 * what they share.
 */
export class AgentWork {
  constructor(
    private readonly ports: AgentWorkPorts,
    private readonly agent: AgentConfig | undefined,
    private readonly reportSecret?: string,
  ) {}

  /** An `issues.opened` / `issues.labeled` delivery: start an execution when the label is consent. */
  onIssue(job: Job<DeliveryOf<'issue'>>, context: RepoContext, github: GitHubAdapter): Promise<void> {
    return startFromIssue(this.ports, job, context, github);
  }

  /** `classify`: the class (labels, else a model), the owners of the likely paths, conflicts in flight. */
  classify(job: Job<EffectJob>, execution: ExecutionRecord): Promise<void> {
    return classifyIssue({ ports: this.ports, agent: this.agent }, job, execution);
  }

  /** `request_proposal`: the proposal (asked once), its edits applied, committed on a branch, the pull request opened. */
  propose(job: Job<EffectJob>, execution: ExecutionRecord): Promise<void> {
    return proposeWithAgent({ ports: this.ports, agent: this.agent, reportSecret: this.reportSecret }, job, execution);
  }

  /** `post_status`: the issue's one status comment, rendered from the execution as it is now. */
  postStatus(job: Job<EffectJob>, execution: ExecutionRecord): Promise<void> {
    return postStatus(this.ports, job, execution);
  }
}
