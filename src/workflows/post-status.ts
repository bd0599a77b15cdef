import { getExecution, markDone, type EffectJob } from '../adapters/store/executions.js';
import type { Job } from '../adapters/store/job-shapes.js';
import { executionModelCost } from '../adapters/store/model-calls.js';
import type { ExecutionRecord } from '../core/execution/records.js';
import { renderStatusComment, STATUS_MARKER } from '../core/text/status-comment.js';
import type { AgentWorkPorts } from './agent-ports.js';

/** How often `post_status` tries for its turn (about 100 ms apart) before its job is retried with backoff. */
const STATUS_WAIT_TURNS = 40;

/** `post_status`: the issue's one status comment, rendered from the execution as it is now. */
export async function postStatus(
  ports: AgentWorkPorts,
  job: Job<EffectJob>,
  execution: ExecutionRecord,
): Promise<void> {
  const db = ports.runtime.db;
  const { issue, work } = execution;
  if (issue === null || !work) {
    // a pull request's execution shows its status in the `aaoe/policy` check its evaluation posts
    await db.transaction((tx) => markDone(tx, job.key, execution.id));
    return;
  }
  // one writer per issue at a time: two jobs that both find no comment would post two. A writer finishes within a
  // request or two, so the other waits briefly for its turn here, and only after that is retried with backoff
  const write = () =>
    db.exclusive(`status:${execution.id}`, async () => {
      const latest = (await getExecution(db, execution.id)) ?? execution;
      const { github } = await ports.connect(latest.installationId, latest.repo, job.data.traceId, latest.id);
      const body = renderStatusComment({
        executionId: latest.id,
        traceId: latest.traceId,
        state: latest.state,
        work: latest.work ?? work,
        pullRequest: latest.pullRequest === null ? null : { number: latest.pullRequest },
        cost: await executionModelCost(db, latest.id),
      });
      const commentId = await github.upsertComment(issue, STATUS_MARKER, body, await ports.botLogin());
      await db.transaction((tx) => markDone(tx, job.key, execution.id, { commentId, state: latest.state }));
    });
  for (let turn = 0; turn < STATUS_WAIT_TURNS; turn++) {
    if ((await write()).ran) return;
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
  }
  throw new Error(`the status comment of execution ${execution.id} is being written by another job; retried`);
}
