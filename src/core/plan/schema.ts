import { z } from 'zod';
import { CHANGE_PACKAGE_TYPES } from '../policy/schema.js';

/**
 * The plan file (`plans/*.yml` in an organisation's architecture repository): a multi-repository change as a
 * DAG of steps, each a governed execution in its repository, with a plan-level policy that paces them.
 *
 * Every object is strict: an unknown key is an error that names the allowed keys. Cross-field rules (step ids
 * unique, `dependsOn` known, no cycle, windows and templates defined) are checked by `checkPlan`, which can say
 * where in the file the problem is.
 */

const Id = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'an id: lowercase letters, digits and dashes, starting with a letter or digit, at most 63 characters',
  );

/** `owner/name`, as GitHub spells repositories. */
export const Repository = z
  .string()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/,
    'a repository as owner/name, for example acme/billing',
  );

/** A team as `org/team-slug` (a leading `@`, as in CODEOWNERS, is allowed). */
export const Team = z
  .string()
  .regex(
    /^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/,
    'a team as org/team-slug, for example acme/payments',
  );

export const PACKAGE_TYPES = CHANGE_PACKAGE_TYPES;
export const PackageType = z.enum(PACKAGE_TYPES);
export type PackageType = z.infer<typeof PackageType>;

/** A value a template can insert: one line of text, a number or a boolean. */
export const TemplateValue = z.union([z.string(), z.number(), z.boolean()]);
export type TemplateValue = z.infer<typeof TemplateValue>;

export const Template = z.strictObject({
  type: PackageType,
  /** The artefact's text with `{{ name }}` placeholders (see docs/plans.md). */
  text: z.string().min(1),
});
export type Template = z.infer<typeof Template>;

export const StepPackage = z.strictObject({
  /** The name of a template under the plan's `templates`. */
  template: z.string().min(1),
  /** Where the rendered artefact goes in the step's repository. */
  path: z
    .string()
    .min(1)
    .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$)).+$/, 'a relative path inside the repository, without `..`'),
  /** Values for the template's placeholders. */
  values: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a value name: letters, digits and underscores'),
      TemplateValue,
    )
    .default({}),
});
export type StepPackage = z.infer<typeof StepPackage>;

/** A change ready to be proposed as written (no model is asked). */
export const ReadyChange = z.strictObject({
  title: z.string().min(1).max(256),
  files: z.array(z.strictObject({ path: z.string().min(1), content: z.string() })).min(1),
});

export const Step = z.strictObject({
  id: Id,
  repository: Repository,
  /** What the agent is asked to do (the issue text of the step's execution). */
  task: z.string().min(1).optional(),
  /** A change ready to be proposed as written. */
  change: ReadyChange.optional(),
  team: Team,
  dependsOn: z.array(z.string().min(1)).default([]),
  environment: z.string().min(1).max(255).default('production'),
  /** The name of a window under the plan's `windows`: the step starts only while it is open. */
  window: z.string().min(1).optional(),
  rollout: z.enum(['canary', 'direct']).default('canary'),
  /** Globs of the paths the step will touch: used to find conflicts with executions in flight. */
  paths: z.array(z.string().min(1)).default([]),
  packages: z.array(StepPackage).default([]),
});
export type Step = z.infer<typeof Step>;

const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24 hours)');
export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** A weekly window: on these days, from `from` to `to` (local time of `timezone`; `to` before `from` crosses midnight). */
export const Window = z.strictObject({
  days: z
    .array(z.enum(DAYS))
    .min(1)
    .default([...DAYS]),
  from: Time,
  to: Time,
  /** An IANA time zone, for example Europe/Berlin. */
  timezone: z.string().min(1).default('UTC'),
});
export type Window = z.infer<typeof Window>;

export const PlanPolicy = z.strictObject({
  /** Steps running at once, across the plan. */
  maxParallel: z.int().positive().default(1),
  /** No step starts after this instant (ISO 8601 with an offset, for example 2026-12-31T18:00:00Z). */
  deadline: z.iso.datetime({ offset: true }).optional(),
  /** Steps one team may start in any 7 days. */
  velocity: z.strictObject({ perTeamPerWeek: z.int().positive() }).optional(),
});
export type PlanPolicy = z.infer<typeof PlanPolicy>;

export const Plan = z.strictObject({
  id: Id,
  goal: z.string().min(1),
  policy: PlanPolicy.default({ maxParallel: 1 }),
  windows: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a window name: lowercase letters, digits and dashes'), Window)
    .default({}),
  templates: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a template name: lowercase letters, digits and dashes'), Template)
    .default({}),
  steps: z.array(Step).min(1),
});
export type Plan = z.infer<typeof Plan>;
export type PlanInput = z.input<typeof Plan>;
