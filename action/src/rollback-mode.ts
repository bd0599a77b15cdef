import { command, deploymentId, lastLine, required, type ActionContext, type Outcome } from './action-context.js';

/** `mode: rollback`: runs the rollback command (after `/aaoe rollback`, or by hand) and says how it went. */
export async function runRollbackMode(ctx: ActionContext): Promise<Outcome> {
  ctx.commandEnv = {
    AAOE_MODE: 'rollback',
    AAOE_EXECUTION_ID: ctx.executionId,
    AAOE_SHA: ctx.payload?.sha ?? ctx.io.env.GITHUB_SHA ?? '',
    AAOE_ENVIRONMENT: ctx.payload?.environment ?? ctx.inputs.environment,
    AAOE_DEPLOYMENT_ID: String(deploymentId(ctx) ?? ''),
    AAOE_VERDICT: 'rollback',
  };
  const result = await command(ctx, 'rollback', required(ctx.inputs, 'rollback-command'));
  const ok = result.exitCode === 0;
  await ctx.io.appendSummary(
    `## AAOE rollback: ${ok ? '✅ done' : '❌ failed'}\n\nThe rollback command exited with ${result.exitCode}.\n\n\`\`\`text\n${result.output.trimEnd()}\n\`\`\`\n`,
  );
  return ok
    ? {
        verdict: 'rolled-back',
        outcome: 'success',
        title: 'Rolled back on request',
        reason: 'the rollback command succeeded',
      }
    : {
        verdict: 'error',
        outcome: 'failure',
        title: `The rollback command failed (exit ${result.exitCode})`,
        reason: lastLine(result.output),
      };
}
