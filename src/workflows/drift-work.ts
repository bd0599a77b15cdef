import type { RepoContext } from '../adapters/github/repo-context.js';
import { GitHubAdapter } from '../adapters/github/github-adapter.js';
import {
  checkDrift,
  driftMarker,
  loadArchitectureModel,
  renderDriftIssue,
  type ArchitectureModel,
  type DriftFinding,
} from '../core/plan/drift.js';
import { formatPlanError } from '../core/plan/load-plan.js';
import type { Policy } from '../core/policy/schema.js';
import type { Database } from '../adapters/store/database.js';
import { claimDrift, driftChecksDue, recordDriftCheck, recordDriftIssue } from '../adapters/store/drift.js';
import { isDone, markDone } from '../adapters/store/executions.js';
import { QUEUES, type Job } from '../adapters/store/job-shapes.js';
import { type JobQueue } from '../adapters/store/job-queue.js';
import type { DeliveryJob, DeliveryOf } from './jobs.js';

/**
 * Drift on push: a push to a repository's default branch checks it against the architecture model its policy names
 * (`drift.model`, `owner/repo:path`, read from that repository's default branch through the same installation).
 * Each finding has a fingerprint; one open `aaoe-drift` issue per fingerprint, whatever the number of pushes: a
 * finding is claimed in the store first (`drift_issues`), so two pushes checked at once open one issue, and the
 * issue is found again by its hidden marker, so a job run again after a crash opens none twice. When the drift
 * issue was closed and the drift is still there, a later push opens a new one.
 */

export const DRIFT_LABEL = 'aaoe-drift';

export type DriftPorts = {
  runtime: { db: Database };
  now: () => Date;
  botLogin: () => Promise<string>;
  policyOf: (context: RepoContext) => Promise<{ ok: true; policy: Policy } | { ok: false }>;
};

export type DriftOutcome = { findings: number; opened: number[]; kept: number[]; skipped?: string };

export async function checkDriftOnPush(
  ports: DriftPorts,
  job: Job<DeliveryOf<'push'>>,
  context: RepoContext,
  github: GitHubAdapter,
): Promise<DriftOutcome | undefined> {
  const db = ports.runtime.db;
  const key = `${job.key}:drift`;
  if (await isDone(db, key)) return undefined;
  const done = async (outcome: DriftOutcome) => {
    await db.transaction((tx) => markDone(tx, key, null, outcome));
    return outcome;
  };
  const repoPolicy = await ports.policyOf(context);
  if (!repoPolicy.ok) return done({ findings: 0, opened: [], kept: [], skipped: 'the policy does not validate' });
  const ref = repoPolicy.policy.drift?.model;
  if (!ref) return done({ findings: 0, opened: [], kept: [], skipped: 'no drift.model in the policy' });
  const { owner, repo } = context.repo();
  const repository = `${owner}/${repo}`;
  const model = await readModel(context, github, repository, ref);
  if (!model.ok) return done({ findings: 0, opened: [], kept: [], skipped: model.skipped });
  const after = job.data.push.after ?? undefined;
  const findings = await checkDrift(model.model, repository, (r, path) =>
    r.toLowerCase() === repository.toLowerCase() ? github.readFile(path, after) : Promise.resolve(undefined),
  );
  await recordDriftCheck(db, repository, job.data.installationId, ports.now());
  const bot = await ports.botLogin();
  const opened: number[] = [];
  const kept: number[] = [];
  for (const finding of findings) {
    const issue = await issueFor(db, github, bot, repository, finding, job.key, ports.now());
    if (issue?.created) opened.push(issue.number);
    else if (issue) kept.push(issue.number);
  }
  return done({ findings: findings.length, opened, kept });
}

/** The architecture model `ref` (`owner/repo:path`) names, read and validated, or why there is none to check with. */
async function readModel(
  context: RepoContext,
  github: GitHubAdapter,
  repository: string,
  ref: string,
): Promise<{ ok: true; model: ArchitectureModel } | { ok: false; skipped: string }> {
  const [modelRepo = '', modelPath = ''] = ref.split(':');
  const [modelOwner = '', modelName = ''] = modelRepo.split('/');
  const modelSource =
    modelRepo.toLowerCase() === repository.toLowerCase()
      ? github
      : new GitHubAdapter(context.octokit, { owner: modelOwner, repo: modelName });
  const text = await modelSource.readFile(modelPath).catch((error: unknown) => {
    const status = (error as { status?: number } | null)?.status;
    if (status === 404 || status === 403) return undefined;
    throw error;
  });
  if (text === undefined)
    return {
      ok: false,
      skipped: `the architecture model ${ref} cannot be read (is the app installed on ${modelRepo}?)`,
    };
  const model = loadArchitectureModel(text, ref);
  if (model.ok) return { ok: true, model: model.model };
  context.log.warn(
    { model: ref, errors: model.errors.map(formatPlanError) },
    'the architecture model does not validate; no drift check',
  );
  const [first] = model.errors;
  const why = first ? formatPlanError(first) : 'no error given';
  return { ok: false, skipped: `the architecture model ${ref} does not validate: ${why}` };
}

/** How often a repository with a model is checked when nothing is pushed to it (the model may have changed). */
export const DRIFT_CHECK_INTERVAL_MS = 24 * 3_600_000;

/**
 * The daily check: every repository checked before (it has `drift.model`) and not checked for a day gets a drift
 * job, keyed by repository and day, so however many processes run this, each repository is checked once a day.
 */
export async function scheduleDriftChecks(runtime: { db: Database; queue: JobQueue }, now: Date): Promise<number> {
  const rows = await driftChecksDue(runtime.db, new Date(now.getTime() - DRIFT_CHECK_INTERVAL_MS));
  const day = now.toISOString().slice(0, 10);
  await runtime.db.transaction(async (tx) => {
    for (const row of rows) {
      const [owner = '', name = ''] = row.repo.split('/');
      const id = `drift-check:${row.repo}:${day}`;
      const job: DeliveryJob = {
        id,
        name: 'push',
        action: null,
        installationId: row.installationId,
        repository: { owner, name },
        sender: null,
        senderType: null,
        kind: 'push',
        push: { after: null },
      };
      await runtime.queue.enqueue(tx, QUEUES.delivery, `delivery:${id}`, job);
    }
  });
  if (rows.length > 0) runtime.queue.wake(QUEUES.delivery);
  return rows.length;
}

/** The open drift issue of a finding: found by its marker, or opened by the job that holds the finding's claim. */
async function issueFor(
  db: Database,
  github: GitHubAdapter,
  bot: string,
  repository: string,
  finding: DriftFinding,
  jobKey: string,
  now: Date,
): Promise<{ number: number; created: boolean } | undefined> {
  const open = await github.findOpenIssueWithMarker(driftMarker(finding.fingerprint), DRIFT_LABEL, bot);
  if (open) {
    await db.transaction((tx) => recordDriftIssue(tx, repository, finding.fingerprint, jobKey, open.number));
    return { number: open.number, created: false };
  }
  // none open: whoever claims the finding opens its issue; a claim on a closed issue (the drift came back) is taken over
  if (!(await db.transaction((tx) => claimDrift(tx, repository, finding.fingerprint, jobKey, now)))) return undefined;
  const rendered = renderDriftIssue(finding);
  const created = await github.createIssue({ title: rendered.title, body: rendered.body, labels: [DRIFT_LABEL] });
  await db.transaction((tx) => recordDriftIssue(tx, repository, finding.fingerprint, jobKey, created.number));
  return { number: created.number, created: true };
}
