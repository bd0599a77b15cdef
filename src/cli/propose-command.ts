import { readConfig } from '../adapters/config/config.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { z } from 'zod';
import { applyEdits } from '../core/agent/apply-edits.js';
import { buildContext, isExcluded } from '../core/agent/context.js';
import { ModelRouter, ModelRouterError } from '../adapters/model/model-router.js';
import { ModelsFile, routerConfig } from '../adapters/model/models-config.js';
import { proposalMessages } from '../core/agent/prompt.js';
import { promptToken } from '../adapters/model/prompt-token.js';
import type { CliIo } from './cli-io.js';
import { Proposal } from '../core/agent/proposal.js';

/**
 * `aaoe propose --issue <file.json> --repo <dir> --models <file.json>`: the agent, locally and as a dry run.
 * It builds the context from the directory, asks the models through the router, validates the proposal and
 * applies its edits to an in-memory copy of the tree; nothing is written. Exit 0 when the edits apply, 1 when
 * no model gave a usable proposal or its edits do not apply, 2 for invalid input.
 *
 * The endpoint: `AAOE_MODEL_BASE_URL` (or `OPENAI_BASE_URL`) and `AAOE_MODEL_API_KEY` (or `OPENAI_API_KEY`).
 */

type Env = Readonly<Record<string, string | undefined>>;

const IssueFile = z.strictObject({
  title: z.string().min(1),
  body: z.string().default(''),
  number: z.int().optional(),
});

/** Largest file sent as context; larger ones are listed in the tree only. */
const MAX_FILE_BYTES = 256 * 1024;

type ProposeInput = {
  issue: z.infer<typeof IssueFile>;
  models: z.infer<typeof ModelsFile>;
  repo: string;
  numbers: Record<string, number | undefined>;
  apiKey: string;
  baseURL: string | undefined;
};

const USAGE =
  'usage: aaoe propose --issue <file.json> --repo <dir> --models <file.json> [--budget tokens] [--max-output tokens] [--max-usd N] [--max-tokens N]';

export async function runProposeCommand(argv: string[], io: CliIo, env: Env): Promise<number> {
  const input = readInput(argv, io, env);
  if (typeof input === 'number') return input;
  let tree: Map<string, string>;
  try {
    tree = readTree(input.repo);
  } catch (error) {
    io.stderr(`aaoe propose: cannot read the repository ${input.repo}: ${(error as Error).message}`);
    return 2;
  }

  const context = buildContext(input.issue, tree, input.numbers.budget ?? 30_000);
  io.stdout(
    `context: ${context.files.length} files, ${context.tokens} tokens${context.omitted.length ? `; left out: ${context.omitted.map((o) => `${o.path} (${o.reason})`).join(', ')}` : ''}`,
  );
  for (const f of context.files) io.stdout(`  ${f.path}: ${f.reasons.join('; ')}`);

  let result;
  try {
    result = await askModels(input, context);
  } catch (error) {
    if (!(error instanceof ModelRouterError)) throw error;
    io.stdout(`no proposal: ${error.message}`);
    return 1;
  }
  const p = result.value;
  io.stdout(
    `proposal from ${result.model}: ${result.tokens} tokens, $${result.usd.toFixed(4)}${result.overrun ? ` (over the cap: ${result.overrun})` : ''}`,
  );
  io.stdout(`  ${p.summary}`);
  io.stdout(`  classification ${p.classification}; declared risk ${p.risk.level}: ${p.risk.rationale}`);
  io.stdout(`  deployment ${p.deployment.strategy}; rollback: ${p.rollbackPlan}; blast radius: ${p.blastRadius}`);
  const applied = applyEdits(tree, p.edits);
  if (!applied.ok) {
    io.stdout('the edits do not apply:');
    for (const e of applied.errors) io.stdout(`  ${e}`);
    return 1;
  }
  io.stdout('edits (dry run, nothing written):');
  for (const c of applied.changed) io.stdout(`  ${{ added: 'A', modified: 'M', removed: 'D' }[c.status]} ${c.path}`);
  return result.overrun ? 1 : 0;
}

function askModels(input: ProposeInput, context: ReturnType<typeof buildContext>) {
  const { apiKey, baseURL, numbers } = input;
  const router = new ModelRouter(
    new OpenAI({ apiKey, ...(baseURL ? { baseURL } : {}), maxRetries: 0 }),
    routerConfig(input.models),
  );
  return router.complete({
    task: 'propose',
    messages: proposalMessages(input.issue, context, promptToken()),
    schema: Proposal,
    schemaName: 'proposal',
    maxOutputTokens: numbers['max-output'] ?? 8_000,
    caps: {
      spent: { tokens: 0, usd: 0 },
      ...(numbers['max-usd'] ? { maxUsd: numbers['max-usd'] } : {}),
      ...(numbers['max-tokens'] ? { maxTokens: numbers['max-tokens'] } : {}),
    },
  });
}

/** The command's input read and checked, or the exit code after saying on stderr what is wrong. */
function readInput(argv: string[], io: CliIo, env: Env): ProposeInput | number {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        issue: { type: 'string' },
        repo: { type: 'string' },
        models: { type: 'string' },
        budget: { type: 'string' },
        'max-output': { type: 'string' },
        'max-usd': { type: 'string' },
        'max-tokens': { type: 'string' },
      },
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    io.stderr(`aaoe propose: ${(error as Error).message}`);
    return 2;
  }
  if (!values.issue || !values.repo || !values.models) {
    io.stderr(`aaoe propose: --issue, --repo and --models are required\n${USAGE}`);
    return 2;
  }
  const numbers = readNumbers(values, io);
  if (!numbers) return 2;
  const issue = readJson(values.issue, IssueFile, io);
  const models = readJson(values.models, ModelsFile, io);
  if (!issue || !models) return 2;
  const { baseURL, apiKey } = readConfig(env).model;
  if (!apiKey) {
    io.stderr(
      'aaoe propose: set AAOE_MODEL_API_KEY (or OPENAI_API_KEY), and AAOE_MODEL_BASE_URL for an endpoint other than OpenAI',
    );
    return 2;
  }
  return { issue, models, repo: values.repo, numbers, apiKey, baseURL };
}

function readNumbers(
  values: Record<string, string | undefined>,
  io: CliIo,
): Record<string, number | undefined> | undefined {
  const numbers: Record<string, number | undefined> = {};
  for (const name of ['budget', 'max-output', 'max-usd', 'max-tokens']) {
    const text = values[name];
    if (text === undefined) continue;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) {
      io.stderr(`aaoe propose: --${name} must be a positive number, not "${text}"`);
      return undefined;
    }
    numbers[name] = n;
  }
  return numbers;
}

function readJson<T>(file: string, schema: z.ZodType<T>, io: CliIo): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    io.stderr(`aaoe propose: ${file}: ${(error as Error).message}`);
    return undefined;
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    io.stderr(`aaoe propose: ${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return undefined;
}

/** The text files of a directory (no .git, vendored, binary or oversized files), by repository path. */
function readTree(root: string): Map<string, string> {
  const tree = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const path = relative(root, full).split(sep).join('/');
      if (entry.isDirectory()) {
        if (entry.name !== '.git' && !isExcluded(`${path}/`)) walk(full);
      } else if (entry.isFile() && !isExcluded(path) && statSync(full).size <= MAX_FILE_BYTES) {
        const content = readFileSync(full);
        if (!content.includes(0)) tree.set(path, content.toString('utf8'));
      }
    }
  };
  walk(root);
  return tree;
}
