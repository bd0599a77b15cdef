import { z } from 'zod';
import { RiskLevel } from '../policy/schema.js';

/**
 * Two contracts. The proposal: what AAOE's own agent returns (with the `edits` AAOE applies). The declaration: what
 * any agent or person may put in a ```aaoe-proposal block of a pull request body, every field optional and no
 * `edits` (the diff is the pull request); a full proposal is a declaration too. `schemas/proposal.schema.json`, the
 * published format of the block, is generated from the declaration.
 *
 * Every object is strict, as in the policy schema. Both are data: a declared risk or cost only ever raises what AAOE
 * computes, and nothing in them approves, merges or deploys.
 */

/** Where the JSON Schema of a proposal is published; the missing-block message points there. */
export const PROPOSAL_SCHEMA_ID = 'https://github.com/aaoe/aaoe/schemas/proposal.schema.json';

/** Where the declaration is explained, for the messages that ask an author to write one. */
export const PROPOSAL_DOCS_URL = 'https://github.com/aaoe/aaoe/blob/main/docs/proposal.md';

/** The info string of the fenced code block that carries a proposal in a pull request body. */
export const PROPOSAL_BLOCK_INFO = 'aaoe-proposal';

/** Free text that must say something: empty or blank is refused. */
const Text = z.string().regex(/\S/, 'must not be empty');

/**
 * A file in the repository, spelled one way only, so that "two edits on one path" and "the file exists" can
 * be decided by comparing strings, and no edit can reach outside the tree. Each rule is its own pattern so
 * that the JSON Schema states it too, and a violation names the rule.
 */
export const RepoPath = z
  .string()
  .min(1, 'a path must not be empty')
  // eslint-disable-next-line no-control-regex -- the NUL character is exactly what this rule refuses
  .regex(/^[^\u0000]*$/, 'a path must not contain a NUL character')
  .regex(/^[^\\]*$/, 'a path uses forward slashes (/), not backslashes')
  .regex(/^(?!\/)/, 'a path is relative to the repository root: remove the leading /')
  .regex(/^(?![\s\S]*\/\/)(?![\s\S]*\/$)/, 'a path must not have empty segments (// or a trailing /)')
  .regex(/^(?!(?:[\s\S]*\/)?\.\.(?:\/|$))/, 'a path must not contain .. segments: an edit stays inside the repository')
  .regex(/^(?!(?:[\s\S]*\/)?\.(?:\/|$))/, 'a path must not contain . segments: write it without ./');

export const Replacement = z.strictObject({
  /** Text that occurs exactly once in the file at the time this replacement applies. */
  search: z.string().min(1, 'a search text must not be empty'),
  replace: z.string(),
});
export type Replacement = z.infer<typeof Replacement>;

export const CreateEdit = z.strictObject({
  action: z.literal('create'),
  path: RepoPath,
  content: z.string(),
});

/**
 * An update gives either the whole new content or search/replace pairs, never both. zod's discriminated
 * union takes one option per `action`, so the choice is a check here and a `oneOf` in the JSON Schema.
 */
export const UpdateEdit = z
  .strictObject({
    action: z.literal('update'),
    path: RepoPath,
    /** The whole new content of the file. */
    content: z.string().optional(),
    /** Applied in order, each to the result of the one before. */
    replacements: z.array(Replacement).min(1, 'give at least one replacement, or the whole content').optional(),
  })
  .refine((edit) => (edit.content === undefined) !== (edit.replacements === undefined), {
    message: 'an update gives either `content` (the whole new file) or `replacements`, exactly one of them',
  })
  .meta({ oneOf: [{ required: ['content'] }, { required: ['replacements'] }] });

export const DeleteEdit = z.strictObject({
  action: z.literal('delete'),
  path: RepoPath,
});

export const Edit = z.discriminatedUnion('action', [CreateEdit, UpdateEdit, DeleteEdit], {
  // the union's own issue (an action that is none of the three) is the only one this message is asked for
  error: () => 'the action is one of create, update, delete',
});
export type Edit = z.infer<typeof Edit>;

export const Classification = z.enum(['feature', 'bug', 'infra', 'ops', 'docs']);
export type Classification = z.infer<typeof Classification>;

export const DeploymentStrategy = z.enum(['canary', 'blue_green', 'rolling', 'direct']);
export type DeploymentStrategy = z.infer<typeof DeploymentStrategy>;

export const Proposal = z.strictObject({
  /** One or two sentences: what the change does. */
  summary: Text,
  classification: Classification,
  edits: z.array(Edit).min(1, 'a proposal changes at least one file'),
  /** The agent's own assessment; the computed risk is the higher of this and AAOE's. */
  risk: z.strictObject({ level: RiskLevel, rationale: Text }),
  cost: z.strictObject({
    estimatedTokens: z.int().nonnegative(),
    estimatedUsd: z.number().nonnegative(),
  }),
  deployment: z.strictObject({
    strategy: DeploymentStrategy,
    notes: z.string().optional(),
  }),
  rollbackPlan: Text,
  /** What breaks, and for whom, if the change is wrong. */
  blastRadius: Text,
});
export type Proposal = z.infer<typeof Proposal>;

/**
 * What an agent or a person declares in the ```aaoe-proposal block of a pull request: every field optional. AAOE
 * derives the rest from the change (src/core/policy/derive-proposal.ts); a declaration adds to it, never removes.
 */
export const Declaration = z.strictObject({
  summary: Text.optional().describe('One or two sentences: what the change does.'),
  classification: Classification.optional(),
  risk: z
    .strictObject({ level: RiskLevel, rationale: Text.optional() })
    .optional()
    .describe("The author's risk assessment: the risk AAOE judges is the higher of this and its own."),
  rollbackPlan: Text.optional().describe(
    'How to undo the change where a revert of the merge commit is not enough (a down migration, a restore).',
  ),
  blastRadius: Text.optional().describe('What breaks, and for whom, if the change is wrong.'),
  cost: z
    .strictObject({
      estimatedTokens: z.int().nonnegative().optional(),
      estimatedUsd: z.number().nonnegative().optional(),
    })
    .optional()
    .describe(
      'What making the change cost the agent: recorded as declared (never as measured) and counted against the cost caps.',
    ),
  deployment: z.strictObject({ strategy: DeploymentStrategy.optional(), notes: z.string().optional() }).optional(),
  edits: z
    .unknown()
    .optional()
    .describe(
      'Ignored: the diff is the pull request. Accepted so that a block in the full proposal format (older agents) still reads.',
    ),
});
export type Declaration = z.infer<typeof Declaration>;

/**
 * The longest pull request body AAOE reads a declaration from. GitHub refuses a body above 65,536 characters; the
 * cap holds whatever sends it, before any parsing.
 */
export const MAX_BODY_CHARS = 65_536;

export type DeclarationExtraction =
  { ok: true; declaration: Declaration; line: number } | { ok: false; reason: 'missing' | 'invalid'; message: string };

const BLOCK = `\`\`\`${PROPOSAL_BLOCK_INFO}`;

/**
 * The declaration of a pull request: the one fenced code block with the info string `aaoe-proposal` in its body,
 * parsed as JSON and validated. Fences are found the way CommonMark finds them (so a block quoted inside a longer
 * fence is not one) and blocks inside HTML comments are ignored, so the declaration that counts is the one a reviewer
 * sees. `missing` is no failure: AAOE derives what it needs from the change.
 */
export function extractDeclaration(prBody: string): DeclarationExtraction {
  const read = readBlock(prBody);
  if (!read.ok) return read;
  const parsed = Declaration.safeParse(read.json);
  if (!parsed.success)
    return { ok: false, reason: 'invalid', message: formatIssues(parsed.error, read.line, 'declaration') };
  return { ok: true, declaration: parsed.data, line: read.line };
}

export type ProposalExtraction =
  { ok: true; proposal: Proposal } | { ok: false; reason: 'missing' | 'invalid'; message: string };

/**
 * The block read as a full proposal, edits and all: what AAOE's own pull requests carry (the same block, so that the
 * contract an agent follows is the one AAOE honours). The gates read a declaration (`extractDeclaration`).
 */
export function extractProposalBlock(prBody: string): ProposalExtraction {
  const read = readBlock(prBody);
  if (!read.ok) return read;
  const parsed = Proposal.safeParse(read.json);
  if (!parsed.success)
    return { ok: false, reason: 'invalid', message: formatIssues(parsed.error, read.line, 'proposal') };
  return { ok: true, proposal: parsed.data };
}

type BlockRead =
  { ok: true; json: unknown; line: number } | { ok: false; reason: 'missing' | 'invalid'; message: string };

/** The one ```aaoe-proposal block of a body, parsed as JSON: bounded before any parsing. */
function readBlock(prBody: string): BlockRead {
  const invalid = (message: string): BlockRead => ({ ok: false, reason: 'invalid', message });
  if (prBody.length > MAX_BODY_CHARS) {
    return invalid(
      `the pull request body is ${prBody.length.toLocaleString('en-US')} characters, more than the ${MAX_BODY_CHARS.toLocaleString('en-US')} AAOE reads (GitHub's limit): shorten it.`,
    );
  }
  const blocks = fencedBlocks(prBody).filter((b) => b.info === PROPOSAL_BLOCK_INFO);
  const [block] = blocks;
  if (!block) return { ok: false, reason: 'missing', message: `the pull request body has no ${BLOCK} block.` };
  if (blocks.length > 1) {
    return invalid(
      `the pull request body has ${blocks.length} ${BLOCK} blocks (lines ${blocks.map((b) => b.line).join(', ')}); keep exactly one.`,
    );
  }
  if (!block.closed)
    return invalid(`the ${BLOCK} block on line ${block.line} is never closed: end it with \`\`\` on its own line.`);
  try {
    return { ok: true, json: JSON.parse(block.content), line: block.line };
  } catch (e) {
    return invalid(
      `the ${BLOCK} block on line ${block.line} is not valid JSON (${(e as Error).message}): write it as one JSON object.`,
    );
  }
}

function formatIssues(error: z.ZodError, line: number, format: 'declaration' | 'proposal'): string {
  const keys = format === 'declaration' ? DECLARATION_KEYS : Object.keys(Proposal.shape);
  const issues = error.issues
    .slice(0, 20)
    .flatMap((issue) => formatIssue(issue, keys))
    .map((text) => `- ${text}`);
  return [
    `the ${BLOCK} block on line ${line} does not match the ${format} format (${PROPOSAL_SCHEMA_ID}):`,
    ...issues,
  ].join('\n');
}

/** The keys a declaration may have, for the message that names an unknown one. */
const DECLARATION_KEYS = Object.keys(Declaration.shape).filter((k) => k !== 'edits');

/** `path: message`, one line per unknown key. */
function formatIssue(issue: z.core.$ZodIssue, keys: readonly string[]): string[] {
  if (issue.code === 'unrecognized_keys') {
    const allowed = issue.path.length === 0 ? ` (the keys are ${keys.join(', ')})` : '';
    return issue.keys.slice(0, 10).map((key) => `${dotted([...issue.path, key.slice(0, 60)])}: unknown key${allowed}`);
  }
  return [`${dotted(issue.path)}: ${issue.message}`];
}

/** `edits[0].replacements[1].search`, or `(root)`. */
function dotted(path: readonly PropertyKey[]): string {
  const text = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
  return text === '' ? '(root)' : text;
}

type FencedBlock = {
  info: string;
  content: string;
  /** 1-based, of the opening fence. */
  line: number;
  closed: boolean;
};

/**
 * The fenced code blocks of a Markdown text that start at the top level (up to three spaces of indentation),
 * with CommonMark's rules for opening and closing fences; an unclosed fence runs to the end.
 */
function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: { fence: string; info: string; line: number; body: string[] } | undefined;
  let inComment = false;
  markdown.split(/\r\n|\r|\n/).forEach((text, index) => {
    if (open) {
      const close = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(text)?.[1];
      if (close && close[0] === open.fence[0] && close.length >= open.fence.length) {
        blocks.push({ info: open.info, content: open.body.join('\n'), line: open.line, closed: true });
        open = undefined;
      } else {
        open.body.push(text);
      }
      return;
    }
    if (inComment || /^ {0,3}<!--/.test(text)) {
      inComment = !text.includes('-->');
      return;
    }
    const start = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(text);
    if (!start) return;
    const [, fence = '', rest = ''] = start;
    if (fence.startsWith('`') && rest.includes('`')) return; // not a fence: inline code
    open = { fence, info: rest.trim().split(/\s+/)[0] ?? '', line: index + 1, body: [] };
  });
  if (open) blocks.push({ info: open.info, content: open.body.join('\n'), line: open.line, closed: false });
  return blocks;
}

/**
 * The JSON Schema of the ```aaoe-proposal block (a declaration), generated from the zod schema so that agents are
 * held to what the app validates. Committed as `schemas/proposal.schema.json` (`npm run schemas`); a test keeps it in step.
 */
export function renderDeclarationJsonSchema(): string {
  const schema = {
    ...z.toJSONSchema(Declaration, { io: 'input', target: 'draft-2020-12' }),
    $id: PROPOSAL_SCHEMA_ID,
    title: 'AAOE declaration (the aaoe-proposal block of a pull request body)',
    description:
      'Every field is optional: AAOE derives the blast radius, the rollback and what a revert cannot undo from the change. ' +
      'A declared risk or cost only ever raises what AAOE computes. See docs/proposal.md.',
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
