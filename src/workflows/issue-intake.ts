import type { GitHubAdapter } from '../adapters/github/github-adapter.js';
import type { IssueFacts } from '../adapters/github/github-facts.js';
import type { RepoContext } from '../adapters/github/repo-context.js';
import { appendAudit } from '../adapters/store/audit-log.js';
import { isDone, markDone } from '../adapters/store/executions.js';
import type { Job } from '../adapters/store/job-shapes.js';
import { decideLabelConsent, type LabelConsent, type LabelConsentFacts } from '../core/decisions/label-consent.js';
import { CONSENT_MARKER } from '../core/text/consent-comment.js';
import type { AgentWorkPorts } from './agent-ports.js';
import { consentAudit } from './agent-steps.js';
import type { DeliveryOf } from './jobs.js';
import { startIssueExecution } from './start-issue-execution.js';

/**
 * An `issues.opened` / `issues.labeled` delivery: start an execution when the label is consent. Gathers the facts
 * the decision asks for (`decideLabelConsent`), then applies it: a comment, an audit entry, or the execution.
 */
export async function startFromIssue(
  ports: AgentWorkPorts,
  job: Job<DeliveryOf<'issue'>>,
  context: RepoContext,
  github: GitHubAdapter,
): Promise<void> {
  const facts = job.data.issue;
  const key = `${job.key}:issue:${facts.number}`;
  const db = ports.runtime.db;
  if (await isDone(db, key)) return;
  const log = context.log.child({ issue: facts.number });
  const done = async (why: string) => {
    log.info(why);
    await db.transaction((tx) => markDone(tx, key, null, { ignored: why }));
  };

  const repoPolicy = await ports.policyFor(context);
  const sender = job.data.sender ?? 'ghost';
  const gathered: LabelConsentFacts = {
    trigger: repoPolicy.ok ? repoPolicy.policy.trigger : null,
    action: job.data.action,
    issue: facts,
    sender,
    senderType: job.data.senderType,
  };
  const { decision, issue } = await gatherAndDecide(github, facts.number, gathered);
  switch (decision.kind) {
    case 'ignore':
      return done(decision.why);
    case 'refuse':
      await github.upsertComment(facts.number, CONSENT_MARKER, decision.comment, await ports.botLogin());
      return done(decision.why);
    case 'void':
      await github.upsertComment(facts.number, CONSENT_MARKER, decision.comment, await ports.botLogin());
      await db.transaction(async (tx) => {
        if (!(await markDone(tx, key, null, { ignored: 'the issue changed after the consent' }))) return;
        await appendAudit(tx, consentAudit(null, job.data.id, decision.decided, decision.consent, facts.number));
      });
      log.info({ labelledBy: sender }, 'the issue changed after the consent: not started');
      return;
    case 'start': {
      if (!issue) throw new Error('consent is decided on the issue as read');
      await github.addReaction(facts.number, 'eyes');
      const { owner, repo } = context.repo();
      const { outcome, refused } = await startIssueExecution(ports, {
        key,
        repo: `${owner}/${repo}`,
        installationId: job.data.installationId,
        issue,
        consentBy: sender,
        traceId: job.data.id,
        consent: decision.consent,
      });
      if (refused) await github.upsertComment(facts.number, CONSENT_MARKER, refused, await ports.botLogin());
      log.info({ labelledBy: sender, role: decision.role }, outcome);
      return;
    }
  }
}

/**
 * The decision on the facts it asks for: the sender's permission, then the issue as it reads now (kept: the
 * execution starts on it), each read from GitHub only when the decision needs it.
 */
async function gatherAndDecide(
  github: GitHubAdapter,
  number: number,
  known: LabelConsentFacts,
): Promise<{ decision: Exclude<LabelConsent, { kind: 'need' }>; issue: IssueFacts | undefined }> {
  let facts = known;
  let issue: IssueFacts | undefined;
  for (;;) {
    const decision = decideLabelConsent(facts);
    if (decision.kind !== 'need') return { decision, issue };
    if (decision.fact === 'role') facts = { ...facts, role: await github.getRole(facts.sender) };
    else facts = { ...facts, current: (issue = await github.getIssue(number)) };
  }
}
