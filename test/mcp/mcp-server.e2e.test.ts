import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getExecution } from '../../src/adapters/store/executions.js';
import { AaoeApiClient } from '../../src/mcp/api-client.js';
import { createMcpServer } from '../../src/mcp/mcp-server.js';
import { AGENT, OWNER, REPO, startAgentHarness, type AgentHarness } from '../api/agent-harness.js';

/**
 * `aaoe mcp` against the real app: the MCP SDK's own `Client` talks to the server (in process, and as the real
 * `aaoe mcp` command over stdio), which calls the control-plane API with the caller's token. An agent proposes
 * and reads status; its approve is refused with the app's reason; a person's token with the permission approves.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let h: AgentHarness;

beforeAll(async () => {
  h = await startAgentHarness();
});
afterAll(async () => {
  await h?.closeAll();
});

async function inProcessClient(token: string): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(new AaoeApiClient({ url: h.url, token })).connect(serverSide);
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

const text = (result: any): string => result.content.map((c: any) => c.text).join('\n');
const json = (result: any): any => {
  expect(result.isError, text(result)).toBeFalsy();
  return JSON.parse(text(result));
};

describe('the MCP server', () => {
  let executionId = '';

  it('lists the tools with their input schemas', async () => {
    const client = await inProcessClient(h.tokens[AGENT]!);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'approve',
      'generate_packages',
      'list_executions',
      'pause',
      'propose',
      'resume',
      'rollback',
      'schedule',
      'status',
    ]);
    expect(tools.find((t) => t.name === 'propose')!.inputSchema).toMatchObject({
      type: 'object',
      required: ['repo', 'task'],
    });
    await client.close();
  });

  it('an agent proposes a task and reads its status; its approve is refused with the reason', async () => {
    h.scriptTask();
    const client = await inProcessClient(h.tokens[AGENT]!);
    const proposed = json(
      await client.callTool({
        name: 'propose',
        arguments: { repo: `${OWNER}/${REPO}`, task: 'Add a health check module.' },
      }),
    );
    executionId = proposed.execution.id;
    expect(proposed.issue.number).toBeGreaterThan(0);
    await h.runtime.idle();

    const status = json(await client.callTool({ name: 'status', arguments: { executionId } }));
    expect(status).toMatchObject({
      id: executionId,
      state: 'awaiting_approval',
      policy: { conclusion: 'action_required' },
    });
    expect(status.pullRequest).toBeGreaterThan(0);

    const refused = await client.callTool({ name: 'approve', arguments: { executionId, sha: status.headSha } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(
      /^AAOE refused \(403 refused\): @my-agent\[bot\] is an agent identity \(a Bot account\): agents may propose and read, never approve \(bounded autonomy\)/,
    );
    expect(
      json(await client.callTool({ name: 'list_executions', arguments: { repo: `${OWNER}/${REPO}` } })).executions.map(
        (x: any) => x.id,
      ),
    ).toContain(executionId);
    // holding an approved change back is a person's decision (issue 19): the agent's schedule is refused, saying why
    const notBefore = new Date(Date.now() + 86_400_000).toISOString();
    const scheduled = await client.callTool({ name: 'schedule', arguments: { executionId, notBefore } });
    expect(scheduled.isError).toBe(true);
    expect(text(scheduled)).toMatch(/agents may not schedule \(hold\) a deployment/);
    // change packages of a plan step, rendered from its templates
    // the step's repository must be one the caller can read on an installation of AAOE (issue 19, hole 6)
    const plan = readFileSync(join(ROOT, 'test/fixtures/plans/diamond.yml'), 'utf8').replaceAll(
      'acme/invoicing',
      `${OWNER}/${REPO}`,
    );
    const generated = json(await client.callTool({ name: 'generate_packages', arguments: { plan, step: 'schema' } }));
    expect(generated).toMatchObject({ plan: 'split-invoicing', step: 'schema' });
    expect(generated.packages.length).toBeGreaterThan(0);
    expect(generated.packages[0]).toMatchObject({
      risk: expect.stringMatching(/^(low|medium|high|critical)$/),
      content: expect.any(String),
    });
    const unknown = await client.callTool({ name: 'generate_packages', arguments: { plan, step: 'nope' } });
    expect(text(unknown)).toMatch(/no step "nope" in plan split-invoicing/);
    // the SDK checks the input against the tool's zod schema before the API is called
    const invalid = await client.callTool({ name: 'status', arguments: { executionId: 'not-an-id' } });
    expect(invalid.isError).toBe(true);
    await client.close();
    expect(h.sim.rejections).toEqual([]);
  });

  it('a person with write permission approves through MCP, and the aaoe/policy check turns green', async () => {
    const client = await inProcessClient(h.tokens['wendy-writer']!);
    const head = (await getExecution(h.runtime.db, executionId))!.headSha!;
    const approved = json(await client.callTool({ name: 'approve', arguments: { executionId, sha: head } }));
    expect(approved).toMatchObject({ executionId, verb: 'approve' });
    await h.runtime.idle();
    const x = (await getExecution(h.runtime.db, executionId))!;
    expect(x.state).toBe('approved');
    const runs = h.sim
      .checkRuns({ owner: OWNER, repo: REPO })
      .filter((r: any) => r.head_sha === x.headSha && r.name === 'aaoe/policy');
    expect((runs.at(-1) as any).conclusion).toBe('success');
    await client.close();
  });

  it("`aaoe mcp` over stdio: the real command serves the same tools, and refuses an agent's rollback", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', 'src/cli/aaoe.ts', 'mcp'],
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', AAOE_URL: h.url, AAOE_TOKEN: h.tokens[AGENT]! },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'test-agent', version: '1.0.0' });
    await client.connect(transport);
    expect((await client.listTools()).tools).toHaveLength(9);
    const status = json(await client.callTool({ name: 'status', arguments: { executionId } }));
    expect(status.state).toBe('approved');
    const refused = await client.callTool({ name: 'rollback', arguments: { executionId } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/never rollback \(bounded autonomy\)/);
    await client.close();
  }, 30_000);
});
