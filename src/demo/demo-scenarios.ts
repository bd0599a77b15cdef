import type { ModelSpec } from '../adapters/model/model-router.js';
import type { Proposal } from '../core/agent/proposal.js';
import type { DemoRepo } from './demo-deliveries.js';

/**
 * What the demo plays: its repository (files, policy, who writes and who approves), the scripted model, and the two
 * changes it asks for (the first canary healthy, the second regressing).
 */

export const DEMO_REPO: DemoRepo = { owner: 'octo-org', name: 'shop', installationId: 4242 };
export const DEFAULT_BRANCH = 'main';
export const REPORT_SECRET = 'demo-report-secret';
export const MODEL: ModelSpec = { id: 'demo-model', tier: 1, inputUsdPerMTok: 0.5, outputUsdPerMTok: 1.5 };
export const AUTHOR = 'alice'; // writes issues and applies the trigger label (write permission)
export const MAINTAINER = 'bob'; // reviews and approves (maintain permission)

/** The repository's policy: medium-risk changes need a person; AAOE merges approved changes itself. */
export const DEMO_POLICY = `# The demo repository's policy (see docs/getting-started.md)
extends: standard
risk: { maxLevel: high, requireHumanApprovalAbove: low }
merge: auto
deployment: { strategy: canary, canaryPercent: 10 }
circuitBreaker: { maxFailures: 2, freezeMinutes: 30 }
`;

export const FILES: Record<string, string> = {
  '.github/aaoe.yml': DEMO_POLICY,
  '.github/CODEOWNERS': `* @${MAINTAINER}\n`,
  'README.md': '# shop\n\nA small web shop.\n',
  'src/server.ts':
    "import { createServer } from 'node:http';\nimport { total } from './checkout.js';\n\nexport const server = createServer((req, res) => {\n  res.end(String(total([])));\n});\n",
  'src/checkout.ts':
    'export function total(prices: number[]): number {\n  return prices.reduce((sum, p) => sum + p, 0);\n}\n',
};

export type Scenario = { title: string; body: string; labels: string[]; proposal: Proposal; regresses: boolean };

export const SCENARIOS: Scenario[] = [
  {
    title: 'Add a /healthz endpoint',
    body: 'The load balancer needs `/healthz` on the server in src/server.ts to answer 200 while it runs.',
    labels: ['aaoe', 'enhancement'],
    regresses: false,
    proposal: {
      summary: 'Add a /healthz endpoint that answers 200 while the server runs.',
      classification: 'feature',
      edits: [
        {
          action: 'create',
          path: 'src/health.ts',
          content: "export function health() {\n  return { status: 'ok' };\n}\n",
        },
        {
          action: 'update',
          path: 'src/server.ts',
          replacements: [
            {
              search: '  res.end(String(total([])));',
              replace:
                "  if (req.url === '/healthz') return void res.end(JSON.stringify(health()));\n  res.end(String(total([])));",
            },
          ],
        },
      ],
      risk: { level: 'medium', rationale: 'A new route on the public server.' },
      cost: { estimatedTokens: 1500, estimatedUsd: 0.01 },
      deployment: { strategy: 'canary' },
      rollbackPlan: 'Revert the commit; nothing else depends on the route.',
      blastRadius: 'Requests to /healthz only.',
    },
  },
  {
    title: 'Round checkout totals to cents',
    body: 'src/checkout.ts sums floating point prices; totals like 0.30000000000000004 reach the receipts.',
    labels: ['aaoe', 'bug'],
    regresses: true,
    proposal: {
      summary: 'Round the checkout total to whole cents.',
      classification: 'bug',
      edits: [
        {
          action: 'update',
          path: 'src/checkout.ts',
          replacements: [
            {
              search: '  return prices.reduce((sum, p) => sum + p, 0);',
              replace: '  return Math.round(prices.reduce((sum, p) => sum + p, 0) * 100) / 100;',
            },
          ],
        },
      ],
      risk: { level: 'medium', rationale: 'Changes what every checkout computes.' },
      cost: { estimatedTokens: 1200, estimatedUsd: 0.01 },
      deployment: { strategy: 'canary' },
      rollbackPlan: 'Revert the commit.',
      blastRadius: 'Every checkout.',
    },
  },
];
