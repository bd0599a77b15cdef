import { examplePayload } from '../../test/support/app-harness.js';

/**
 * The deliveries GitHub would send while the demo runs, built from GitHub's own example payloads
 * (`@octokit/webhooks-examples`) with the objects of the simulator written over the example's: the app reads
 * everything it acts on back from the simulator, as it would from GitHub.
 */

export type DemoRepo = { owner: string; name: string; installationId: number };

type Json = Record<string, any>;

/** The example's repository, renamed to the demo's (the example is Codertocat/Hello-World). */
function withRepository(payload: Json, repo: DemoRepo): Json {
  const example = payload.repository ?? examplePayload('pull_request', 'opened').repository;
  payload.repository = {
    ...example,
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    owner: { ...example.owner, login: repo.owner },
  };
  payload.installation = { id: repo.installationId };
  return payload;
}

const user = (payload: Json, login: string, type: 'User' | 'Bot' = 'User') => ({ ...payload.sender, login, type });

/** `issues.labeled`: `by` applied `label` to the issue (the simulator's JSON of it). */
export function issueLabelled(repo: DemoRepo, issue: Json, label: string, by: string): Json {
  const payload = examplePayload('issues', 'labeled');
  payload.issue = { ...payload.issue, ...issue };
  payload.label = { ...payload.label, name: label };
  payload.sender = user(payload, by);
  return withRepository(payload, repo);
}

/** `pull_request.<action>` for the pull request as the simulator holds it. */
export function pullRequestEvent(repo: DemoRepo, action: 'opened' | 'closed', pull: Json, sender: string): Json {
  const payload = examplePayload('pull_request', action);
  payload.number = pull.number;
  payload.pull_request = { ...payload.pull_request, ...pull };
  payload.sender = user(payload, sender, sender.endsWith('[bot]') ? 'Bot' : 'User');
  return withRepository(payload, repo);
}

/** `issue_comment.created` for a comment (the simulator's JSON of it) on pull request `number`. */
export function commentCreated(repo: DemoRepo, number: number, comment: Json, by: string, apiUrl: string): Json {
  const payload = examplePayload('issue_comment', 'created');
  payload.issue = {
    ...payload.issue,
    number,
    pull_request: { url: `${apiUrl}/repos/${repo.owner}/${repo.name}/pulls/${number}` },
  };
  payload.comment = { ...payload.comment, ...comment };
  payload.sender = user(payload, by);
  return withRepository(payload, repo);
}
