import { examplePayload } from '../../test/support/app-harness.js';

/**
 * The deliveries GitHub would send while the demo runs, built from GitHub's own example payloads
 * (`@octokit/webhooks-examples`) with the objects of the simulator written over the example's: the app reads
 * everything it acts on back from the simulator, as it would from GitHub.
 */

export type DemoRepo = { owner: string; name: string; installationId: number };

/** A JSON object: a payload, or an object inside one. */
export type Json = Record<string, unknown>;

/** The object at `key` of a payload (an empty one when the example has none there). */
function objectAt(payload: Json, key: string): Json {
  const value = payload[key];
  return typeof value === 'object' && value !== null ? (value as Json) : {};
}

function example(event: string, action: string): Json {
  return examplePayload(event, action) as Json;
}

/** The example's repository, renamed to the demo's (the example is Codertocat/Hello-World). */
function withRepository(payload: Json, repo: DemoRepo): Json {
  const exampleRepository =
    payload.repository === undefined || payload.repository === null
      ? objectAt(example('pull_request', 'opened'), 'repository')
      : objectAt(payload, 'repository');
  payload.repository = {
    ...exampleRepository,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: { ...objectAt(exampleRepository, 'owner'), login: repo.owner },
  };
  payload.installation = { id: repo.installationId };
  return payload;
}

const user = (payload: Json, login: string, type: 'User' | 'Bot' = 'User'): Json => ({
  ...objectAt(payload, 'sender'),
  login,
  type,
});

/** `issues.labeled`: `by` applied `label` to the issue (the simulator's JSON of it). */
export function issueLabelled(repo: DemoRepo, issue: Json, label: string, by: string): Json {
  const payload = example('issues', 'labeled');
  payload.issue = { ...objectAt(payload, 'issue'), ...issue };
  payload.label = { ...objectAt(payload, 'label'), name: label };
  payload.sender = user(payload, by);
  return withRepository(payload, repo);
}

/** `pull_request.<action>` for the pull request as the simulator holds it. */
export function pullRequestEvent(
  repo: DemoRepo,
  action: 'opened' | 'closed',
  pull: Json & { number: number },
  sender: string,
): Json {
  const payload = example('pull_request', action);
  payload.number = pull.number;
  payload.pull_request = { ...objectAt(payload, 'pull_request'), ...pull };
  payload.sender = user(payload, sender, sender.endsWith('[bot]') ? 'Bot' : 'User');
  return withRepository(payload, repo);
}

/** `issue_comment.created` for a comment (the simulator's JSON of it) on pull request `number`. */
export function commentCreated(repo: DemoRepo, number: number, comment: Json, by: string, apiUrl: string): Json {
  const payload = example('issue_comment', 'created');
  payload.issue = {
    ...objectAt(payload, 'issue'),
    number,
    pull_request: { url: `${apiUrl}/repos/${repo.owner}/${repo.name}/pulls/${number}` },
  };
  payload.comment = { ...objectAt(payload, 'comment'), ...comment };
  payload.sender = user(payload, by);
  return withRepository(payload, repo);
}
