import OpenAI from 'openai';
import { expect } from 'vitest';
import { ModelRouter, type ModelSpec } from '../../src/adapters/model/model-router.js';
import type { Proposal } from '../../src/core/agent/proposal.js';
import { FakeOpenAI } from '../core/agent/fake-openai.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';

/**
 * The real app with a model (a loopback OpenAI-compatible endpoint, scripted) and one repository, for the tests
 * where a task proposed through the API (or MCP) runs: triage, proposal, pull request, policy check.
 */

export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
export const MODEL: ModelSpec = { id: 'small-model', tier: 1, inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 };
export const AGENT = 'my-agent[bot]';

export type AgentHarness = Harness & {
  fake: FakeOpenAI;
  tokens: Record<string, string>;
  scriptTask: () => void;
  closeAll: () => Promise<void>;
};

export async function startAgentHarness(): Promise<AgentHarness> {
  const fake = await FakeOpenAI.start();
  const router = new ModelRouter(new OpenAI({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 }), {
    models: [MODEL],
    tasks: { classify: { minTier: 1 }, propose: { minTier: 1 } },
    timeoutMs: 5_000,
  });
  const h = await startHarness({ agent: { router, contextBudgetTokens: 4_000, maxOutputTokens: 1_000 } });
  h.sim.addInstallation({
    id: INSTALLATION_ID,
    account: OWNER,
    permissions: { checks: 'write', contents: 'write', issues: 'write', pull_requests: 'write', metadata: 'read' },
  });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  h.sim.setFile({
    owner: OWNER,
    repo: REPO,
    branch: 'master',
    path: 'src/server.ts',
    content: "export const server = () => 'ok';\n",
  });
  h.sim.setFile({
    owner: OWNER,
    repo: REPO,
    branch: 'master',
    path: '.github/aaoe.yml',
    content: `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`,
  });
  const push = examplePayload('push', undefined, (e: any) => e.ref === 'refs/heads/master' && !!e.installation);
  push.installation = { id: INSTALLATION_ID };
  expect((await h.deliver('push', push)).status).toBe(200);
  // people (and agents) sign in as AAOE's dashboard does: tokens of AAOE's own OAuth client (authority verbs take no other)
  process.env.GITHUB_CLIENT_ID = h.sim.oauth.clientId;
  process.env.GITHUB_CLIENT_SECRET = h.sim.oauth.clientSecret;
  const tokens: Record<string, string> = {};
  for (const [login, permission] of [
    ['wendy-writer', 'write'],
    ['rita-reader', 'read'],
    [AGENT, 'write'],
  ] as const) {
    h.sim.setPermission({ owner: OWNER, repo: REPO, username: login, permission });
    tokens[login] = h.sim.createUserToken({ login }, { oauthClient: true });
  }
  return {
    ...h,
    fake,
    tokens,
    scriptTask: () =>
      fake.script(MODEL.id, answer({ classification: 'feature', rationale: 'A new endpoint.' }), answer(proposal())),
    closeAll: async () => {
      await h.close();
      await fake.close();
    },
  };
}

function answer(value: unknown) {
  return { content: JSON.stringify(value), usage: { prompt_tokens: 1200, completion_tokens: 400 } };
}

export function proposal(): Proposal {
  return {
    summary: 'Add a health check that answers ok.',
    classification: 'feature',
    edits: [{ action: 'create', path: 'src/health.ts', content: "export const health = () => ({ status: 'ok' });\n" }],
    risk: { level: 'medium', rationale: 'A new module the server will call.' },
    cost: { estimatedTokens: 1500, estimatedUsd: 0.01 },
    deployment: { strategy: 'canary' },
    rollbackPlan: 'Revert the commit.',
    blastRadius: 'Only the new module.',
  };
}
