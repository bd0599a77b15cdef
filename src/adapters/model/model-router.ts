import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import OpenAI from 'openai';
import type { z } from 'zod';
import { parseAnswer, repairMessages, responseFormatFor } from './model-answer.js';

/**
 * The model router: every model call of an execution goes through it. It picks models by task class and
 * price, falls back along that chain on 429 / 5xx / timeouts / output that does not match the schema, keeps a
 * circuit breaker per model, checks token and USD caps before each call (on an estimate) and after it (on the
 * usage the endpoint reports), and returns a record of every attempt with its cost, for the store to keep.
 *
 * It talks to any OpenAI-compatible endpoint through the `openai` SDK (`baseURL`). Model output is data: the
 * router only validates it against the schema it was asked for; what it means is for the caller to check.
 */

/** What a call is for; each class names the least capable tier that may serve it. */
export type TaskClass = 'classify' | 'propose';

export type ModelSpec = {
  id: string;
  /** Higher is more capable; a task class with `minTier: 2` never goes to a tier-1 model. */
  tier: number;
  /** US dollars per million input (prompt) and output (completion) tokens. */
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
};

export type RouterConfig = {
  models: ModelSpec[];
  tasks: Record<TaskClass, { minTier: number }>;
  /** Tries per model on a retryable failure (429, 5xx, timeout) before the next model (default 2). */
  attemptsPerModel?: number;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** Consecutive retryable failures that open a model's breaker, and how long it stays open. */
  breaker?: { failures: number; cooldownMs: number };
};

export type Caps = {
  /** Tokens and dollars the execution may spend in all (spent so far included). */
  maxTokens?: number;
  maxUsd?: number;
  /** What the execution spent before this call. */
  spent: { tokens: number; usd: number };
  /** What the repository may still spend this month. */
  monthlyRemainingUsd?: number;
};

export type CompletionRequest<T> = {
  task: TaskClass;
  messages: OpenAI.Chat.ChatCompletionMessageParam[];
  /** The answer's schema: sent as the response format, and the answer is validated against it. */
  schema: z.ZodType<T>;
  schemaName: string;
  maxOutputTokens: number;
  caps: Caps;
};

export type AttemptOutcome =
  'ok' | 'rate_limited' | 'server_error' | 'timeout' | 'connection_error' | 'client_error' | 'invalid_output';

/** One request to a model (or a model passed over), with what it cost. */
export type CallRecord = {
  model: string;
  outcome: AttemptOutcome | 'breaker_open' | 'over_cap';
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  ms: number;
  detail?: string;
};

export type CompletionResult<T> = {
  value: T;
  model: string;
  calls: CallRecord[];
  /** Totals of every call, failed ones included: what this completion cost. */
  tokens: number;
  usd: number;
  /** The actual spend went past a cap the estimate had respected. */
  overrun: string | undefined;
};

/** No model could give a valid answer; `calls` says what was tried and what it cost. */
export class ModelRouterError extends Error {
  constructor(
    message: string,
    readonly calls: CallRecord[],
    /** The caps ruled out every model before anything was sent. */
    readonly overCap = false,
  ) {
    super(message);
    this.name = 'ModelRouterError';
  }
}

export function costUsd(model: ModelSpec, inputTokens: number, outputTokens: number): number {
  return (inputTokens * model.inputUsdPerMTok + outputTokens * model.outputUsdPerMTok) / 1_000_000;
}

/** Tokens of the messages as sent (o200k, the encoding of current OpenAI models), with the chat framing. */
export function promptTokens(messages: OpenAI.Chat.ChatCompletionMessageParam[]): number {
  let n = 3; // the reply's priming
  for (const m of messages)
    n += 4 + countTokens(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''));
  return n;
}

/** One breaker per model: open after `failures` retryable failures in a row, half-open after the cooldown. */
export class CircuitBreakers {
  private readonly state = new Map<string, { failures: number; openedAt?: number }>();

  constructor(
    private readonly failures: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a request may go to `model` now (an open breaker lets one through once its cooldown is over). */
  allows(model: string): boolean {
    const s = this.state.get(model);
    return s?.openedAt === undefined || this.now() - s.openedAt >= this.cooldownMs;
  }

  succeeded(model: string): void {
    this.state.delete(model);
  }

  failed(model: string): void {
    const s = this.state.get(model) ?? { failures: 0 };
    s.failures += 1;
    if (s.failures >= this.failures) s.openedAt = this.now(); // also re-opens a half-open breaker
    this.state.set(model, s);
  }
}

export class ModelRouter {
  readonly breakers: CircuitBreakers;

  constructor(
    private readonly client: OpenAI,
    private readonly config: RouterConfig,
    now: () => number = Date.now,
  ) {
    const breaker = config.breaker ?? { failures: 3, cooldownMs: 60_000 };
    this.breakers = new CircuitBreakers(breaker.failures, breaker.cooldownMs, now);
  }

  /** The models that may serve `task`, cheapest first for this many tokens: the fallback chain. */
  chain(task: TaskClass, inputTokens: number, outputTokens: number): ModelSpec[] {
    const minTier = this.config.tasks[task].minTier;
    return this.config.models
      .filter((m) => m.tier >= minTier)
      .sort((a, b) => costUsd(a, inputTokens, outputTokens) - costUsd(b, inputTokens, outputTokens) || b.tier - a.tier);
  }

  async complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
    const run: Run<T> = {
      request,
      calls: [],
      responseFormat: responseFormatFor(request.schema, request.schemaName),
      sentAny: false,
    };
    for (const model of this.chain(request.task, promptTokens(request.messages), request.maxOutputTokens)) {
      if (!this.breakers.allows(model.id)) {
        run.calls.push({
          model: model.id,
          outcome: 'breaker_open',
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          ms: 0,
        });
        continue;
      }
      const result = await this.tryModel(model, run);
      if (result) return result;
    }
    const { calls } = run;
    if (!run.sentAny)
      throw new ModelRouterError(
        `no model was called: ${describe(calls)}`,
        calls,
        calls.some((c) => c.outcome === 'over_cap'),
      );
    throw new ModelRouterError(`every model failed: ${describe(calls)}`, calls);
  }

  /**
   * The attempts on one model: retried on a retryable failure (up to `attemptsPerModel`), asked once more when its
   * answer does not match the schema; the answer, or undefined to go on to the next model.
   */
  private async tryModel<T>(model: ModelSpec, run: Run<T>): Promise<CompletionResult<T> | undefined> {
    const { request, calls } = run;
    const attempts = this.config.attemptsPerModel ?? 2;
    let messages = request.messages;
    let repaired = false;
    for (let attempt = 0; attempt < attempts;) {
      const over = this.overCap(model, messages, request, spentOf(request.caps, calls));
      if (over) {
        calls.push({
          model: model.id,
          outcome: 'over_cap',
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          ms: 0,
          detail: over,
        });
        return undefined;
      }
      run.sentAny = true;
      const started = Date.now();
      let completion: OpenAI.Chat.ChatCompletion;
      try {
        completion = await this.send(model, request.task, {
          model: model.id,
          messages,
          response_format: run.responseFormat,
          max_completion_tokens: request.maxOutputTokens,
        });
      } catch (error) {
        const outcome = classify(error);
        const ms = Date.now() - started;
        calls.push({
          model: model.id,
          outcome,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          ms,
          detail: errorMessage(error),
        });
        if (outcome === 'client_error') return undefined; // the same request will not do better on this model
        this.breakers.failed(model.id);
        if (!this.breakers.allows(model.id)) return undefined;
        attempt++;
        continue;
      }
      const answered = this.answered(model, run, messages, completion, started);
      if (answered.ok) return answered.result;
      if (repaired) return undefined; // one repair per model, then the next model
      repaired = true;
      messages = repairMessages(request, answered.content, answered.error);
    }
    return undefined;
  }

  /** A completion recorded with its usage and cost, and its answer checked against the schema. */
  private answered<T>(
    model: ModelSpec,
    { request, calls }: Run<T>,
    messages: OpenAI.Chat.ChatCompletionMessageParam[],
    completion: OpenAI.Chat.ChatCompletion,
    started: number,
  ): { ok: true; result: CompletionResult<T> } | { ok: false; content: string; error: string } {
    const inputTokens = completion.usage?.prompt_tokens ?? promptTokens(messages);
    const outputTokens =
      completion.usage?.completion_tokens ?? countTokens(completion.choices[0]?.message.content ?? '');
    const record: CallRecord = {
      model: model.id,
      outcome: 'ok',
      inputTokens,
      outputTokens,
      costUsd: costUsd(model, inputTokens, outputTokens),
      ms: Date.now() - started,
    };
    calls.push(record);
    this.breakers.succeeded(model.id);
    const content = completion.choices[0]?.message.content ?? '';
    const parsed = parseAnswer(content, request.schema);
    if (parsed.ok) {
      const total = totalOf(calls);
      const overrun = this.overrun(request.caps, spentOf(request.caps, calls));
      return {
        ok: true,
        result: { value: parsed.value, model: model.id, calls, tokens: total.tokens, usd: total.usd, overrun },
      };
    }
    record.outcome = 'invalid_output';
    record.detail = parsed.error;
    return { ok: false, content, error: parsed.error };
  }

  /** One request, in one client span in the trace of the job that asked (OpenTelemetry's gen_ai conventions). */
  private send(
    model: ModelSpec,
    task: TaskClass,
    body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming,
  ): Promise<OpenAI.Chat.ChatCompletion> {
    const attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model.id, 'aaoe.task': task };
    return trace
      .getTracer('aaoe')
      .startActiveSpan(`chat ${model.id}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
        try {
          const answer = await this.client.chat.completions.create(body, {
            timeout: this.config.timeoutMs ?? 60_000,
            maxRetries: 0,
          });
          span.setAttributes({
            'gen_ai.response.model': answer.model,
            'gen_ai.usage.input_tokens': answer.usage?.prompt_tokens ?? 0,
            'gen_ai.usage.output_tokens': answer.usage?.completion_tokens ?? 0,
          });
          return answer;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
          throw error;
        } finally {
          span.end();
        }
      });
  }

  /** Why sending `messages` to `model` could pass a cap, judged on the estimate (full output length), or undefined. */
  private overCap(
    model: ModelSpec,
    messages: OpenAI.Chat.ChatCompletionMessageParam[],
    request: CompletionRequest<unknown>,
    spent: { tokens: number; usd: number },
  ): string | undefined {
    const input = promptTokens(messages);
    const tokens = input + request.maxOutputTokens;
    const usd = costUsd(model, input, request.maxOutputTokens);
    const { maxTokens, maxUsd, monthlyRemainingUsd } = request.caps;
    const spentHere = spent.usd - request.caps.spent.usd;
    if (maxTokens !== undefined && spent.tokens + tokens > maxTokens)
      return `estimated ${spent.tokens + tokens} tokens, cap ${maxTokens}`;
    if (maxUsd !== undefined && spent.usd + usd > maxUsd)
      return `estimated $${(spent.usd + usd).toFixed(4)}, cap $${maxUsd}`;
    if (monthlyRemainingUsd !== undefined && spentHere + usd > monthlyRemainingUsd)
      return `estimated $${(spentHere + usd).toFixed(4)}, $${monthlyRemainingUsd.toFixed(4)} left this month`;
    return undefined;
  }

  private overrun(caps: Caps, spent: { tokens: number; usd: number }): string | undefined {
    if (caps.maxTokens !== undefined && spent.tokens > caps.maxTokens)
      return `spent ${spent.tokens} tokens, cap ${caps.maxTokens}`;
    if (caps.maxUsd !== undefined && spent.usd > caps.maxUsd)
      return `spent $${spent.usd.toFixed(4)}, cap $${caps.maxUsd}`;
    return undefined;
  }
}

/** One `complete`: the request, every attempt so far, and whether any request was sent. */
type Run<T> = {
  request: CompletionRequest<T>;
  calls: CallRecord[];
  responseFormat: OpenAI.ResponseFormatJSONSchema;
  sentAny: boolean;
};

/** What the execution spent, this completion's calls included. */
function spentOf(caps: Caps, calls: readonly CallRecord[]): { tokens: number; usd: number } {
  return {
    tokens: caps.spent.tokens + calls.reduce((n, c) => n + c.inputTokens + c.outputTokens, 0),
    usd: caps.spent.usd + calls.reduce((n, c) => n + c.costUsd, 0),
  };
}

/** What this completion's calls cost. */
function totalOf(calls: readonly CallRecord[]): { tokens: number; usd: number } {
  return calls.reduce((n, c) => ({ tokens: n.tokens + c.inputTokens + c.outputTokens, usd: n.usd + c.costUsd }), {
    tokens: 0,
    usd: 0,
  });
}

function classify(error: unknown): AttemptOutcome {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return 'timeout';
  if (error instanceof OpenAI.APIConnectionError) return 'connection_error';
  if (error instanceof OpenAI.RateLimitError) return 'rate_limited';
  if (error instanceof OpenAI.APIError && error.status !== undefined && error.status >= 500) return 'server_error';
  if (error instanceof OpenAI.APIError && error.status === 408) return 'timeout';
  return 'client_error';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(calls: CallRecord[]): string {
  return (
    calls.map((c) => `${c.model} ${c.outcome}${c.detail ? ` (${c.detail})` : ''}`).join(', ') ||
    'no model serves this task'
  );
}
