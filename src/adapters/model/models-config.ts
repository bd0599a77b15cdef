import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { z } from 'zod';
import { ModelRouter, type RouterConfig } from './model-router.js';

/**
 * The models file: which models the router may use, their tier and price, and the least tier per task class.
 * The same file serves `aaoe propose --models` and the app (`AAOE_MODELS`).
 */
export const ModelsFile = z.strictObject({
  models: z
    .array(
      z.strictObject({
        id: z.string().min(1),
        tier: z.int().min(1),
        inputUsdPerMTok: z.number().nonnegative(),
        outputUsdPerMTok: z.number().nonnegative(),
      }),
    )
    .min(1),
  tasks: z
    .strictObject({
      classify: z.strictObject({ minTier: z.int().min(1) }),
      propose: z.strictObject({ minTier: z.int().min(1) }),
    })
    .default({ classify: { minTier: 1 }, propose: { minTier: 1 } }),
  timeoutMs: z.int().positive().optional(),
});
export type ModelsFile = z.infer<typeof ModelsFile>;

/** What the app's agent runs with. */
export type AgentConfig = {
  router: ModelRouter;
  /** Tokens of repository context a proposal request may carry. */
  contextBudgetTokens: number;
  /** The most output tokens a proposal may use (the caps are checked on this estimate). */
  maxOutputTokens: number;
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The agent from the environment: `AAOE_MODELS` (a models file), `AAOE_MODEL_API_KEY` (or `OPENAI_API_KEY`) and
 * `AAOE_MODEL_BASE_URL` (or `OPENAI_BASE_URL`) for any OpenAI-compatible endpoint. Undefined when `AAOE_MODELS` is
 * not set (issue work then fails with a status comment that says so); a set but broken configuration throws at
 * start, naming what is wrong.
 */
export function agentConfigFromEnv(env: Env): AgentConfig | undefined {
  const file = env.AAOE_MODELS?.trim();
  if (!file) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`AAOE_MODELS: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = ModelsFile.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `AAOE_MODELS: ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  const apiKey = env.AAOE_MODEL_API_KEY ?? env.OPENAI_API_KEY;
  if (!apiKey) throw new Error('AAOE_MODELS is set but no API key is: set AAOE_MODEL_API_KEY (or OPENAI_API_KEY)');
  const baseURL = env.AAOE_MODEL_BASE_URL ?? env.OPENAI_BASE_URL;
  const positive = (name: string, fallback: number) => {
    const text = env[name]?.trim();
    if (!text) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a whole number above 0, not "${text}"`);
    return n;
  };
  return {
    router: new ModelRouter(
      new OpenAI({ apiKey, ...(baseURL ? { baseURL } : {}), maxRetries: 0 }),
      routerConfig(parsed.data),
    ),
    contextBudgetTokens: positive('AAOE_CONTEXT_TOKENS', 30_000),
    maxOutputTokens: positive('AAOE_MAX_OUTPUT_TOKENS', 8_000),
  };
}

export function routerConfig(file: ModelsFile): RouterConfig {
  return { models: file.models, tasks: file.tasks, ...(file.timeoutMs ? { timeoutMs: file.timeoutMs } : {}) };
}
