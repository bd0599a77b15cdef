import { readConfig } from '../adapters/config/config.js';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Command } from 'commander';
import OpenAI from 'openai';
import { z } from 'zod';
import { applyEdits } from '../core/agent/apply-edits.js';
import { buildContext, isExcluded } from '../core/agent/context.js';
import { ModelRouter, ModelRouterError } from '../adapters/model/model-router.js';
import { ModelsFile, routerConfig } from '../adapters/model/models-config.js';
import { proposalMessages } from '../core/agent/prompt.js';
import { promptToken } from '../adapters/model/prompt-token.js';
import { EXIT, positiveNumber, withExamples, type CliContext, type CliIo, type Env } from './cli-io.js';
import { readInputFile, type InputFormat } from './input-file.js';
import { Proposal } from '../core/agent/proposal.js';

/**
 * `aaoe propose --issue <file.json> --repo <dir> --models <file.json>`: the agent, locally and as a dry run.
 * It builds the context from the directory, asks the models through the router, validates the proposal and
 * applies its edits to an in-memory copy of the tree; nothing is written. Exit 0 when the edits apply, 1 when
 * no model gave a usable proposal or its edits do not apply, 2 for invalid input.
 *
 * The endpoint: `AAOE_MODEL_BASE_URL` (or `OPENAI_BASE_URL`) and `AAOE_MODEL_API_KEY` (or `OPENAI_API_KEY`).
 */

/** The issue file of `aaoe propose` (schemas/issue.schema.json, example schemas/examples/issue.json). */
export const IssueFile = z.strictObject({
  title: z.string().min(1),
  body: z.string().default(''),
  number: z.int().optional(),
});

export const ISSUE_FILE: InputFormat<z.infer<typeof IssueFile>> = {
  schema: IssueFile,
  schemaFile: 'schemas/issue.schema.json',
  title: 'AAOE issue file (aaoe propose --issue)',
  aliases: { description: 'body', text: 'body', name: 'title', id: 'number' },
};

/** The models file (`--models`, and the app's `AAOE_MODELS`): schemas/models.schema.json, schemas/examples/models.json. */
export const MODELS_FILE: InputFormat<ModelsFile> = {
  schema: ModelsFile,
  schemaFile: 'schemas/models.schema.json',
  title: 'AAOE models file (aaoe propose --models, AAOE_MODELS)',
  aliases: { model: 'id', name: 'id' },
};

/** `aaoe propose`'s options, as commander reads them. */
export type ProposeOptions = {
  issue: string;
  repo: string;
  models: string;
  budget?: number;
  maxOutput?: number;
  maxUsd?: number;
  maxTokens?: number;
};

/** Largest file sent as context; larger ones are listed in the tree only. */
const MAX_FILE_BYTES = 256 * 1024;

type ProposeInput = {
  issue: z.infer<typeof IssueFile>;
  models: z.infer<typeof ModelsFile>;
  repo: string;
  numbers: ProposeOptions;
  apiKey: string;
  baseURL: string | undefined;
};

export function registerProposeCommand(program: Command, ctx: CliContext): Command {
  const propose = program
    .command('propose')
    .description(
      "a dry run of AAOE's agent on a local checkout: builds the context, asks the models, validates the proposal and applies its edits in memory; writes nothing. Needs AAOE_MODEL_API_KEY (and AAOE_MODEL_BASE_URL for an endpoint other than OpenAI)",
    )
    .requiredOption('--issue <file.json>', 'the issue: schemas/issue.schema.json, example schemas/examples/issue.json')
    .requiredOption('--repo <dir>', "the repository's checkout")
    .requiredOption(
      '--models <file.json>',
      'the models: schemas/models.schema.json, example schemas/examples/models.json',
    )
    .option('--budget <tokens>', 'tokens of repository context to send (default 30000)', positiveNumber)
    .option('--max-output <tokens>', 'the most output tokens a proposal may use (default 8000)', positiveNumber)
    .option('--max-usd <usd>', 'refuse to spend more than this', positiveNumber)
    .option('--max-tokens <tokens>', 'refuse to use more tokens than this', positiveNumber)
    .addHelpText(
      'after',
      '\nExit codes: 0 the edits apply, 1 no usable proposal or its edits do not apply, 2 invalid input.',
    )
    .action(async (options: ProposeOptions) => {
      ctx.exit(await proposeDryRun(options, ctx.io, ctx.env));
    });
  return withExamples(propose, [
    'aaoe propose --issue schemas/examples/issue.json --repo . --models schemas/examples/models.json',
    'aaoe propose --issue issue.json --repo . --models models.json --budget 30000 --max-usd 1 --max-tokens 50000',
  ]);
}

export async function proposeDryRun(options: ProposeOptions, io: CliIo, env: Env): Promise<number> {
  const input = readInput(options, io, env);
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
    maxOutputTokens: numbers.maxOutput ?? 8_000,
    caps: {
      spent: { tokens: 0, usd: 0 },
      ...(numbers.maxUsd ? { maxUsd: numbers.maxUsd } : {}),
      ...(numbers.maxTokens ? { maxTokens: numbers.maxTokens } : {}),
    },
  });
}

/** The command's input read and checked, or the exit code after saying on stderr what is wrong. */
function readInput(options: ProposeOptions, io: CliIo, env: Env): ProposeInput | number {
  const issue = readInputFile(options.issue, ISSUE_FILE, io);
  const models = readInputFile(options.models, MODELS_FILE, io);
  if (!issue || !models) return EXIT.invalid;
  const { baseURL, apiKey } = readConfig(env).model;
  if (!apiKey) {
    io.stderr(
      'aaoe propose: set AAOE_MODEL_API_KEY (or OPENAI_API_KEY), and AAOE_MODEL_BASE_URL for an endpoint other than OpenAI',
    );
    return EXIT.invalid;
  }
  return { issue, models, repo: options.repo, numbers: options, apiKey, baseURL };
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
