import type { Finding } from '../../core/policy/evaluation.js';
import type { CheckRunPlan, Octokit, RepoRef } from './github-facts.js';

/** Check runs: posting one (annotations in batches), finding one an earlier attempt created, replacing its result. */

/** GitHub accepts at most 50 annotations per request; more go in follow-up updates. */
export const ANNOTATIONS_PER_REQUEST = 50;

/** Posts a completed check run; annotations beyond the first 50 are appended by updates. Returns its id. */
export async function postCheckRun(octokit: Octokit, repo: RepoRef, plan: CheckRunPlan): Promise<number> {
  const annotations = plan.findings.map(toAnnotation);
  const batches: (typeof annotations)[] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST)
    batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  const output = { title: plan.title, summary: plan.summary };
  const { data } = await octokit.rest.checks.create({
    ...repo,
    name: plan.name,
    head_sha: plan.headSha,
    ...completion(plan),
    ...(plan.detailsUrl ? { details_url: plan.detailsUrl } : {}),
    ...(plan.externalId ? { external_id: plan.externalId } : {}),
    ...(plan.actions?.length ? { actions: plan.actions } : {}),
    output: { ...output, ...(batches[0] ? { annotations: batches[0] } : {}) },
  });
  for (const batch of batches.slice(1)) {
    await octokit.rest.checks.update({
      ...repo,
      check_run_id: data.id,
      output: { ...output, annotations: batch },
    });
  }
  return data.id;
}

/** The check run named `name` on `headSha` carrying `externalId`, if one was created (by an attempt that then died). */
export async function findCheckRun(
  octokit: Octokit,
  repo: RepoRef,

  headSha: string,
  name: string,
  externalId: string,
): Promise<{ id: number; annotations: number } | undefined> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
    ...repo,
    ref: headSha,
    check_name: name,
    filter: 'all',
    per_page: 100,
  });
  const run = runs.find((r) => r.external_id === externalId);
  return run && { id: run.id, annotations: run.output.annotations_count };
}

/**
 * Replaces the result of an existing check run. Annotations are sent only when `withAnnotations` (GitHub
 * appends annotations, so a run that has them already would get them twice).
 */
export async function updateCheckRun(
  octokit: Octokit,
  repo: RepoRef,
  id: number,
  plan: CheckRunPlan,
  withAnnotations: boolean,
): Promise<number> {
  const annotations = withAnnotations ? plan.findings.map(toAnnotation) : [];
  const output = { title: plan.title, summary: plan.summary };
  for (let i = 0; i === 0 || i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
    const batch = annotations.slice(i, i + ANNOTATIONS_PER_REQUEST);
    await octokit.rest.checks.update({
      ...repo,
      check_run_id: id,
      ...(i === 0
        ? {
            ...completion(plan),
            ...(plan.detailsUrl ? { details_url: plan.detailsUrl } : {}),
            actions: plan.actions ?? [],
          }
        : {}),
      output: { ...output, ...(batch.length > 0 ? { annotations: batch } : {}) },
    });
  }
  return id;
}

/** A check run's status fields: completed with its conclusion, or in progress while it waits. */
function completion(plan: CheckRunPlan) {
  return plan.conclusion === 'waiting'
    ? { status: 'in_progress' as const }
    : { status: 'completed' as const, conclusion: plan.conclusion, completed_at: new Date().toISOString() };
}

function toAnnotation(finding: Finding) {
  const sameLine = finding.startLine === finding.endLine;
  return {
    path: finding.path,
    start_line: finding.startLine,
    end_line: finding.endLine,
    ...(sameLine && finding.startColumn !== undefined ? { start_column: finding.startColumn } : {}),
    ...(sameLine && finding.endColumn !== undefined ? { end_column: finding.endColumn } : {}),
    annotation_level: finding.level,
    title: finding.rule,
    message: finding.message,
  };
}
