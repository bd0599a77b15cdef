import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelTraceId, startTracing, traceparent, type Tracing } from '../../src/adapters/tracing/tracing.js';
import { listExecutions } from '../../src/adapters/store/executions.js';
import { INSTALLATION_ID, startHarness, type Harness } from '../support/app-harness.js';
import { governedFlow } from '../support/governed-flow.js';

/**
 * One trace per delivery, end to end: the webhook span, the jobs it causes and their GitHub requests all carry the
 * delivery's GUID as the OpenTelemetry trace id, which is also the trace id the execution and its audit entries keep.
 */

const OWNER = 'Codertocat';
const REPO = 'Hello-World';
const AGENT = 'my-agent[bot]';

const exporter = new InMemorySpanExporter();
let tracing: Tracing | undefined;
let h: Harness;
const flow = governedFlow(() => h, {
  owner: OWNER,
  repo: REPO,
  agent: AGENT,
  reportSecret: 'unused-report-secret',
  firstPullRequest: 300,
});

beforeAll(async () => {
  tracing = startTracing({ exporter });
  h = await startHarness();
  h.sim.addInstallation({
    id: INSTALLATION_ID,
    account: OWNER,
    permissions: {
      checks: 'write',
      contents: 'write',
      issues: 'write',
      pull_requests: 'write',
      deployments: 'write',
      actions: 'read',
      members: 'read',
      metadata: 'read',
    },
  });
  h.sim.addRepo({ owner: OWNER, name: REPO, defaultBranch: 'master', installationId: INSTALLATION_ID });
  await flow.setConfig(`agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
});
afterAll(async () => {
  await h?.close();
  await tracing?.shutdown();
});

describe('traces', () => {
  it('maps AAOE trace ids to OpenTelemetry ones: a delivery GUID is its own hex, anything else is hashed', () => {
    expect(otelTraceId('72d3162e-cc78-11e3-81ab-4c9367dc0958')).toBe('72d3162ecc7811e381ab4c9367dc0958');
    expect(otelTraceId('not-a-guid')).toMatch(/^[0-9a-f]{32}$/);
    expect(traceparent('72d3162e-cc78-11e3-81ab-4c9367dc0958')).toMatch(
      /^00-72d3162ecc7811e381ab4c9367dc0958-[0-9a-f]{16}-01$/,
    );
  });

  it('a pull request delivery: the webhook, its jobs and their GitHub calls are one trace, the delivery GUID', async () => {
    exporter.reset();
    const number = flow.nextNumber();
    const headSha = (number.toString(16) + 'c'.repeat(40)).slice(0, 40);
    const pr = h.sim.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number,
      user: { login: AGENT, type: 'Bot' },
      headRef: `change-${number}`,
      headSha,
      baseRef: 'master',
      body: flow.mediumBody,
      files: [flow.file(`docs/${number}.md`)] as never,
    });
    const delivery = randomUUID();
    await h.deliver('pull_request', flow.pullRequestPayload('opened', pr), { id: delivery });
    const x = (await listExecutions(h.runtime.db, `${OWNER}/${REPO}`)).find((e) => e.pullRequest === number)!;
    expect(x.traceId).toBe(delivery);
    // the check run names the trace too
    const check = h.sim
      .checkRuns({ owner: OWNER, repo: REPO })
      .filter((r: any) => r.head_sha === headSha && r.name === 'aaoe/policy')
      .at(-1) as any;
    expect(check.output.summary).toContain(`trace ${delivery}`);

    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === otelTraceId(delivery));
    const names = spans.map((s) => s.name);
    expect(names).toContain('webhook pull_request.opened');
    expect(names).toContain('delivery pull_request.opened');
    expect(names).toContain('effect evaluate_policy');
    expect(spans.find((s) => s.name === 'webhook pull_request.opened')!.kind).toBe(SpanKind.SERVER);
    const checkCall = spans.find((s) => s.name === 'GitHub POST /repos/{owner}/{repo}/check-runs')!;
    expect(checkCall).toBeDefined();
    expect(checkCall.attributes['http.response.status_code']).toBe(201);
    // the GitHub call is a child of the job that made it
    const evaluation = spans.find((s) => s.name === 'effect evaluate_policy')!;
    expect(checkCall.parentSpanContext?.spanId).toBe(evaluation.spanContext().spanId);
    expect(evaluation.attributes['aaoe.execution']).toBe(x.id);
    // nothing of this delivery went to another trace
    const others = exporter
      .getFinishedSpans()
      .filter((s) => s.attributes['aaoe.trace_id'] === delivery && s.spanContext().traceId !== otelTraceId(delivery));
    expect(others).toEqual([]);
  });
});
