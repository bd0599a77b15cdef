import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { AaoeApiClient, ApiCallResult } from './api-client.js';

/**
 * `aaoe mcp`: the control-plane API as MCP tools, for agents. A thin client: each tool is one API call with the
 * caller's GitHub token, and the app decides who may do what. An agent identity can propose, list and read;
 * `approve`, `resume` and `rollback` come back refused (bounded autonomy), as a tool error whose text is the
 * app's reason. A person's token gets the same rights as their `/aaoe` comments.
 */

export const MCP_SERVER_NAME = 'aaoe';

const ExecutionId = z.uuid().describe('The execution id (from propose or list_executions).');
const Repo = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, 'owner/name')
  .describe('The repository, owner/name.');

export function createMcpServer(client: AaoeApiClient, version = '1.0.0'): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version });
  registerTaskTools(server, client);
  registerPlanningTools(server, client);
  registerDecisionTools(server, client);
  return server;
}

/** propose, status, list_executions: starting work and following it. */
function registerTaskTools(server: McpServer, client: AaoeApiClient): void {
  server.registerTool(
    'propose',
    {
      title: 'Propose a task',
      description:
        "Ask AAOE to do a task in a repository: it opens an issue with the task and starts its execution (triage, a proposal from the model, a pull request judged by the aaoe/policy check). Needs write permission (the policy's trigger.permissions). Returns the execution and the issue.",
      inputSchema: {
        repo: Repo,
        task: z.string().min(1).max(20_000).describe('What to do, in words (the issue body).'),
        title: z.string().min(1).max(256).optional().describe("The issue's title; default: the task's first line."),
      },
    },
    async ({ repo, task, title }) => toolResult(await client.execute({ repo, task, title })),
  );

  server.registerTool(
    'status',
    {
      title: 'Execution status',
      description:
        'Where an execution stands: its state, the latest policy evaluation (conclusion and gates), approvals, cost and the audit timeline.',
      inputSchema: { executionId: ExecutionId },
      annotations: { readOnlyHint: true },
    },
    async ({ executionId }) => toolResult(await client.status(executionId)),
  );

  server.registerTool(
    'list_executions',
    {
      title: 'List executions',
      description: 'The executions of a repository you can read, newest first.',
      inputSchema: { repo: Repo },
      annotations: { readOnlyHint: true },
    },
    async ({ repo }) => toolResult(await client.listExecutions(repo)),
  );
}

/** schedule, generate_packages: when a change deploys, and the change packages of a plan step. */
function registerPlanningTools(server: McpServer, client: AaoeApiClient): void {
  server.registerTool(
    'schedule',
    {
      title: 'Schedule a deployment',
      description:
        "Deploy the change not before a time (ISO 8601 with an offset, at most 7 days ahead), and still only inside the policy's change windows. Allowed to a person who may start agent work in the repository (never to an agent identity), until the change is dispatched.",
      inputSchema: {
        executionId: ExecutionId,
        notBefore: z.string().describe('An ISO 8601 date-time with an offset, e.g. 2026-12-01T09:00:00Z.'),
      },
    },
    async ({ executionId, notBefore }) => toolResult(await client.schedule(executionId, notBefore)),
  );

  server.registerTool(
    'generate_packages',
    {
      title: 'Generate change packages',
      description:
        "Render a plan step's change packages (migration script, Terraform, Helm values, gateway route, feature flag, event schema) from the plan's templates, each with its risk weight. Nothing is written.",
      inputSchema: {
        plan: z.string().min(1).describe('The plan file as text (schemas/plan.schema.json).'),
        step: z.string().min(1).describe('The id of a step of the plan.'),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ plan, step }) => toolResult(await client.generatePackages({ plan, step })),
  );
}

/** approve, pause, resume, rollback: decisions, refused for agent identities (bounded autonomy). */
function registerDecisionTools(server: McpServer, client: AaoeApiClient): void {
  server.registerTool(
    'approve',
    {
      title: 'Approve an execution',
      description:
        "Approve the change at the head commit you reviewed (sha: 7 to 40 hex digits); refused when the pull request's head is another commit now. Only a person with the policy's approval permission who did not author or ask for the change, with a token AAOE's own GitHub App issued (AAOE_TOKEN, never GITHUB_TOKEN); refused for agents.",
      inputSchema: {
        executionId: ExecutionId,
        sha: z
          .string()
          .regex(/^[0-9a-fA-F]{7,40}$/, '7 to 40 hex digits')
          .describe('The head commit you approve, as the aaoe/policy check shows it.'),
      },
    },
    async ({ executionId, sha }) => toolResult(await client.verb(executionId, 'approve', sha)),
  );

  const verbs = {
    pause: 'Pause the execution. Needs the approval permission.',
    resume: 'Resume a paused execution (an admin also lifts a circuit-breaker freeze). Refused for agents.',
    rollback: 'Roll back the deployment. Refused for agents.',
  } as const;
  for (const [verb, description] of Object.entries(verbs) as Array<[keyof typeof verbs, string]>) {
    server.registerTool(
      verb,
      {
        title: `${verb.charAt(0).toUpperCase()}${verb.slice(1)} an execution`,
        description,
        inputSchema: { executionId: ExecutionId },
        annotations: { destructiveHint: verb === 'rollback' },
      },
      async ({ executionId }) => toolResult(await client.verb(executionId, verb)),
    );
  }
}

/** The API's answer as a tool result: its JSON, or a tool error that says why the app refused. */
export function toolResult(result: ApiCallResult): CallToolResult {
  if (result.ok) return { content: [{ type: 'text', text: JSON.stringify(result.body, null, 2) }] };
  return {
    isError: true,
    content: [
      { type: 'text', text: `AAOE refused (${result.status || 'no answer'} ${result.code}): ${result.message}` },
    ],
  };
}
