import { z } from 'zod';
import { AgentName, BUILT_IN_AGENT } from '../../contracts/agent-result.js';

/**
 * Bring your own agent (issue 26): which coding agent works on an issue, per task class. `aaoe` is AAOE's own model;
 * any other name runs in the repository's workflow `.github/workflows/aaoe-agent-<name>.yml` (a protected path, where
 * the agent's command is set). The cost caps (`cost:`) apply to every agent alike.
 */
export const AgentChoicePolicy = z.strictObject({
  default: AgentName.default(BUILT_IN_AGENT).describe(
    "The agent for a task of no listed class: `aaoe` (AAOE's own model) or a name whose workflow `.github/workflows/aaoe-agent-<name>.yml` runs it.",
  ),
  tasks: z
    .partialRecord(z.enum(['feature', 'bug', 'infra', 'ops', 'docs']), AgentName)
    .default({})
    .describe('The agent per task class (feature, bug, infra, ops, docs), for example `docs: claude`.'),
  timeLimitMinutes: z
    .int()
    .positive()
    .max(360)
    .default(30)
    .describe("How long an agent job's command may run before the action stops it."),
});
export type AgentChoicePolicy = z.infer<typeof AgentChoicePolicy>;
