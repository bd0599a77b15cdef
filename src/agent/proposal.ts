import { z } from 'zod';
import { RiskLevel } from '../policy/schema.js';

/**
 * The proposal: what an agent returns, and what an external agent puts in its pull request body (a
 * ```aaoe-proposal block). A published contract: `schemas/proposal.schema.json` is generated from it.
 *
 * Every object is strict, as in the policy schema. A proposal is data: its risk and cost only ever raise
 * what AAOE computes, and nothing in it approves, merges or deploys.
 */

/** Where the JSON Schema of a proposal is published; the missing-block message points there. */
export const PROPOSAL_SCHEMA_ID = 'https://github.com/aaoe/aaoe/schemas/proposal.schema.json';

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
  error: (issue) => (issue.code === 'invalid_union' ? 'the action is one of create, update, delete' : undefined),
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

export type ProposalExtraction =
  | { ok: true; proposal: Proposal }
  | { ok: false; reason: 'missing' | 'invalid'; message: string };

const BLOCK = `\`\`\`${PROPOSAL_BLOCK_INFO}`;

/**
 * The proposal of a pull request opened by an external agent: the one fenced code block with the info string
 * `aaoe-proposal` in its body, parsed as JSON and validated. Fences are found the way CommonMark finds them
 * (so a block quoted inside a longer fence is not a proposal) and blocks inside HTML comments are ignored, so
 * the proposal that governs is the one a reviewer sees.
 */
export function extractProposalBlock(prBody: string): ProposalExtraction {
  const blocks = fencedBlocks(prBody).filter((b) => b.info === PROPOSAL_BLOCK_INFO);
  const [block] = blocks;
  if (!block) {
    return {
      ok: false,
      reason: 'missing',
      message:
        `the pull request body has no ${BLOCK} block. Add one: a fenced code block that opens with ${BLOCK} ` +
        `on its own line, holds the proposal as one JSON object and closes with \`\`\` (the format: ${PROPOSAL_SCHEMA_ID}).`,
    };
  }
  const invalid = (message: string): ProposalExtraction => ({ ok: false, reason: 'invalid', message });
  if (blocks.length > 1) {
    return invalid(`the pull request body has ${blocks.length} ${BLOCK} blocks (lines ${blocks.map((b) => b.line).join(', ')}); keep exactly one.`);
  }
  if (!block.closed) return invalid(`the ${BLOCK} block on line ${block.line} is never closed: end it with \`\`\` on its own line.`);

  let json: unknown;
  try {
    json = JSON.parse(block.content);
  } catch (e) {
    return invalid(`the ${BLOCK} block on line ${block.line} is not valid JSON (${(e as Error).message}): write the proposal as one JSON object.`);
  }
  const parsed = Proposal.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap(formatIssue).map((line) => `- ${line}`);
    return invalid([`the ${BLOCK} block on line ${block.line} does not match the proposal format (${PROPOSAL_SCHEMA_ID}):`, ...issues].join('\n'));
  }
  return { ok: true, proposal: parsed.data };
}

/** `path: message`, one line per unknown key. */
function formatIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${dotted([...issue.path, key])}: unknown key`);
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
