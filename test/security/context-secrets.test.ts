import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRouter, type ModelSpec } from '../../src/adapters/model/model-router.js';
import type { Proposal } from '../../src/core/agent/proposal.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { isSecretPath } from '../../src/core/agent/context.js';
import { FakeOpenAI } from '../core/agent/fake-openai.js';
import { INSTALLATION_ID, examplePayload, startHarness, type Harness } from '../support/app-harness.js';

/**
 * Issue 19, low: files named in an issue are sent to the model as they are. An issue that names `.env` (or a key
 * file) would hand the repository's secrets to a third-party model endpoint; a source file with a token in it
 * likewise. Secret-like paths are never read into the context, and the lines of the context in which the secret
 * scanner finds something are withheld.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const MODEL: ModelSpec = { id: 'small-model', tier: 1, inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 };
// a GitHub token shape the scanner knows (made up)
const TOKEN = `ghp_${'A1b2C3d4E5f6G7h8I9j0'}${'K1l2M3n4O5p6Q7'}xy`;
const DOTENV_PASSWORD = 'hunter2-dotenv-Zq9';

let h: Harness;
let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  const router = new ModelRouter(new OpenAI({ apiKey: 'test-key', baseURL: fake.baseURL, maxRetries: 0 }), {
    models: [MODEL],
    tasks: { classify: { minTier: 1 }, propose: { minTier: 1 } },
    timeoutMs: 5_000,
    breaker: { failures: 1_000, cooldownMs: 1 },
  });
  h = await startHarness({ agent: { router, contextBudgetTokens: 8_000, maxOutputTokens: 1_000 } });
  h.sim.addInstallation({
    id: INSTALLATION_ID,
    account: OWNER,
    permissions: { checks: 'write', contents: 'write', issues: 'write', pull_requests: 'write', metadata: 'read' },
  });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  const file = (path: string, content: string) =>
    h.sim.setFile({ owner: OWNER, repo: REPO, branch: 'master', path, content });
  file('.github/aaoe.yml', 'trigger: { label: aaoe }\n');
  file('.env', `DATABASE_PASSWORD=${DOTENV_PASSWORD}\nPORT=8080\n`);
  file('.env.production', `DATABASE_PASSWORD=${DOTENV_PASSWORD}\n`);
  file(
    'deploy/id_rsa',
    `-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-real-key-${DOTENV_PASSWORD}\n-----END OPENSSH PRIVATE KEY-----\n`,
  );
  file('.npmrc', `//registry.npmjs.org/:_authToken=${DOTENV_PASSWORD}\n`);
  file(
    'src/config.ts',
    `export const port = Number(process.env.PORT ?? 8080);\nexport const githubToken = '${TOKEN}';\nexport const name = 'hello';\n`,
  );
  h.sim.setPermission({ owner: OWNER, repo: REPO, username: 'Codertocat', permission: 'admin' });
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

function proposal(): Proposal {
  return {
    summary: 'Read the port from the environment.',
    classification: 'feature',
    edits: [{ action: 'create', path: 'src/port.ts', content: 'export const port = 8080;\n' }],
    risk: { level: 'low', rationale: 'A new constant.' },
    cost: { estimatedTokens: 1500, estimatedUsd: 0.01 },
    deployment: { strategy: 'canary' },
    rollbackPlan: 'Revert the commit.',
    blastRadius: 'None.',
  };
}

describe('the context sent to the model holds no secrets', () => {
  it('an issue naming .env, .env.production, deploy/id_rsa, .npmrc and src/config.ts: no secret reaches the model', async () => {
    fake.script(MODEL.id, {
      content: JSON.stringify(proposal()),
      usage: { prompt_tokens: 100, completion_tokens: 50 },
    });
    const issue = h.sim.addIssue({
      owner: OWNER,
      repo: REPO,
      user: 'Codertocat',
      labels: ['aaoe', 'enhancement'],
      title: 'Make the port configurable',
      body: 'The port is in .env and .env.production; see also deploy/id_rsa, .npmrc and src/config.ts.',
    });
    const payload = examplePayload('issues', 'labeled');
    payload.issue = { ...payload.issue, ...issue };
    payload.label = { ...payload.label, name: 'aaoe' };
    payload.sender = { ...payload.sender, login: 'Codertocat', type: 'User' };
    payload.installation = { id: INSTALLATION_ID };
    await h.deliver('issues', payload);

    expect(fake.requests).toHaveLength(1);
    const sent = fake.requests[0]!.messages.map((m) => m.content).join('\n');
    expect(sent).not.toContain(DOTENV_PASSWORD);
    expect(sent).not.toContain(TOKEN);
    expect(sent).not.toContain('BEGIN OPENSSH PRIVATE KEY');
    // the rest of the named source file still goes, and the withheld line is said, not silently dropped
    expect(sent).toContain("export const name = 'hello';");
    expect(sent).toMatch(/line 2 withheld: the secret scanner found a secret/);
    const [x] = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).filter((e) => e.issue === issue.number);
    expect(x!.state).toBe('approved');
  });
});

describe('isSecretPath', () => {
  it.each([
    ['.env', true],
    ['config/.env', true],
    ['.env.production', true],
    ['.ENV.local', true],
    ['.env.example', false],
    ['.env.sample', false],
    ['certs/server.pem', true],
    ['tls/server.key', true],
    ['deploy/id_rsa', true],
    ['id_ed25519.pub', true],
    ['.npmrc', true],
    ['.netrc', true],
    ['home/.aws/credentials', true],
    ['.docker/config.json', true],
    ['config/secrets.yml', true],
    ['credentials.json', true],
    ['infra/terraform.tfstate', true],
    ['prod.tfvars', true],
    ['src/secrets-manager.ts', false],
    ['src/keyboard.ts', false],
    ['docs/env.md', false],
    ['src/credentials-form.tsx', false],
    ['package.json', false],
  ])('%s -> %s', (path, secret) => {
    expect(isSecretPath(path)).toBe(secret);
  });
});
