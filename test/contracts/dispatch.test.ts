import { describe, expect, it } from 'vitest';
import { authenticatePayload, readDispatchPayload } from '../../action/src/dispatch-payload.js';
import { repositoryKey } from '../../src/adapters/github/dispatch-signature.js';
import {
  DEFAULT_ENVIRONMENT,
  DEPLOY_EVENT_TYPE,
  DISPATCH_EVENT_TYPES,
  DispatchPayload,
  ROLLBACK_EVENT_TYPE,
  type DispatchEventType,
} from '../../src/contracts/dispatch.js';
import type { ExecutionRecord } from '../../src/core/execution/records.js';
import { Policy } from '../../src/core/policy/schema.js';
import { dispatchPayload, signedDispatchPayload } from '../../src/workflows/deploy-payload.js';

// The app <-> action contract, checked at run time: what the app's own functions dispatch is what the action's own
// reader accepts, and authenticates, for each event type; the compiler checks the types (src/contracts/dispatch.ts).

const MASTER = 'master-secret-for-contract-tests';
const NOW = new Date('2026-12-01T10:00:00Z');
const SHA = 'b'.repeat(40);
const policy = Policy.parse({});

function execution(pullRequest: number | null): ExecutionRecord {
  return {
    id: 'exe_01JCONTRACT',
    state: 'merged',
    version: 7,
    updatedAt: NOW.toISOString(),
    headSha: 'c'.repeat(40),
    repo: 'octo-org/shop',
    installationId: 4242,
    pullRequest,
    traceId: 'delivery-1234',
    subject: null,
    issue: null,
    work: null,
  };
}

const runFacts = (mode: string) => ({
  key: repositoryKey(MASTER, 4242, 'octo-org/shop'),
  repository: 'octo-org/shop',
  environment: DEFAULT_ENVIRONMENT,
  mode,
  now: NOW,
});

describe('the dispatch payload contract', () => {
  it('names the two event types the action listens to', () => {
    expect(DISPATCH_EVENT_TYPES).toEqual([DEPLOY_EVENT_TYPE, ROLLBACK_EVENT_TYPE]);
    expect(DISPATCH_EVENT_TYPES).toEqual(['aaoe-deploy', 'aaoe-rollback']);
  });

  it.each<[DispatchEventType, string, number | null]>([
    [DEPLOY_EVENT_TYPE, 'canary', 12],
    [DEPLOY_EVENT_TYPE, 'health', null],
    [ROLLBACK_EVENT_TYPE, 'rollback', 12],
  ])(
    'a %s payload the app signs is read and authenticated by the action in %s mode (pull request %s)',
    (type, mode, pr) => {
      const sent = signedDispatchPayload(execution(pr), SHA, policy, type, MASTER, NOW);
      const read = readDispatchPayload('repository_dispatch', { action: type, client_payload: sent });
      expect(read).toMatchObject({ ok: true, source: 'repository_dispatch', eventType: type });
      if (!read.ok || !read.payload) throw new Error('not read');
      expect(read.payload).toEqual({ ...sent, environment: DEFAULT_ENVIRONMENT });
      expect(read.payload.pullRequest).toBe(pr ?? undefined);
      expect(authenticatePayload(read, runFacts(mode))).toEqual({ ok: true });
    },
  );

  it('the same payload, sent as a GitHub deployment, is read with the deployment id GitHub gives', () => {
    const sent = signedDispatchPayload(execution(12), SHA, policy, DEPLOY_EVENT_TYPE, MASTER, NOW);
    const read = readDispatchPayload('deployment', { deployment: { id: 77, payload: sent } });
    if (!read.ok || !read.payload) throw new Error('not read');
    expect(read.payload.deploymentId).toBe(77);
    expect(authenticatePayload(read, runFacts('canary'))).toEqual({ ok: true });
  });

  it('a payload signed for one event does not run the other mode', () => {
    const sent = signedDispatchPayload(execution(12), SHA, policy, DEPLOY_EVENT_TYPE, MASTER, NOW);
    const read = readDispatchPayload('repository_dispatch', { action: ROLLBACK_EVENT_TYPE, client_payload: sent });
    if (!read.ok || !read.payload) throw new Error('not read');
    expect(authenticatePayload(read, runFacts('rollback'))).toMatchObject({ ok: false });
  });

  it('the unsigned payload (what a preview shows) parses with the schema, and the action refuses to run it', () => {
    const preview = dispatchPayload(execution(12), SHA, policy);
    expect(DispatchPayload.safeParse(preview).success).toBe(true);
    const read = readDispatchPayload('repository_dispatch', { action: DEPLOY_EVENT_TYPE, client_payload: preview });
    if (!read.ok || !read.payload) throw new Error('not read');
    expect(authenticatePayload(read, runFacts('canary'))).toMatchObject({ ok: false });
  });

  it('without a master secret the app sends it unsigned, and the action refuses it', () => {
    const sent = signedDispatchPayload(execution(12), SHA, policy, DEPLOY_EVENT_TYPE, undefined, NOW);
    expect(sent.signature).toBeUndefined();
    const read = readDispatchPayload('repository_dispatch', { action: DEPLOY_EVENT_TYPE, client_payload: sent });
    if (!read.ok || !read.payload) throw new Error('not read');
    expect(authenticatePayload(read, runFacts('canary'))).toMatchObject({ ok: false });
  });
});
