import { cell as ownCell, data } from '../text/markdown.js';
import { PROPOSAL_BLOCK_INFO, type Proposal } from './proposal.js';

/**
 * The body of a pull request AAOE opens for an issue: the proposal rendered for a reviewer (summary, risk,
 * cost, deployment strategy, rollback plan, blast radius, owners, trace id) and the proposal itself in an
 * `aaoe-proposal` block, the same contract an external agent follows. Everything the model wrote is shown as
 * data: it cannot mention people or teams, and cannot forge AAOE's hidden markers.
 */

export type PullRequestBodyInput = {
  proposal: Proposal;
  issue: { number: number };
  executionId: string;
  traceId: string;
  model: string;
  cost: { tokens: number; usd: number };
  owners: Record<string, string[]>;
  changed: Array<{ path: string; status: 'added' | 'modified' | 'removed' }>;
};

/** GitHub refuses a pull request body over 65,536 characters; keep room for the rest. */
const MAX_BLOCK_CHARS = 50_000;

export const PULL_REQUEST_MARKER = '<!-- aaoe:proposal -->';

export function renderPullRequestBody(input: PullRequestBodyInput): string {
  const { proposal: p } = input;
  const mark = { added: 'A', modified: 'M', removed: 'D' } as const;
  const owners = Object.entries(input.owners);
  const json = JSON.stringify(p, null, 2);
  const block =
    json.length <= MAX_BLOCK_CHARS
      ? [
          '<details><summary>The proposal (<code>aaoe-proposal</code>)</summary>',
          '',
          `\`\`\`${PROPOSAL_BLOCK_INFO}`,
          json,
          '```',
          '',
          '</details>',
        ]
      : [
          `The proposal is ${json.length.toLocaleString('en-US')} characters, too long to show here; AAOE keeps it with execution \`${input.executionId}\`.`,
        ];
  return [
    PULL_REQUEST_MARKER,
    `Proposed by AAOE for #${input.issue.number}. AAOE's policy check \`aaoe/policy\` judges this change; an agent never merges it.`,
    '',
    '## Summary',
    '',
    data(p.summary),
    '',
    '| | |',
    '| --- | --- |',
    `| Classification | ${p.classification} |`,
    `| Risk declared by the agent | **${p.risk.level}**: ${cell(p.risk.rationale)} (AAOE assesses the risk itself; the higher of the two counts) |`,
    `| Cost | ${input.cost.tokens.toLocaleString('en-US')} tokens, $${input.cost.usd.toFixed(4)} (${cell(input.model)}); the agent estimated ${p.cost.estimatedTokens.toLocaleString('en-US')} tokens, $${p.cost.estimatedUsd.toFixed(4)} |`,
    `| Deployment | ${p.deployment.strategy}${p.deployment.notes ? `: ${cell(p.deployment.notes)}` : ''} |`,
    `| Rollback plan | ${cell(p.rollbackPlan)} |`,
    `| Blast radius | ${cell(p.blastRadius)} |`,
    `| Owners | ${owners.length ? owners.map(([owner, paths]) => `${owner} (${paths.map((path) => `\`${path}\``).join(', ')})`).join('; ') : 'none in CODEOWNERS for these paths'} |`,
    `| Trace | \`${input.traceId}\` (execution \`${input.executionId}\`) |`,
    '',
    '## Files',
    '',
    ...input.changed.map((c) => `- ${mark[c.status]} \`${c.path}\``),
    '',
    ...block,
    '',
  ].join('\n');
}

/** Model text in a table cell: inert, one line, pipes escaped. */
function cell(text: string): string {
  return ownCell(data(text));
}
