import { z } from 'zod';
import { USAGE_FORMATS } from './agent-usage.js';

/**
 * The action's inputs (`action.yml`), validated. `read` gives an input's raw text ('' when not set), as
 * `@actions/core`'s `getInput` does; every problem is reported at once, with the input's name.
 */

const text = z.string().min(1);
const seconds = z.coerce.number().positive();
const optional = <T extends z.ZodType>(schema: T) => schema.optional();

export const Mode = z.enum(['canary', 'health', 'rollback', 'policy', 'agent']);
export type Mode = z.infer<typeof Mode>;

const InputFields = z.strictObject({
  mode: Mode.default('canary'),
  'deploy-command': optional(text),
  'promote-command': optional(text),
  'rollback-command': optional(text),
  'canary-percent': optional(z.coerce.number().gt(0).max(100)),
  'execution-id': optional(text),
  'policy-file': text.default('.github/aaoe.yml'),
  'change-file': optional(text),
  'window-seconds': optional(seconds),
  'error-rate-increase': optional(z.coerce.number().positive()),
  'latency-increase-ms': optional(z.coerce.number().nonnegative()),
  'interval-seconds': seconds.default(60),
  'step-seconds': seconds.default(10),
  'failure-limit': z.coerce.number().int().nonnegative().default(0),
  'inconclusive-limit': z.coerce.number().int().nonnegative().default(0),
  alpha: z.coerce.number().gt(0).lt(0.5).default(0.005),
  'on-inconclusive': z.enum(['rollback', 'fail']).default('rollback'),
  provider: z.enum(['prometheus', 'http', 'command']).default('prometheus'),
  'prometheus-url': optional(z.url()),
  'prometheus-token': optional(text),
  'error-rate-query': optional(text),
  'latency-query': optional(text),
  'requests-query': optional(text),
  'metrics-url': optional(z.url()),
  'metrics-command': optional(text),
  'deployment-id': optional(z.coerce.number().int().positive()),
  'github-token': optional(text),
  'report-url': optional(z.url()),
  'report-secret': optional(text),
  'agent-command': optional(text),
  'usage-format': z.enum(USAGE_FORMATS).default('none'),
  'price-per-mtok': optional(
    z.string().regex(/^\s*\d{1,6}(\.\d{1,6})?\s*,\s*\d{1,6}(\.\d{1,6})?\s*$/, 'input,output USD per million tokens'),
  ),
  environment: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'an environment name')
    .default('production'),
});

export const Inputs = InputFields.superRefine((v, ctx) => {
  const need = (name: keyof typeof v, why: string) => {
    if (v[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: `${name} is required ${why}` });
  };
  if (v.mode === 'canary') {
    need('deploy-command', 'in canary mode');
    need('promote-command', 'in canary mode');
  }
  if (v.mode === 'agent') {
    need('agent-command', 'in agent mode');
    need('report-url', 'in agent mode');
    need('report-secret', 'in agent mode');
  }
  if (v.mode === 'canary' || v.mode === 'rollback') need('rollback-command', `in ${v.mode} mode`);
  if (v.mode === 'canary' || v.mode === 'health') {
    if (v.provider === 'prometheus') need('prometheus-url', 'with the prometheus provider');
    if (v.provider === 'http') need('metrics-url', 'with the http provider');
    if (v.provider === 'command') need('metrics-command', 'with the command provider');
    if (v.provider === 'prometheus' && v['error-rate-query'] === undefined && v['latency-query'] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['error-rate-query'],
        message: 'the prometheus provider needs error-rate-query, latency-query or both',
      });
    }
  }
});
export type Inputs = z.infer<typeof Inputs>;

export const INPUT_NAMES = Object.keys(InputFields.shape) as (keyof Inputs)[];

export type InputsRead = { ok: true; inputs: Inputs } | { ok: false; errors: string[] };

export function readInputs(read: (name: string) => string): InputsRead {
  const raw: Record<string, string> = {};
  for (const name of INPUT_NAMES) {
    const value = read(name).trim();
    if (value !== '') raw[name] = value;
  }
  const parsed = Inputs.safeParse(raw);
  if (parsed.success) return { ok: true, inputs: parsed.data };
  return { ok: false, errors: parsed.error.issues.map((i) => `input ${String(i.path[0] ?? '')}: ${i.message}`) };
}
