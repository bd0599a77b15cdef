import { readFileSync } from 'node:fs';
import { Change } from '../../src/core/policy/change.js';
import { evaluatePolicy } from '../../src/core/policy/evaluate-policy.js';
import { explainEvaluation } from '../../src/core/policy/explain.js';
import { readPolicy, type ActionContext, type Outcome } from './action-context.js';

/** `mode: policy`: validates the policy file and, given a change file, evaluates the change against it. */
export async function runPolicyMode(ctx: ActionContext): Promise<Outcome> {
  const { io, inputs } = ctx;
  const policy = readPolicy(inputs['policy-file'], io, { required: true });
  if (!policy.ok) {
    for (const e of policy.errors) io.error(e, 'AAOE policy: invalid');
    await io.appendSummary(`## AAOE policy: ❌ invalid\n\n${policy.errors.map((e) => `- ${e}`).join('\n')}\n`);
    return { verdict: 'policy', outcome: 'failure', title: 'The policy is invalid', reason: policy.errors.join('; ') };
  }
  if (!inputs['change-file']) {
    await io.appendSummary(
      `## AAOE policy: ✅ valid\n\n\`${inputs['policy-file']}\` is a valid policy (\`${policy.policy.id ?? policy.policy.extends ?? 'policy'}\`).\n`,
    );
    return {
      verdict: 'policy',
      outcome: 'success',
      title: 'The policy is valid',
      reason: `${inputs['policy-file']} loads and resolves`,
    };
  }
  const change = Change.safeParse(JSON.parse(readFileSync(inputs['change-file'], 'utf8')));
  if (!change.success)
    throw new Error(
      `${inputs['change-file']} is not a change: ${change.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const evaluation = await evaluatePolicy(change.data, policy.policy);
  const text = explainEvaluation(evaluation, { policySource: `\`${inputs['policy-file']}\`` });
  await io.appendSummary(`## AAOE policy: ${text.title}\n\n${text.summary}\n`);
  if (evaluation.conclusion !== 'success') io.error(evaluation.title, 'AAOE policy');
  return {
    verdict: 'policy',
    outcome: evaluation.conclusion === 'success' ? 'success' : 'failure',
    title: evaluation.title,
    reason: evaluation.conclusion,
  };
}
