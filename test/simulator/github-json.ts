import { createHash } from 'node:crypto';

/**
 * GitHub's JSON shapes, built from the simulator's plain data. Every field the OpenAPI description marks
 * as required is present with the right type (the simulator's own tests check the answers against the
 * response schemas), and URLs point at the simulator as they would at a GitHub Enterprise Server:
 * the API under `/api/v3`, the web pages at the host's root.
 */

export type Urls = { api: string; web: string };

export type UserType = 'User' | 'Bot' | 'Organization';

export type JsonObject = Record<string, unknown>;

/** A stable positive 31-bit id derived from a string (the same login always gets the same id). */
export function stableId(kind: string, key: string): number {
  return (createHash('sha256').update(`${kind}:${key}`).digest().readUInt32BE(0) % 2_000_000_000) + 1;
}

/** A 40-hex SHA derived from its inputs. */
export function fakeSha(...parts: Array<string | number>): string {
  return createHash('sha1').update(parts.join('\0')).digest('hex');
}

/** Git's blob SHA of a text. */
export function blobSha(content: string): string {
  const bytes = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64');
}

/** ISO 8601 without milliseconds, as GitHub writes timestamps. */
export function isoSeconds(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const enc = encodeURIComponent;

/** A user's JSON; `id` defaults to one derived from the login (give the real one to play a known account). */
export function userJson(
  urls: Urls,
  login: string,
  type: UserType = login.endsWith('[bot]') ? 'Bot' : 'User',
  knownId?: number,
): JsonObject {
  const id = knownId ?? stableId('user', login.toLowerCase());
  const api = `${urls.api}/users/${enc(login)}`;
  return {
    login,
    id,
    node_id: nodeId(type, id),
    avatar_url: `${urls.web}/avatars/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: type === 'Bot' ? `${urls.web}/apps/${enc(login.replace(/\[bot\]$/, ''))}` : `${urls.web}/${enc(login)}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

export type AppData = {
  id: number;
  slug: string;
  name: string;
  owner: string;
  permissions: Record<string, string>;
  events: string[];
  createdAt: string;
  /** The app's webhook (`sim.setWebhook`) and the deliveries GitHub made to it (`sim.sendWebhook`). */
  hook?: { url: string; contentType: 'json' | 'form'; secret: string | null; insecureSsl: '0' | '1' };
  hookDeliveries?: JsonObject[];
};

export function appJson(urls: Urls, app: AppData, installationsCount?: number): JsonObject {
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId('App', app.id),
    client_id: `Iv1.${fakeSha('client', app.id).slice(0, 16)}`,
    owner: userJson(urls, app.owner, 'Organization'),
    name: app.name,
    description: '',
    external_url: `${urls.web}/apps/${app.slug}/home`,
    html_url: `${urls.web}/apps/${app.slug}`,
    created_at: app.createdAt,
    updated_at: app.createdAt,
    permissions: { ...app.permissions },
    events: [...app.events],
    ...(installationsCount !== undefined ? { installations_count: installationsCount } : {}),
  };
}

export type InstallationData = {
  id: number;
  account: string;
  accountType: 'Organization' | 'User';
  permissions: Record<string, string>;
  repositorySelection: 'all' | 'selected';
  createdAt: string;
};

export function installationJson(urls: Urls, app: AppData, inst: InstallationData): JsonObject {
  const account = userJson(urls, inst.account, inst.accountType);
  return {
    id: inst.id,
    account,
    repository_selection: inst.repositorySelection,
    access_tokens_url: `${urls.api}/app/installations/${inst.id}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: `${urls.web}/${inst.accountType === 'Organization' ? `organizations/${enc(inst.account)}/` : ''}settings/installations/${inst.id}`,
    app_id: app.id,
    client_id: appJson(urls, app).client_id as string,
    target_id: account.id,
    target_type: inst.accountType,
    permissions: { ...inst.permissions },
    events: [...app.events],
    created_at: inst.createdAt,
    updated_at: inst.createdAt,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    app_slug: app.slug,
    suspended_by: null,
    suspended_at: null,
  };
}

export type RepoData = {
  id: number;
  owner: string;
  ownerType: 'Organization' | 'User';
  name: string;
  defaultBranch: string;
  private: boolean;
  createdAt: string;
  /** Set with `sim.setRepoSettings` (onboarding skips archived repositories and the `aaoe-ignore` topic). */
  archived?: boolean;
  topics?: string[];
};

/** The `repository` shape (in pull requests, installation tokens); `full` adds what GET /repos/{o}/{r} has. */
export function repoJson(urls: Urls, repo: RepoData, full = false): JsonObject {
  const fullName = `${repo.owner}/${repo.name}`;
  const api = `${urls.api}/repos/${fullName}`;
  const owner = userJson(urls, repo.owner, repo.ownerType);
  const host = new URL(urls.web).host;
  const json: JsonObject = {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: fullName,
    private: repo.private,
    owner,
    html_url: `${urls.web}/${fullName}`,
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://${host}/${fullName}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@${host}:${fullName}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${urls.web}/${fullName}.git`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: `${urls.web}/${fullName}`,
    homepage: null,
    language: null,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues_count: 0,
    open_issues: 0,
    is_template: false,
    topics: repo.topics ?? [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: repo.archived ?? false,
    disabled: false,
    visibility: repo.private ? 'private' : 'public',
    pushed_at: repo.createdAt,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    allow_forking: true,
    web_commit_signoff_required: false,
    license: null,
  };
  if (full) {
    Object.assign(json, {
      subscribers_count: 0,
      network_count: 0,
      allow_rebase_merge: true,
      allow_squash_merge: true,
      allow_merge_commit: true,
      allow_auto_merge: false,
      delete_branch_on_merge: false,
      allow_update_branch: false,
      use_squash_pr_title_as_default: false,
      squash_merge_commit_title: 'COMMIT_OR_PR_TITLE',
      squash_merge_commit_message: 'COMMIT_MESSAGES',
      merge_commit_title: 'MERGE_MESSAGE',
      merge_commit_message: 'PR_TITLE',
      temp_clone_token: '',
      ...(repo.ownerType === 'Organization' ? { organization: owner } : {}),
    });
  }
  return json;
}

export type LabelData = { id: number; name: string; color: string; description: string | null };

export function labelJson(urls: Urls, repo: RepoData, label: LabelData): JsonObject {
  return {
    id: label.id,
    node_id: nodeId('Label', label.id),
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/labels/${enc(label.name)}`,
    name: label.name,
    description: label.description,
    color: label.color,
    default: false,
  };
}

export type FileStatus = 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';

export type PullFile = {
  filename: string;
  status: FileStatus;
  additions?: number;
  deletions?: number;
  changes?: number;
  patch?: string;
  previous_filename?: string;
  sha?: string;
};

export function diffEntryJson(urls: Urls, repo: RepoData, headSha: string, file: PullFile): JsonObject {
  const additions = file.additions ?? 0;
  const deletions = file.deletions ?? 0;
  const path = file.filename.split('/').map(enc).join('/');
  return {
    sha: file.sha ?? (file.status === 'removed' ? fakeSha('removed', file.filename) : fakeSha(headSha, file.filename)),
    filename: file.filename,
    status: file.status,
    additions,
    deletions,
    changes: file.changes ?? additions + deletions,
    blob_url: `${urls.web}/${repo.owner}/${repo.name}/blob/${headSha}/${path}`,
    raw_url: `${urls.web}/${repo.owner}/${repo.name}/raw/${headSha}/${path}`,
    contents_url: `${urls.api}/repos/${repo.owner}/${repo.name}/contents/${path}?ref=${headSha}`,
    ...(file.patch !== undefined ? { patch: file.patch } : {}),
    ...(file.previous_filename !== undefined ? { previous_filename: file.previous_filename } : {}),
  };
}

export type PullData = {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  /** `id`: the account's immutable id, when a test gives the real one (otherwise derived from the login). */
  user: { login: string; type: UserType; id?: number };
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  labels: LabelData[];
  additions: number;
  deletions: number;
  changedFiles: number;
  createdAt: string;
  updatedAt: string;
  requestedReviewers?: string[];
  requestedTeams?: string[];
  /** Set when merged (through PUT .../merge). */
  mergeCommitSha?: string;
};

export function pullJson(urls: Urls, repo: RepoData, pr: PullData): JsonObject {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const web = `${urls.web}/${repo.owner}/${repo.name}`;
  const repository = repoJson(urls, repo);
  const owner = userJson(urls, repo.owner, repo.ownerType);
  const self = `${api}/pulls/${pr.number}`;
  return {
    url: self,
    id: pr.id,
    node_id: nodeId('PullRequest', pr.id),
    html_url: `${web}/pull/${pr.number}`,
    diff_url: `${web}/pull/${pr.number}.diff`,
    patch_url: `${web}/pull/${pr.number}.patch`,
    issue_url: `${api}/issues/${pr.number}`,
    commits_url: `${self}/commits`,
    review_comments_url: `${self}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pr.number}/comments`,
    statuses_url: `${api}/statuses/${pr.headSha}`,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user: userJson(urls, pr.user.login, pr.user.type, pr.user.id),
    body: pr.body,
    labels: pr.labels.map((l) => labelJson(urls, repo, l)),
    milestone: null,
    active_lock_reason: null,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.state === 'closed' ? pr.updatedAt : null,
    merged_at: pr.mergeCommitSha ? pr.updatedAt : null,
    merge_commit_sha: pr.mergeCommitSha ?? null,
    assignee: null,
    assignees: [],
    requested_reviewers: (pr.requestedReviewers ?? []).map((login) => userJson(urls, login)),
    requested_teams: (pr.requestedTeams ?? []).map((slug) => teamJson(urls, repo.owner, slug)),
    head: { label: `${repo.owner}:${pr.headRef}`, ref: pr.headRef, sha: pr.headSha, user: owner, repo: repository },
    base: { label: `${repo.owner}:${pr.baseRef}`, ref: pr.baseRef, sha: pr.baseSha, user: owner, repo: repository },
    _links: {
      self: { href: self },
      html: { href: `${web}/pull/${pr.number}` },
      issue: { href: `${api}/issues/${pr.number}` },
      comments: { href: `${api}/issues/${pr.number}/comments` },
      review_comments: { href: `${self}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${self}/commits` },
      statuses: { href: `${api}/statuses/${pr.headSha}` },
    },
    author_association: pr.user.login.toLowerCase() === repo.owner.toLowerCase() ? 'OWNER' : 'CONTRIBUTOR',
    auto_merge: null,
    draft: pr.draft,
    merged: pr.mergeCommitSha !== undefined,
    mergeable: pr.state === 'open',
    rebaseable: true,
    mergeable_state: 'clean',
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    // the simulator's state keeps a pull request's commits beside its JSON data
    commits: 'commits' in pr && Array.isArray(pr.commits) ? pr.commits.length : 1,
    additions: pr.additions,
    deletions: pr.deletions,
    changed_files: pr.changedFiles,
  };
}

/** The `pull-request-minimal` shape of a check run's `pull_requests`. */
export function pullMinimalJson(urls: Urls, repo: RepoData, pr: PullData): JsonObject {
  const repoRef = { id: repo.id, url: `${urls.api}/repos/${repo.owner}/${repo.name}`, name: repo.name };
  return {
    id: pr.id,
    number: pr.number,
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/pulls/${pr.number}`,
    head: { ref: pr.headRef, sha: pr.headSha, repo: repoRef },
    base: { ref: pr.baseRef, sha: pr.baseSha, repo: repoRef },
  };
}

export type IssueEventData = {
  id: number;
  event: 'labeled' | 'unlabeled';
  label: { name: string; color: string };
  actor: { login: string; type: UserType };
  createdAt: string;
};

export function issueEventJson(urls: Urls, repo: RepoData, event: IssueEventData): JsonObject {
  return {
    id: event.id,
    node_id: nodeId(event.event === 'labeled' ? 'LabeledEvent' : 'UnlabeledEvent', event.id),
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/issues/events/${event.id}`,
    actor: userJson(urls, event.actor.login, event.actor.type),
    event: event.event,
    commit_id: null,
    commit_url: null,
    created_at: event.createdAt,
    performed_via_github_app: null,
    label: { name: event.label.name, color: event.label.color },
  };
}

export type Annotation = {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
};

export type CheckRunData = {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  detailsUrl: string | null;
  externalId: string;
  startedAt: string | null;
  completedAt: string | null;
  output: {
    title: string | null;
    summary: string | null;
    text: string | null;
    annotations: Annotation[];
    images: JsonObject[];
  };
  actions: JsonObject[];
  checkSuiteId: number;
};

export function checkRunJson(
  urls: Urls,
  repo: RepoData,
  app: JsonObject,
  run: CheckRunData,
  pulls: JsonObject[],
): JsonObject {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}/check-runs/${run.id}`;
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId('CheckRun', run.id),
    head_sha: run.headSha,
    external_id: run.externalId,
    url: api,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/runs/${run.id}`,
    // "If the integrator does not provide this, then the homepage of the GitHub app is used."
    details_url: run.detailsUrl ?? (app.external_url as string),
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.output.annotations.length,
      annotations_url: `${api}/annotations`,
    },
    check_suite: { id: run.checkSuiteId },
    app,
    pull_requests: pulls,
  };
}

export function annotationJson(urls: Urls, repo: RepoData, headSha: string, a: Annotation): JsonObject {
  return {
    path: a.path,
    blob_href: `${urls.web}/${repo.owner}/${repo.name}/blob/${headSha}/${a.path.split('/').map(enc).join('/')}`,
    start_line: a.start_line,
    end_line: a.end_line,
    start_column: a.start_column ?? null,
    end_column: a.end_column ?? null,
    annotation_level: a.annotation_level,
    title: a.title ?? null,
    message: a.message,
    raw_details: a.raw_details ?? null,
  };
}

export type CommentData = {
  id: number;
  issueNumber: number;
  body: string;
  user: { login: string; type: UserType };
  viaApp: boolean;
  createdAt: string;
  updatedAt: string;
  reactions?: ReactionData[];
};

export function commentJson(urls: Urls, repo: RepoData, comment: CommentData, app: JsonObject): JsonObject {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  return {
    id: comment.id,
    node_id: nodeId('IssueComment', comment.id),
    url: `${api}/issues/comments/${comment.id}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/pull/${comment.issueNumber}#issuecomment-${comment.id}`,
    body: comment.body,
    user: userJson(urls, comment.user.login, comment.user.type),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${api}/issues/${comment.issueNumber}`,
    author_association: 'NONE',
    performed_via_github_app: comment.viaApp ? app : null,
    reactions: {
      url: `${api}/issues/comments/${comment.id}/reactions`,
      total_count: 0,
      '+1': 0,
      '-1': 0,
      laugh: 0,
      confused: 0,
      heart: 0,
      hooray: 0,
      eyes: 0,
      rocket: 0,
    },
  };
}

export function contentFileJson(urls: Urls, repo: RepoData, ref: string, path: string, content: string): JsonObject {
  const sha = blobSha(content);
  const encodedPath = path.split('/').map(enc).join('/');
  const self = `${urls.api}/repos/${repo.owner}/${repo.name}/contents/${encodedPath}?ref=${enc(ref)}`;
  const git = `${urls.api}/repos/${repo.owner}/${repo.name}/git/blobs/${sha}`;
  const html = `${urls.web}/${repo.owner}/${repo.name}/blob/${enc(ref)}/${encodedPath}`;
  // GitHub wraps the base64 at 60 characters
  const base64 = Buffer.from(content, 'utf8').toString('base64').replace(/.{60}/g, '$&\n');
  return {
    type: 'file',
    encoding: 'base64',
    size: Buffer.byteLength(content, 'utf8'),
    name: path.split('/').pop(),
    path,
    content: base64.endsWith('\n') || base64 === '' ? base64 : `${base64}\n`,
    sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: `${urls.web}/${repo.owner}/${repo.name}/raw/${enc(ref)}/${encodedPath}`,
    _links: { self, git, html },
  };
}

export function contentDirEntryJson(
  urls: Urls,
  repo: RepoData,
  ref: string,
  path: string,
  type: 'file' | 'dir',
  content?: string,
): JsonObject {
  const encodedPath = path.split('/').map(enc).join('/');
  const sha = type === 'file' ? blobSha(content ?? '') : fakeSha('tree', repo.id, ref, path);
  const self = `${urls.api}/repos/${repo.owner}/${repo.name}/contents/${encodedPath}?ref=${enc(ref)}`;
  const git = `${urls.api}/repos/${repo.owner}/${repo.name}/git/${type === 'file' ? 'blobs' : 'trees'}/${sha}`;
  const html = `${urls.web}/${repo.owner}/${repo.name}/${type === 'file' ? 'blob' : 'tree'}/${enc(ref)}/${encodedPath}`;
  return {
    type,
    size: type === 'file' ? Buffer.byteLength(content ?? '', 'utf8') : 0,
    name: path.split('/').pop(),
    path,
    sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: type === 'file' ? `${urls.web}/${repo.owner}/${repo.name}/raw/${enc(ref)}/${encodedPath}` : null,
    _links: { self, git, html },
  };
}

export type IssueData = {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  user: { login: string; type: UserType };
  labels: LabelData[];
  createdAt: string;
  updatedAt: string;
};

export function issueJson(urls: Urls, repo: RepoData, issue: IssueData, comments: number): JsonObject {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const id = stableId('issue', `${repo.owner}/${repo.name}#${issue.number}`.toLowerCase());
  const self = `${api}/issues/${issue.number}`;
  return {
    id,
    node_id: nodeId('Issue', id),
    url: self,
    repository_url: api,
    labels_url: `${self}/labels{/name}`,
    comments_url: `${self}/comments`,
    events_url: `${self}/events`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/issues/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: null,
    title: issue.title,
    body: issue.body,
    user: userJson(urls, issue.user.login, issue.user.type),
    labels: issue.labels.map((l) => labelJson(urls, repo, l)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments,
    closed_at: issue.state === 'closed' ? issue.updatedAt : null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_by: null,
    author_association: issue.user.login.toLowerCase() === repo.owner.toLowerCase() ? 'OWNER' : 'CONTRIBUTOR',
  };
}

export type ReactionData = { id: number; content: string; user: { login: string; type: UserType }; createdAt: string };

export function reactionJson(urls: Urls, reaction: ReactionData): JsonObject {
  return {
    id: reaction.id,
    node_id: nodeId('Reaction', reaction.id),
    user: userJson(urls, reaction.user.login, reaction.user.type),
    content: reaction.content,
    created_at: reaction.createdAt,
  };
}

export function gitRefJson(urls: Urls, repo: RepoData, ref: string, sha: string): JsonObject {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}/git`;
  return {
    ref,
    node_id: nodeId('Ref', stableId('ref', `${repo.id}:${ref}`)),
    url: `${api}/${ref}`,
    object: { type: 'commit', sha, url: `${api}/commits/${sha}` },
  };
}

export type GitCommitData = {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: { name: string; email: string; date: string };
};

export function gitCommitJson(urls: Urls, repo: RepoData, commit: GitCommitData): JsonObject {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}/git`;
  return {
    sha: commit.sha,
    node_id: nodeId('Commit', stableId('commit', commit.sha)),
    url: `${api}/commits/${commit.sha}`,
    html_url: `${urls.web}/${repo.owner}/${repo.name}/commit/${commit.sha}`,
    author: commit.author,
    committer: commit.author,
    message: commit.message,
    tree: { sha: commit.tree, url: `${api}/trees/${commit.tree}` },
    parents: commit.parents.map((sha) => ({
      sha,
      url: `${api}/commits/${sha}`,
      html_url: `${urls.web}/${repo.owner}/${repo.name}/commit/${sha}`,
    })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

/** A tree's JSON: with `recursive`, every file and directory below it; otherwise the top level. */
export function gitTreeJson(
  urls: Urls,
  repo: RepoData,
  sha: string,
  files: ReadonlyMap<string, string>,
  recursive: boolean,
): JsonObject {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}/git`;
  const entries = new Map<string, JsonObject>();
  for (const [path, content] of files) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if ((recursive || i === 1) && !entries.has(dir)) {
        const treeSha = fakeSha('tree', sha, dir);
        entries.set(dir, { path: dir, mode: '040000', type: 'tree', sha: treeSha, url: `${api}/trees/${treeSha}` });
      }
    }
    if (recursive || parts.length === 1) {
      const blob = blobSha(content);
      entries.set(path, {
        path,
        mode: '100644',
        type: 'blob',
        sha: blob,
        size: Buffer.byteLength(content, 'utf8'),
        url: `${api}/blobs/${blob}`,
      });
    }
  }
  return {
    sha,
    url: `${api}/trees/${sha}`,
    tree: [...entries.values()].sort((a, b) => String(a.path).localeCompare(String(b.path))),
    truncated: false,
  };
}

export function teamJson(urls: Urls, org: string, slug: string): JsonObject {
  const id = stableId('team', `${org}/${slug}`.toLowerCase());
  const api = `${urls.api}/orgs/${org}/teams/${slug}`;
  return {
    id,
    node_id: nodeId('Team', id),
    url: api,
    html_url: `${urls.web}/orgs/${org}/teams/${slug}`,
    name: slug,
    slug,
    type: 'organization',
    description: null,
    privacy: 'closed',
    notification_setting: 'notifications_enabled',
    permission: 'pull',
    members_url: `${api}/members{/member}`,
    repositories_url: `${api}/repos`,
    parent: null,
  };
}

/** Who wrote or committed a commit: git's name and email, and the GitHub account GitHub matched the email to (if any). */
export type CommitIdentity = {
  name: string;
  email: string;
  date?: string;
  account?: { login: string; type?: UserType; id?: number };
};

/** A commit of a pull request: what GET .../pulls/{pull_number}/commits lists. */
export type PullCommitData = {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: CommitIdentity;
  committer: CommitIdentity;
};

/** One item of GET /repos/{owner}/{repo}/pulls/{pull_number}/commits (GitHub's `commit` schema). */
export function pullCommitJson(urls: Urls, repo: RepoData, commit: PullCommitData): JsonObject {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  const web = `${urls.web}/${repo.owner}/${repo.name}`;
  const git = (p: CommitIdentity) => ({ name: p.name, email: p.email, date: p.date ?? '2020-01-01T00:00:00Z' });
  // GitHub's `author`/`committer` is the account the email belongs to, or null when none does
  const account = (p: CommitIdentity) =>
    p.account
      ? userJson(
          urls,
          p.account.login,
          p.account.type ?? (p.account.login.endsWith('[bot]') ? 'Bot' : 'User'),
          p.account.id,
        )
      : null;
  return {
    url: `${api}/commits/${commit.sha}`,
    sha: commit.sha,
    node_id: nodeId('Commit', stableId('commit', commit.sha)),
    html_url: `${web}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    commit: {
      url: `${api}/git/commits/${commit.sha}`,
      author: git(commit.author),
      committer: git(commit.committer),
      message: commit.message,
      tree: { sha: commit.tree, url: `${api}/git/trees/${commit.tree}` },
      comment_count: 0,
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    },
    author: account(commit.author),
    committer: account(commit.committer),
    parents: commit.parents.map((sha) => ({ sha, url: `${api}/commits/${sha}`, html_url: `${web}/commit/${sha}` })),
  };
}
