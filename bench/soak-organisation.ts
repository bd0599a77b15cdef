import type { GitHubSimulator } from '../test/simulator/github-simulator.js';
import { examplePayload } from '../test/support/app-harness.js';
import { proposalBody } from '../test/support/proposal-body.js';
import { AGENT } from './fixtures.js';

/**
 * The soak's simulated organisation: installations with one repository each, the agent's pull requests spread over
 * them, and the delivery of each slot of the run (opened first, then rounds of pushes, approvals and comments).
 */

export type Json = Record<string, unknown>;

/** The value, which the bench's own arithmetic guarantees is there. */
export function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the soak bench indexed past its own arrays');
  return value;
}

/** The object at `key` of a payload (an empty one when there is none). */
function objectAt(payload: Json, key: string): Json {
  const value = payload[key];
  return typeof value === 'object' && value !== null ? (value as Json) : {};
}

export type Pull = {
  index: number;
  installationId: number;
  owner: string;
  repo: string;
  number: number;
  pushes: number;
  payload: Json;
  repository: Json;
  awaiting?: string;
};

export type Organisation = { sim: GitHubSimulator; pulls: Pull[]; pullCount: number };

const sha = (pull: Pull) => `${pull.index.toString(16).padStart(8, '0')}${pull.pushes.toString(16).padStart(32, '0')}`;

/** The installations, their repositories and the agent's pull requests, in the simulator. */
export function seedOrganisation(sim: GitHubSimulator, installations: number, pullCount: number): Organisation {
  const pulls: Pull[] = [];
  const repositories: Json[] = [];
  for (let i = 0; i < installations; i++) {
    const installationId = 10_000 + i;
    const owner = `org-${i}`;
    sim.addInstallation({ id: installationId, account: owner, accountType: 'Organization' });
    repositories.push(sim.addRepo({ owner, name: 'service', defaultBranch: 'main', installationId }));
    sim.setFile({
      owner,
      repo: 'service',
      branch: 'main',
      path: '.github/aaoe.yml',
      content: `agents: ['${AGENT}']\n`,
    });
  }
  for (let index = 0; index < pullCount; index++) {
    const i = index % installations;
    const pull: Pull = {
      index,
      installationId: 10_000 + i,
      owner: `org-${i}`,
      repo: 'service',
      number: 1 + Math.floor(index / installations),
      pushes: 0,
      payload: {},
      repository: must(repositories[i]),
    };
    pull.payload = sim.addPullRequest({
      owner: pull.owner,
      repo: pull.repo,
      number: pull.number,
      headSha: sha(pull),
      headRef: `agent/${index}`,
      baseRef: 'main',
      user: { login: AGENT, type: 'Bot' },
      body: proposalBody(),
      files: [
        { filename: 'docs/a.md', status: 'modified', additions: 1, deletions: 0, patch: '@@ -1 +1,2 @@\n a\n+b' },
      ],
    });
    pulls.push(pull);
  }
  return { sim, pulls, pullCount };
}

type Kind = 'opened' | 'push' | 'approval' | 'comment';
const ROUND: Kind[] = [
  'push',
  'comment',
  'comment',
  'approval',
  'comment',
  'push',
  'comment',
  'approval',
  'comment',
  'comment',
];

function kindOf({ pulls, pullCount }: Organisation, k: number): { pull: Pull; kind: Kind } {
  const pull = must(pulls[k % pullCount]);
  const round = Math.floor(k / pullCount);
  return { pull, kind: round === 0 ? 'opened' : must(ROUND[(pull.index + round) % ROUND.length]) };
}

const base = (event: string, action: string, pull: Pull): Json => {
  const payload = examplePayload(event, action) as Json;
  payload.repository = pull.repository;
  payload.organization = { login: pull.owner, id: pull.installationId };
  payload.installation = { id: pull.installationId };
  return payload;
};

/** A push to the pull request: a new head commit in the simulator. */
function push(sim: GitHubSimulator, pull: Pull): void {
  pull.pushes++;
  pull.payload = sim.pushToPullRequest({
    owner: pull.owner,
    repo: pull.repo,
    number: pull.number,
    headSha: sha(pull),
    files: [
      {
        filename: 'docs/a.md',
        status: 'modified',
        additions: pull.pushes + 1,
        deletions: 0,
        patch: `@@ -1 +1,2 @@\n a\n+b${pull.pushes}`,
      },
    ],
  });
}

/** The delivery for slot `k`, with the simulator changed first where GitHub would have changed (a push, a review). */
export function deliveryFor(
  org: Organisation,
  k: number,
): { event: string; payload: Json; awaits?: string; pull: Pull } {
  const { sim } = org;
  const { pull, kind } = kindOf(org, k);
  if (kind === 'opened' || kind === 'push') {
    if (kind === 'push') push(sim, pull);
    const payload = base('pull_request', kind === 'opened' ? 'opened' : 'synchronize', pull);
    payload.number = pull.number;
    payload.pull_request = { ...objectAt(payload, 'pull_request'), ...pull.payload };
    if (kind === 'push') payload.before = sha({ ...pull, pushes: pull.pushes - 1 });
    if (kind === 'push') payload.after = sha(pull);
    return { event: 'pull_request', payload, awaits: `${pull.owner}/${sha(pull)}`, pull };
  }
  if (kind === 'approval') {
    const reviewer = `reviewer-${pull.index % 7}`;
    const review = sim.addReview({
      owner: pull.owner,
      repo: pull.repo,
      number: pull.number,
      user: reviewer,
      state: 'APPROVED',
      commitId: sha(pull),
    });
    const payload = base('pull_request_review', 'submitted', pull);
    payload.pull_request = { ...objectAt(payload, 'pull_request'), ...pull.payload };
    payload.review = { ...objectAt(payload, 'review'), ...review };
    return { event: 'pull_request_review', payload, pull };
  }
  const payload = base('issue_comment', 'created', pull);
  payload.issue = {
    ...objectAt(payload, 'issue'),
    number: pull.number,
    pull_request: { url: pull.payload.url, html_url: pull.payload.html_url },
  };
  const comment = objectAt(payload, 'comment');
  payload.comment = {
    ...comment,
    id: 900_000_000 + k,
    body: `Looks fine to me (${k}).`,
    user: { ...objectAt(comment, 'user'), login: `dev-${k % 11}`, id: 5000 + (k % 11) },
  };
  return { event: 'issue_comment', payload, pull };
}
