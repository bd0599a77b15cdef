import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import type { AaoeConfig } from '../adapters/config/config.js';
import { ModelsFile } from '../adapters/model/models-config.js';
import type { Report } from './doctor-findings.js';

/** The models file `file`, or a failure said as a finding. */
function readModels(file: string, report: Report): ModelsFile | undefined {
  try {
    const parsed = ModelsFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success)
      throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
    return parsed.data;
  } catch (error) {
    report({
      level: 'fail',
      check: 'model',
      message: `AAOE_MODELS ${file}: ${(error as Error).message}`,
      fix: 'write it as { "models": [{ "id", "tier", "inputUsdPerMTok", "outputUsdPerMTok" }], "tasks": { … } } (README, Configuration)',
    });
    return undefined;
  }
}

/** The model ids the endpoint lists, or a failure said as a finding. */
async function servedModels(
  apiKey: string,
  baseURL: string | undefined,
  endpoint: string,
  report: Report,
): Promise<Set<string> | undefined> {
  const client = new OpenAI({ apiKey, ...(baseURL ? { baseURL } : {}), maxRetries: 0, timeout: 10_000 });
  try {
    const served = new Set<string>();
    for await (const model of client.models.list()) served.add(model.id);
    return served;
  } catch (error) {
    const status = (error as { status?: number }).status;
    report({
      level: 'fail',
      check: 'model',
      message: `GET ${endpoint}/models failed (${status ?? 'no answer'}: ${(error as Error).message.split('\n', 1)[0] ?? ''})`,
      fix:
        status === 401 || status === 403
          ? `the endpoint refuses AAOE_MODEL_API_KEY: set a valid key for ${endpoint}`
          : status === undefined
            ? `${endpoint} does not answer: check AAOE_MODEL_BASE_URL (it ends in /v1 for most OpenAI-compatible servers) and the network`
            : `check AAOE_MODEL_BASE_URL: ${endpoint} is not an OpenAI-compatible endpoint`,
    });
    return undefined;
  }
}

/** The model endpoint (`AAOE_MODELS`, `AAOE_MODEL_BASE_URL`, `AAOE_MODEL_API_KEY`): a models list call, every model served. */
export async function checkModel(config: AaoeConfig, report: Report): Promise<void> {
  const { modelsFile: file, apiKey, baseURL } = config.model;
  if (!file) {
    report({
      level: 'warn',
      check: 'model',
      message:
        'AAOE_MODELS is not set: pull requests are judged, but a labelled issue only gets a comment saying no model is configured',
      fix: 'to let agents propose changes, set AAOE_MODELS to a models file, AAOE_MODEL_API_KEY and (for an endpoint other than OpenAI) AAOE_MODEL_BASE_URL',
    });
    return;
  }
  const models = readModels(file, report);
  if (!models) return;
  const endpoint = baseURL ?? 'https://api.openai.com/v1';
  if (!apiKey) {
    report({
      level: 'fail',
      check: 'model',
      message: 'AAOE_MODELS is set but no API key is',
      fix: 'set AAOE_MODEL_API_KEY (or OPENAI_API_KEY) to a key of the endpoint',
    });
    return;
  }
  const served = await servedModels(apiKey, baseURL, endpoint, report);
  if (!served) return;
  const unknown = models.models.map((m) => m.id).filter((id) => !served.has(id));
  report(
    unknown.length === 0
      ? {
          level: 'ok',
          check: 'model',
          message: `${endpoint} serves every model of ${file} (${models.models.map((m) => m.id).join(', ')})`,
        }
      : {
          level: 'fail',
          check: 'model',
          message: `${endpoint} does not serve ${unknown.join(', ')} (it lists ${served.size} models)`,
          fix: `correct the id${unknown.length === 1 ? '' : 's'} in ${file}, or point AAOE_MODEL_BASE_URL at an endpoint that serves ${unknown.length === 1 ? 'it' : 'them'}`,
        },
  );
}
