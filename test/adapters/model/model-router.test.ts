import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CircuitBreakers,
  ModelRouter,
  ModelRouterError,
  costUsd,
  promptTokens,
  type RouterConfig,
} from '../../../src/adapters/model/model-router.js';
import { FakeOpenAI } from '../../core/agent/fake-openai.js';

const Answer = z.strictObject({
  classification: z.enum(['feature', 'bug', 'docs']),
  confidence: z.number().min(0).max(1),
});
const VALID = JSON.stringify({ classification: 'bug', confidence: 0.9 });

const MODELS = {
  mini: { id: 'mini', tier: 1, inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 },
  main: { id: 'main', tier: 2, inputUsdPerMTok: 2.5, outputUsdPerMTok: 10 },
  large: { id: 'large', tier: 3, inputUsdPerMTok: 15, outputUsdPerMTok: 60 },
};
const CONFIG: RouterConfig = {
  models: Object.values(MODELS),
  tasks: { classify: { minTier: 1 }, propose: { minTier: 2 } },
  attemptsPerModel: 2,
  timeoutMs: 500,
  breaker: { failures: 3, cooldownMs: 60_000 },
};
const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: 'system', content: 'Classify the issue.' },
  { role: 'user', content: 'The login page crashes when the password is empty.' },
];
const request = (over: Partial<Parameters<ModelRouter['complete']>[0]> = {}) => ({
  task: 'propose' as const,
  messages,
  schema: Answer,
  schemaName: 'classification',
  maxOutputTokens: 200,
  caps: { spent: { tokens: 0, usd: 0 } },
  ...over,
});

let fake: FakeOpenAI;
let clock = 0;
let router: ModelRouter;

beforeAll(async () => {
  fake = await FakeOpenAI.start();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  for (const id of Object.keys(MODELS)) fake.script(id, { content: VALID });
  clock = 0;
  router = new ModelRouter(new OpenAI({ apiKey: 'test', baseURL: fake.baseURL }), CONFIG, () => clock);
});

describe('model router', () => {
  it('sends the schema as the response format and returns the validated answer with its cost', async () => {
    fake.script('main', { content: VALID, usage: { prompt_tokens: 1200, completion_tokens: 300 } });
    const result = await router.complete(request());
    expect(result.value).toEqual({ classification: 'bug', confidence: 0.9 });
    expect(result.model).toBe('main');
    expect(fake.requests[0]?.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'classification', strict: true },
    });
    expect(fake.requests[0]?.max_completion_tokens).toBe(200);
    expect(result.usd).toBeCloseTo((1200 * 2.5 + 300 * 10) / 1e6, 12);
    expect(result.tokens).toBe(1500);
    expect(result.overrun).toBeUndefined();
  });

  it('chooses by task class and price: the cheapest capable model first', () => {
    expect(router.chain('classify', 1000, 200).map((m) => m.id)).toEqual(['mini', 'main', 'large']);
    expect(router.chain('propose', 1000, 200).map((m) => m.id)).toEqual(['main', 'large']);
  });

  it('falls back when the primary answers 429 and then 500, and records every attempt', async () => {
    fake.script('main', { status: 429, retryAfter: 1 }, { status: 500 });
    const result = await router.complete(request());
    expect(result.model).toBe('large');
    expect(result.calls.map((c) => `${c.model}:${c.outcome}`)).toEqual([
      'main:rate_limited',
      'main:server_error',
      'large:ok',
    ]);
    expect(fake.requests.map((r) => r.model)).toEqual(['main', 'main', 'large']);
  });

  it('falls back on a timeout', async () => {
    fake.script('main', { delayMs: 2000, then: { content: VALID } });
    const result = await router.complete(request({ task: 'propose' }));
    expect(result.calls.map((c) => `${c.model}:${c.outcome}`)).toEqual(['main:timeout', 'main:timeout', 'large:ok']);
  });

  it('fails with every attempt recorded when all models fail', async () => {
    fake.script('main', { status: 503 });
    fake.script('large', { status: 500 });
    const error = await router.complete(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelRouterError);
    expect((error as ModelRouterError).calls.map((c) => c.outcome)).toEqual([
      'server_error',
      'server_error',
      'server_error',
      'server_error',
    ]);
    expect((error as ModelRouterError).message).toMatch(/every model failed: main server_error/);
  });

  it('asks once for a repair of invalid output, then moves on', async () => {
    fake.script(
      'main',
      { content: 'not json' },
      { content: JSON.stringify({ classification: 'bug', confidence: 0.5 }) },
    );
    const repaired = await router.complete(request());
    expect(repaired.model).toBe('main');
    expect(repaired.calls.map((c) => c.outcome)).toEqual(['invalid_output', 'ok']);
    const repair = fake.requests[1]!.messages;
    expect(repair.at(-2)).toEqual({ role: 'assistant', content: 'not json' });
    expect(repair.at(-1)?.content).toMatch(/does not match the schema "classification": it is not JSON/);

    fake.requests.length = 0;
    fake.script('main', { content: JSON.stringify({ classification: 'refactor', confidence: 2 }) });
    fake.script('large', { content: '{"classification": "bug"}' });
    const error = (await router.complete(request()).catch((e: unknown) => e)) as ModelRouterError;
    expect(error).toBeInstanceOf(ModelRouterError);
    expect(error.calls.map((c) => `${c.model}:${c.outcome}`)).toEqual([
      'main:invalid_output',
      'main:invalid_output',
      'large:invalid_output',
      'large:invalid_output',
    ]);
    expect(error.calls[0]?.detail).toMatch(/classification: .*confidence: /);
  });

  it('counts the cost of every call, failed and invalid ones included: usage times prices', async () => {
    fake.script(
      'main',
      { content: 'nope', usage: { prompt_tokens: 1000, completion_tokens: 100 } },
      { content: VALID, usage: { prompt_tokens: 1300, completion_tokens: 200 } },
    );
    const result = await router.complete(request());
    const expected = costUsd(MODELS.main, 1000, 100) + costUsd(MODELS.main, 1300, 200);
    expect(result.usd).toBeCloseTo(expected, 12);
    expect(result.calls.reduce((n, c) => n + c.costUsd, 0)).toBeCloseTo(expected, 12);
    expect(result.tokens).toBe(2600);
  });

  it('never sends a request whose estimate is over the token cap', async () => {
    const error = (await router
      .complete(request({ caps: { maxTokens: 150, spent: { tokens: 0, usd: 0 } } }))
      .catch((e: unknown) => e)) as ModelRouterError;
    expect(error).toBeInstanceOf(ModelRouterError);
    expect(error.overCap).toBe(true);
    expect(error.message).toMatch(/no model was called: main over_cap \(estimated \d+ tokens, cap 150\)/);
    expect(fake.requests).toEqual([]);
  });

  it('passes over a model whose estimate is over the USD cap or the monthly budget, for a cheaper one', async () => {
    const estimate = (m: (typeof MODELS)[keyof typeof MODELS]) => costUsd(m, promptTokens(messages), 200);
    const maxUsd = (estimate(MODELS.mini) + estimate(MODELS.main)) / 2;
    const capped = await router.complete(request({ task: 'classify', caps: { maxUsd, spent: { tokens: 0, usd: 0 } } }));
    expect(capped.model).toBe('mini');

    fake.requests.length = 0;
    const error = (await router
      .complete(
        request({
          task: 'propose',
          caps: { monthlyRemainingUsd: estimate(MODELS.main) / 2, spent: { tokens: 0, usd: 0 } },
        }),
      )
      .catch((e: unknown) => e)) as ModelRouterError;
    expect(error.overCap).toBe(true);
    expect(error.calls.map((c) => c.outcome)).toEqual(['over_cap', 'over_cap']);
    expect(fake.requests).toEqual([]);
  });

  it('reports an actual overrun the estimate did not foresee', async () => {
    fake.script('main', { content: VALID, usage: { prompt_tokens: 5000, completion_tokens: 4000 } });
    const result = await router.complete(request({ caps: { maxTokens: 2000, spent: { tokens: 0, usd: 0 } } }));
    expect(result.overrun).toBe('spent 9000 tokens, cap 2000');
  });

  it('opens a model’s breaker after repeated failures and tries it again after the cooldown', async () => {
    fake.script('main', { status: 500 });
    await router.complete(request()); // 2 failures on main, then large
    await router.complete(request()); // third failure opens the breaker
    fake.requests.length = 0;
    const skipped = await router.complete(request());
    expect(skipped.calls.map((c) => `${c.model}:${c.outcome}`)).toEqual(['main:breaker_open', 'large:ok']);
    expect(fake.requests.map((r) => r.model)).toEqual(['large']);

    clock += 60_000;
    fake.script('main', { content: VALID });
    expect((await router.complete(request())).model).toBe('main');
  });
});

describe('circuit breakers', () => {
  it('open at the threshold, let one through after the cooldown, re-open on its failure, close on success', () => {
    let now = 0;
    const b = new CircuitBreakers(2, 1000, () => now);
    b.failed('m');
    expect(b.allows('m')).toBe(true);
    b.failed('m');
    expect(b.allows('m')).toBe(false);
    now = 1000;
    expect(b.allows('m')).toBe(true);
    b.failed('m');
    expect(b.allows('m')).toBe(false);
    now = 2000;
    b.succeeded('m');
    b.failed('m');
    expect(b.allows('m')).toBe(true);
  });
});

describe('response format', () => {
  it('is strict where the schema allows it, and the plain JSON Schema where strict mode cannot express it', async () => {
    const { responseFormatFor } = await import('../../../src/adapters/model/model-answer.js');
    const { Proposal } = await import('../../../src/core/agent/proposal.js');
    expect(responseFormatFor(Answer, 'a').json_schema.strict).toBe(true);
    const loose = responseFormatFor(Proposal, 'proposal');
    expect(loose.json_schema).toMatchObject({
      name: 'proposal',
      strict: false,
      schema: { type: 'object', required: expect.arrayContaining(['summary', 'edits']) },
    });
  });
});
