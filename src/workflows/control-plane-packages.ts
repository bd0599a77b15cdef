import { randomUUID } from 'node:crypto';
import { parseDocument } from 'yaml';
import type { ApiUser } from '../adapters/github/github-access.js';
import type { GeneratePackagesRequest, GeneratedPackages } from '../contracts/api.js';
import { formatPlanError, loadPlan } from '../core/plan/load-plan.js';
import { PACKAGE_RISK, renderStepPackages } from '../core/plan/render-package.js';
import { Repository as PlanRepository } from '../core/plan/schema.js';
import { apiError, notFoundRepo, readable, type Answer, type ControlPlanePorts } from './control-plane-access.js';

/**
 * `POST /api/v1/packages`: a plan step's change packages, rendered from the plan's templates (nothing is written).
 * Only for a user who can read the step's repository on an installation of AAOE (404 otherwise, before anything is
 * rendered); the rendering is bounded (`RENDER_LIMITS`), so no request holds the process.
 */
export async function generatePackages(
  ports: ControlPlanePorts,
  user: ApiUser,
  request: GeneratePackagesRequest,
): Promise<Answer<GeneratedPackages>> {
  // who may ask is decided first, from the step's repository as the YAML names it (loading the plan renders templates)
  const named = stepRepository(request.plan, request.step);
  if (named && !(await readable(ports, user, named, randomUUID()))) return notFoundRepo(named);
  const loaded = loadPlan(request.plan, request.file ?? 'plan.yml');
  if (!loaded.ok) return apiError(400, 'invalid_request', loaded.errors.slice(0, 5).map(formatPlanError).join('\n'));
  const step = loaded.plan.steps.find((s) => s.id === request.step);
  if (!step)
    return apiError(
      400,
      'invalid_request',
      `step: no step "${request.step}" in plan ${loaded.plan.id} (steps: ${loaded.plan.steps
        .slice(0, 20)
        .map((s) => s.id)
        .join(', ')})`,
    );
  if (step.repository !== named && !(await readable(ports, user, step.repository, randomUUID())))
    return notFoundRepo(step.repository);
  const rendered = renderStepPackages(loaded.plan, step);
  if (!rendered.ok) {
    const listed = rendered.errors.map((e) => `${e.template}:${e.line}:${e.column}: ${e.message}. Fix: ${e.hint}`);
    if (rendered.more) listed.push(`...and ${rendered.more} more not listed (fix these first)`);
    return apiError(400, 'invalid_request', listed.join('\n'));
  }
  return {
    status: 200,
    body: {
      plan: loaded.plan.id,
      step: step.id,
      packages: rendered.packages.map((p) => ({
        path: p.path,
        type: p.type,
        template: p.template,
        risk: PACKAGE_RISK[p.type].level,
        content: p.content,
      })),
    },
  };
}

/**
 * The repository of step `stepId` of a plan's YAML, read without loading the plan (which renders its templates), so
 * the caller's access is checked before any work on the plan; undefined when the text does not name one plainly.
 */
function stepRepository(text: string, stepId: string): string | undefined {
  let value: unknown;
  try {
    value = parseDocument(text, { logLevel: 'silent' }).toJS({ maxAliasCount: 100 });
  } catch {
    return undefined;
  }
  const steps = typeof value === 'object' && value !== null ? (value as { steps?: unknown }).steps : undefined;
  if (!Array.isArray(steps)) return undefined;
  const step = steps.find(
    (s): s is { repository?: unknown } => typeof s === 'object' && s !== null && (s as { id?: unknown }).id === stepId,
  );
  const parsed = PlanRepository.safeParse(step?.repository);
  return parsed.success ? parsed.data : undefined;
}
