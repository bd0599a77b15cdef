import {
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  verify as verifySignature,
  type KeyObject,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  annotationJson,
  appJson,
  blobSha,
  fakeSha,
  gitCommitJson,
  gitRefJson,
  gitTreeJson,
  issueJson,
  reactionJson,
  stableId,
  checkRunJson,
  commentJson,
  contentDirEntryJson,
  contentFileJson,
  diffEntryJson,
  installationJson,
  isoSeconds,
  issueEventJson,
  pullCommitJson,
  pullJson,
  pullMinimalJson,
  repoJson,
  teamJson,
  userJson,
  type AppData,
  type Annotation,
  type CheckRunData,
  type CommentData,
  type GitCommitData,
  type IssueEventData,
  type ReactionData,
  type JsonObject,
  type PullFile,
  type Urls,
  type UserType,
} from './github-json.js';
import { workflowRunJson } from './workflow-run-json.js';
import { GitHubState, type NewCommit, type NewPullRequest, type Repo, type Role, type Token } from './github-state.js';
import { DEFAULT_SPECS, OpenApiValidator, type OperationInfo } from './openapi-validator.js';
import { OAuthWebFlow } from './oauth-web-flow.js';
import { servePage, type PageSource } from './html-pages.js';

/**
 * A loopback GitHub for tests: an HTTP server on 127.0.0.1 that serves the REST routes the app uses from
 * in-memory state and refuses every request that GitHub's OpenAPI descriptions (github.com and GHES, by
 * default) or GitHub's documented rules refuse. Point Probot at it with `GHE_HOST=sim.host` and
 * `GHE_PROTOCOL=http` (routes are served under `/api/v3`, and without the prefix too).
 *
 * - `sim.requests`: every request, `{ method, path, query, body, status, operationId }`.
 * - `sim.rejections`: requests GitHub would refuse (unknown route, invalid parameters or body, a broken
 *   rule, bad credentials, a missing permission), with the reason. Tests of the app assert it is empty.
 * - `sim.unimplemented`: valid requests for routes the simulator does not serve (answered 501).
 */

export type SimulatorOptions = {
  /** OpenAPI descriptions every request must satisfy (files under `@octokit/openapi/generated/`). */
  specs?: string[];
  appSlug?: string;
  appName?: string;
  /** Default: a different id for every simulator of the process. */
  appId?: number;
  /** The app's permissions, which installations get unless they say otherwise. */
  permissions?: Record<string, string>;
  /** Reject query parameters and body fields the description does not declare (GitHub ignores them). Default true. */
  strict?: boolean;
  /** Check every 2xx JSON answer of the simulator against the response schemas (`sim.invalidResponses`). Default false. */
  validateResponses?: boolean;
  /**
   * Refuse `conclusion: action_required` without a `details_url`. GitHub's documentation only says the
   * details *should* be on that page, and GitHub accepts it (it falls back to the app's homepage), so
   * this is off by default.
   */
  requireDetailsUrlForActionRequired?: boolean;
};

export type RecordedRequest = {
  method: string;
  /** Decoded, without `/api/v3` and without the query. */
  path: string;
  query: Record<string, string | string[]>;
  body: unknown;
  status: number;
  operationId?: string;
};

export type Rejection = RecordedRequest & { reason: string; errors: string[] };

export type Unimplemented = {
  method: string;
  path: string;
  operationId: string;
  template: string;
  enabledForGitHubApps: boolean;
};

export type InvalidResponse = { method: string; path: string; operationId: string; status: number; errors: string[] };

/** A stored check run: GitHub's JSON plus everything the app sent (annotations, images, actions). */
export type CheckRunRecord = JsonObject & {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  details_url: string | null;
  external_id: string;
  output: {
    title: string | null;
    summary: string | null;
    text: string | null;
    annotations_count: number;
    annotations: Annotation[];
    images: JsonObject[];
  };
  actions: JsonObject[];
};

const DEFAULT_PERMISSIONS: Record<string, string> = {
  checks: 'write',
  contents: 'read',
  issues: 'write',
  metadata: 'read',
  pull_requests: 'write',
};
const DEFAULT_EVENTS = ['check_run', 'check_suite', 'pull_request', 'push'];
const GITHUB_REST_DOCS = 'https://docs.github.com/rest';

/** An answer that ends the request: an error body, and whether GitHub refused the request (a rejection). */
class Answer extends Error {
  constructor(
    readonly status: number,
    readonly body: JsonObject,
    readonly rejection?: { reason: string; errors: string[] },
  ) {
    super(String(body.message));
  }
}

type Reply = { status: number; json?: unknown; text?: string; headers?: Record<string, string> };

type Ctx = {
  op: OperationInfo;
  params: Record<string, any>;
  query: Record<string, any>;
  body: any;
  req: IncomingMessage;
  /** The request path as sent, without `/api/v3` (for Link headers). */
  rawPath: string;
  rawQuery: URLSearchParams;
  /** Set for installation routes that name a repository. */
  repo: Repo;
  token?: Token;
  /** Set for `user` routes: whose user access token was sent. */
  user?: { login: string; type: UserType };
};

type RouteDef = {
  /** `app`: a JWT of the app; `installation`: an installation access token; `user`: a user's token (`createUserToken`). */
  auth: 'app' | 'installation' | 'user';
  /** Installation permissions, any one of which is enough: `checks:write`. */
  permissions?: string[];
  handle: (kit: Kit, ctx: Ctx) => Reply;
};

/** What the route handlers get from the simulator. */
type Kit = {
  state: GitHubState;
  urls: Urls;
  app: AppData;
  appJson: JsonObject;
  appId: number;
  appSlug: string;
  requireDetailsUrl: boolean;
  page: <T>(ctx: Ctx, items: T[]) => { items: T[]; headers: Record<string, string> };
  notFound: (ctx: Ctx, message?: string) => Answer;
  validationFailed: (
    ctx: Ctx,
    resource: string,
    errors: Array<{ code: string; field?: string; message?: string }>,
    message?: string,
  ) => Answer;
  checkRunJson: (repo: Repo, run: CheckRunData) => JsonObject;
  issueToken: (installationId: number, permissions: Record<string, string>, repos?: Set<string>) => Token;
};

let simulatorCount = 0;
let keyPair: { privateKey: string; publicKey: KeyObject } | undefined;

function appKeyPair(): { privateKey: string; publicKey: KeyObject } {
  // one RSA key pair per process (generating one takes a while); every simulator has its own app id
  if (!keyPair) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
    keyPair = { privateKey, publicKey: createPublicKey(publicKey) };
  }
  return keyPair;
}

export class GitHubSimulator {
  readonly requests: RecordedRequest[] = [];
  readonly rejections: Rejection[] = [];
  readonly unimplemented: Unimplemented[] = [];
  /** Answers of the simulator that do not match the response schemas (only with `validateResponses`). */
  readonly invalidResponses: InvalidResponse[] = [];

  readonly appId: number;
  readonly appSlug: string;
  readonly privateKey: string;
  readonly url: string;
  readonly host: string;

  private readonly state = new GitHubState();
  private readonly app: AppData;
  private readonly urls: Urls;
  private readonly publicKey: KeyObject;
  private readonly kit: Kit;

  private constructor(
    private readonly server: Server,
    private readonly validator: OpenApiValidator,
    private readonly options: SimulatorOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.host = `127.0.0.1:${port}`;
    this.url = `http://${this.host}`;
    this.urls = { api: `${this.url}/api/v3`, web: this.url };
    const keys = appKeyPair();
    this.privateKey = keys.privateKey;
    this.publicKey = keys.publicKey;
    this.appId = options.appId ?? 100_000 + ++simulatorCount;
    this.appSlug = options.appSlug ?? 'aaoe';
    this.app = {
      id: this.appId,
      slug: this.appSlug,
      name: options.appName ?? this.appSlug.toUpperCase(),
      owner: `${this.appSlug}-owner`,
      permissions: { ...(options.permissions ?? DEFAULT_PERMISSIONS) },
      events: DEFAULT_EVENTS,
      createdAt: isoSeconds(),
    };
    this.kit = {
      state: this.state,
      urls: this.urls,
      app: this.app,
      appJson: appJson(this.urls, this.app),
      appId: this.appId,
      appSlug: this.appSlug,
      requireDetailsUrl: options.requireDetailsUrlForActionRequired ?? false,
      page: (ctx, items) => this.page(ctx, items),
      notFound: (ctx, message) => this.notFound(ctx, message),
      validationFailed: (ctx, resource, errors, message) => this.validationFailed(ctx, resource, errors, message),
      checkRunJson: (repo, run) => this.checkRunJson(repo, run),
      issueToken: (installationId, permissions, repos) => this.issueToken(installationId, permissions, repos),
    };
  }

  static async start(options: SimulatorOptions = {}): Promise<GitHubSimulator> {
    const validator = new OpenApiValidator({
      specs: options.specs ?? [...DEFAULT_SPECS],
      strict: options.strict ?? true,
    });
    let sim: GitHubSimulator | undefined;
    const server = createServer((req, res) => {
      if (!sim) {
        res.writeHead(503).end();
        return;
      }
      sim.serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    sim = new GitHubSimulator(server, validator, options);
    return sim;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- state API for tests --------------------------------------------------------------------------

  /** An installation of the app on an account (the owner login of its repositories). */
  addInstallation(options: {
    id: number;
    account: string;
    accountType?: 'Organization' | 'User';
    permissions?: Record<string, string>;
    repositorySelection?: 'all' | 'selected';
  }): JsonObject {
    const installation = this.state.addInstallation({
      ...options,
      permissions: options.permissions ?? this.app.permissions,
    });
    return installationJson(this.urls, this.app, installation);
  }

  /** A repository (with its default branch); `installationId` makes it visible to that installation. */
  addRepo(options: {
    owner: string;
    name: string;
    defaultBranch?: string;
    private?: boolean;
    installationId?: number;
  }): JsonObject {
    return repoJson(this.urls, this.state.addRepo(options), true);
  }

  /** A repository's archived flag and topics (GET /repos/{owner}/{repo} shows them). */
  setRepoSettings(options: { owner: string; repo: string; archived?: boolean; topics?: string[] }): void {
    const repo = this.state.mustRepo(options.owner, options.repo);
    if (options.archived !== undefined) repo.archived = options.archived;
    if (options.topics !== undefined) repo.topics = [...options.topics];
  }

  /** The app's registered permissions and subscribed events (GET /app shows them). */
  setAppSettings(options: { permissions?: Record<string, string>; events?: string[] }): void {
    if (options.permissions) this.app.permissions = { ...options.permissions };
    if (options.events) this.app.events = [...options.events];
  }

  /** The app's webhook: where GitHub delivers and the secret it signs with (null: none). */
  setWebhook(options: {
    url: string;
    secret: string | null;
    contentType?: 'json' | 'form';
    insecureSsl?: boolean;
  }): void {
    this.app.hook = {
      url: options.url,
      secret: options.secret,
      contentType: options.contentType ?? 'json',
      insecureSsl: options.insecureSsl ? '1' : '0',
    };
  }

  /**
   * Delivers an event to the app's webhook as GitHub does (signed with the webhook's secret, if it has one) and
   * records the delivery (GET /app/hook/deliveries lists it, with the status the app answered). Returns the status.
   */
  async sendWebhook(event: string, payload: JsonObject): Promise<number> {
    const hook = this.app.hook;
    if (!hook) throw new Error('the app has no webhook: call setWebhook first');
    const { createHmac, randomUUID } = await import('node:crypto');
    const body = JSON.stringify(payload);
    const guid = randomUUID();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': guid,
      'user-agent': 'GitHub-Hookshot/sim',
    };
    if (hook.secret)
      headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}`;
    const started = Date.now();
    const res = await fetch(hook.url, { method: 'POST', headers, body }).catch(() => undefined);
    const status = res?.status ?? 502;
    await res?.text().catch(() => undefined);
    const deliveries = (this.app.hookDeliveries ??= []);
    deliveries.unshift({
      id: this.state.id(),
      guid,
      delivered_at: isoSeconds(),
      redelivery: false,
      duration: (Date.now() - started) / 1000,
      status: res ? (status < 400 ? 'OK' : `Invalid HTTP Response: ${status}`) : 'Failed to connect',
      status_code: res ? status : 0,
      event,
      action: typeof payload.action === 'string' ? payload.action : null,
      installation_id: null,
      repository_id: null,
    });
    return status;
  }

  /** Writes (or, with `content: null`, removes) a file on a branch (default: the default branch). */
  setFile(options: { owner: string; repo: string; branch?: string; path: string; content: string | null }): void {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const branch = this.state.branch(repo, options.branch ?? repo.defaultBranch);
    const path = options.path.replace(/^\/+/, '');
    if (options.content === null) branch.files.delete(path);
    else branch.files.set(path, options.content);
  }

  /** A pull request; returns its JSON exactly as GET /repos/{owner}/{repo}/pulls/{number} answers. */
  addPullRequest(options: NewPullRequest & { owner: string; repo: string }): JsonObject {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const { owner: _o, repo: _r, ...rest } = options;
    return pullJson(this.urls, repo, this.state.addPullRequest(repo, rest));
  }

  /**
   * A push to a pull request's head branch; returns the pull request's JSON afterwards (for a `synchronize` delivery).
   * `commits`: the commits pushed (the last one is `headSha`), added to the pull request's, or with `force` in their place.
   */
  pushToPullRequest(options: {
    owner: string;
    repo: string;
    number: number;
    headSha: string;
    files: NewPullRequest['files'];
    commits?: NewCommit[];
    force?: boolean;
  }): JsonObject {
    const repo = this.state.mustRepo(options.owner, options.repo);
    return pullJson(this.urls, repo, this.state.pushToPullRequest(repo, options.number, options));
  }

  /** An issue; returns its JSON as GET /repos/{owner}/{repo}/issues/{number} answers (for an `issues` delivery). */
  addIssue(options: {
    owner: string;
    repo: string;
    number?: number;
    title: string;
    body?: string;
    user: string | { login: string; type?: UserType };
    labels?: string[];
  }): JsonObject {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const user = typeof options.user === 'string' ? { login: options.user } : options.user;
    const issue = this.state.addIssue(repo, { ...options, user });
    return issueJson(this.urls, repo, issue.data!, 0);
  }

  /** Someone edits an issue's title and/or body (as `PATCH .../issues/{number}` would); returns its JSON afterwards. */
  editIssue(options: { owner: string; repo: string; number: number; title?: string; body?: string }): JsonObject {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const issue = this.state.issue(repo, options.number);
    if (!issue?.data) throw new Error(`${options.owner}/${options.repo}#${options.number} is not an issue`);
    if (options.title !== undefined) issue.data.title = options.title;
    if (options.body !== undefined) issue.data.body = options.body;
    issue.data.updatedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    return issueJson(this.urls, repo, issue.data, issue.comments.length);
  }

  /** The reactions on an issue or pull request, by content and user. */
  reactions(options: { owner: string; repo: string; issueNumber: number }): Array<{ content: string; user: string }> {
    const repo = this.state.mustRepo(options.owner, options.repo);
    return (this.state.issue(repo, options.issueNumber)?.reactions ?? []).map((r) => ({
      content: r.content,
      user: r.user.login,
    }));
  }

  /** The pull requests of a repository, oldest first, as GitHub's JSON. */
  pullRequests(options: { owner: string; repo: string }): JsonObject[] {
    const repo = this.state.mustRepo(options.owner, options.repo);
    return [...repo.pulls.values()].map((p) => pullJson(this.urls, repo, p));
  }

  /** The files a pull request changes, as the simulator computed or was given them. */
  pullRequestFiles(options: { owner: string; repo: string; number: number }): PullFile[] {
    const pull = this.state.mustRepo(options.owner, options.repo).pulls.get(options.number);
    if (!pull) throw new Error(`${options.owner}/${options.repo}#${options.number} does not exist`);
    return structuredClone(pull.files);
  }

  /** A branch's files (path -> text), or undefined when there is no such branch. */
  branchFiles(options: { owner: string; repo: string; branch: string }): Map<string, string> | undefined {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const branch = repo.branches.get(options.branch);
    return branch && this.state.branchFiles(repo, branch);
  }

  /** The names of a repository's branches. */
  branches(options: { owner: string; repo: string }): string[] {
    return [...this.state.mustRepo(options.owner, options.repo).branches.keys()];
  }

  /** A `labeled` / `unlabeled` event in an issue's (or pull request's) timeline. */
  addIssueEvent(options: {
    owner: string;
    repo: string;
    issueNumber: number;
    event: 'labeled' | 'unlabeled';
    label: string | { name: string; color?: string };
    actor: string | { login: string; type?: UserType };
    createdAt?: string;
  }): JsonObject {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const issue = this.state.issue(repo, options.issueNumber, true)!;
    const labelName = typeof options.label === 'string' ? options.label : options.label.name;
    const label = this.state.label(
      repo,
      labelName,
      typeof options.label === 'string' ? undefined : options.label.color,
    );
    const actor = typeof options.actor === 'string' ? { login: options.actor } : options.actor;
    const event: IssueEventData = {
      id: this.state.id(),
      event: options.event,
      label: { name: label.name, color: label.color },
      actor: { login: actor.login, type: actor.type ?? (actor.login.endsWith('[bot]') ? 'Bot' : 'User') },
      createdAt: options.createdAt ?? isoSeconds(),
    };
    issue.events.push(event);
    return issueEventJson(this.urls, repo, event);
  }

  /** A pull request retargeted to another base branch (`PATCH .../pulls/{number}` with `base`); returns its JSON (for an `edited` delivery). */
  retargetPullRequest(options: {
    owner: string;
    repo: string;
    number: number;
    baseRef: string;
    baseSha?: string;
    files?: NewPullRequest['files'];
  }): JsonObject {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const pull = repo.pulls.get(options.number);
    if (!pull) throw new Error(`${options.owner}/${options.repo}#${options.number} does not exist`);
    pull.baseRef = options.baseRef;
    pull.baseSha = options.baseSha ?? this.state.branch(repo, options.baseRef).sha;
    if (options.files) pull.files = options.files.slice();
    pull.updatedAt = isoSeconds();
    return pullJson(this.urls, repo, pull);
  }

  /** Someone edits a pull request's body (`PATCH .../pulls/{number}`); returns its JSON afterwards (for an `edited` delivery). */
  editPullRequest(options: { owner: string; repo: string; number: number; body: string }): JsonObject {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const pull = repo.pulls.get(options.number);
    if (!pull) throw new Error(`${options.owner}/${options.repo}#${options.number} does not exist`);
    pull.body = options.body;
    pull.updatedAt = isoSeconds();
    return pullJson(this.urls, repo, pull);
  }

  /** A comment on an issue or pull request, as a person (or bot) wrote it (`viaApp`: posted by the app on their behalf). */
  addComment(options: {
    owner: string;
    repo: string;
    issueNumber: number;
    body: string;
    user: string | { login: string; type?: UserType };
    viaApp?: boolean;
    createdAt?: string;
  }): JsonObject {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const issue = this.state.issue(repo, options.issueNumber, true)!;
    const user = typeof options.user === 'string' ? { login: options.user } : options.user;
    const now = options.createdAt ?? isoSeconds();
    const comment: CommentData = {
      id: this.state.id(),
      issueNumber: options.issueNumber,
      body: options.body,
      user: { login: user.login, type: user.type ?? (user.login.endsWith('[bot]') ? 'Bot' : 'User') },
      viaApp: options.viaApp ?? false,
      createdAt: now,
      updatedAt: now,
    };
    issue.comments.push(comment);
    return commentJson(this.urls, repo, comment, appJson(this.urls, this.app));
  }

  /** A person editing a comment: new body, `updated_at` moves on (for an `issue_comment.edited` delivery). */
  editComment(options: { owner: string; repo: string; commentId: number; body: string; at?: string }): JsonObject {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const comment = this.state.findComment(repo, options.commentId);
    if (!comment) throw new Error(`comment ${options.commentId} does not exist`);
    comment.body = options.body;
    comment.updatedAt = options.at ?? isoSeconds(new Date(Date.parse(comment.createdAt) + 60_000));
    return commentJson(this.urls, repo, comment, appJson(this.urls, this.app));
  }

  /** Makes `login` an active member of the organisation `org`, as an owner (`admin`) or a member. */
  addOrgMember(options: { org: string; login: string; role: 'admin' | 'member' }): void {
    const key = options.org.toLowerCase();
    if (!this.state.orgMembers.has(key)) this.state.orgMembers.set(key, new Map());
    this.state.orgMembers.get(key)!.set(options.login.toLowerCase(), options.role);
  }

  /** Makes `login` an active member of the team `org/team-slug`. */
  addTeamMember(options: { org: string; team: string; login: string }): void {
    const key = `${options.org}/${options.team}`.toLowerCase();
    if (!this.state.teams.has(key)) this.state.teams.set(key, new Set());
    this.state.teams.get(key)!.add(options.login.toLowerCase());
  }

  /** The `repository_dispatch` events the app created in a repository, oldest first. */
  dispatches(options: { owner: string; repo: string }): Array<{ eventType: string; payload: any }> {
    return structuredClone(this.state.mustRepo(options.owner, options.repo).dispatches);
  }

  // bring your own agent (issue 26): a branch whose head is a real git commit, so an agent job's checkout matches it
  /** Points a branch (created when missing) at `sha`, keeping its files. */
  setBranchSha(options: { owner: string; repo: string; branch: string; sha: string }): void {
    this.state.branch(this.state.mustRepo(options.owner, options.repo), options.branch, { sha: options.sha });
  }

  /** How the app answered deployment protection rules in a repository, oldest first. */
  /** Adds a workflow run (the run a dispatch or a push started); `createdAt` defaults to now. */
  addWorkflowRun(options: {
    owner: string;
    repo: string;
    id: number;
    event: string;
    createdAt?: string;
    headSha?: string;
    path?: string;
  }): JsonObject {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const run = {
      id: options.id,
      event: options.event,
      createdAt: options.createdAt ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      headSha: options.headSha ?? 'f'.repeat(40),
      headBranch: repo.defaultBranch,
      path: options.path ?? '.github/workflows/aaoe-deploy.yml',
      displayTitle: options.event,
    };
    repo.workflowRuns.set(run.id, run);
    return workflowRunJson(this.urls, repo, run);
  }

  deploymentReviews(options: {
    owner: string;
    repo: string;
  }): Array<{ runId: number; environment: string; state: string; comment: string }> {
    return structuredClone(this.state.mustRepo(options.owner, options.repo).deploymentReviews);
  }

  /** The reactions on a comment, by content and user. */
  commentReactions(options: {
    owner: string;
    repo: string;
    commentId: number;
  }): Array<{ content: string; user: string }> {
    const repo = this.state.mustRepo(options.owner, options.repo);
    return (this.state.findComment(repo, options.commentId)?.reactions ?? []).map((r) => ({
      content: r.content,
      user: r.user.login,
    }));
  }

  /** A review of a pull request (by default on its current head); returns the pull request's JSON (for a `pull_request_review` delivery). */
  addReview(options: {
    owner: string;
    repo: string;
    number: number;
    user: string;
    state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
    commitId?: string;
  }): JsonObject {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const pull = repo.pulls.get(options.number);
    if (!pull) throw new Error(`${options.owner}/${options.repo}#${options.number} does not exist`);
    (pull.reviews ??= []).push({
      id: this.state.id(),
      user: { login: options.user, type: options.user.endsWith('[bot]') ? 'Bot' : 'User' },
      state: options.state,
      commitId: options.commitId ?? pull.headSha,
      submittedAt: isoSeconds(),
    });
    return pullJson(this.urls, repo, pull);
  }

  /** A user's role on a repository (what GET .../collaborators/{username}/permission answers). */
  setPermission(options: { owner: string; repo: string; username: string; permission: Role }): void {
    const repo = this.state.mustRepo(options.owner, options.repo);
    repo.collaborators.set(options.username.toLowerCase(), { login: options.username, role: options.permission });
  }

  /** The check runs of a repository, oldest first: GitHub's JSON plus the annotations, images and actions sent. */
  checkRuns(options: { owner: string; repo: string }): CheckRunRecord[] {
    const repo = this.state.mustRepo(options.owner, options.repo);
    return [...repo.checkRuns.values()].map((run) => this.checkRunRecord(repo, run));
  }

  /** The comments of an issue or pull request, oldest first, as GitHub's JSON. */
  comments(options: { owner: string; repo: string; issueNumber: number }): JsonObject[] {
    const repo = this.state.mustRepo(options.owner, options.repo);
    const app = appJson(this.urls, this.app);
    return (this.state.issue(repo, options.issueNumber)?.comments ?? []).map((c) =>
      commentJson(this.urls, repo, c, app),
    );
  }

  /** The issues of a repository (not pull requests), as GET /repos/{owner}/{repo}/issues/{number} would give each. */
  issues(options: { owner: string; repo: string }): JsonObject[] {
    const repo = this.state.mustRepo(options.owner, options.repo);
    return [...repo.issues.values()].flatMap((i) =>
      i.data ? [issueJson(this.urls, repo, i.data, i.comments.length)] : [],
    );
  }

  /** An installation access token, as POST /app/installations/{id}/access_tokens would give. */
  createInstallationToken(installationId: number): string {
    const installation = this.state.installations.get(installationId);
    if (!installation) throw new Error(`installation ${installationId} does not exist`);
    return this.issueToken(installationId, installation.permissions).token;
  }

  private readonly userTokens = new Map<string, { login: string; type: UserType; clientId?: string }>();

  /**
   * A token of a user (a personal access token, or a GitHub App's user access token): GET /user answers with this user.
   * `oauthClient`: issued to the app's own OAuth client (as the web flow's tokens are): `POST /applications/{client_id}/token` knows it.
   */
  createUserToken(user: { login: string; type?: UserType }, options: { oauthClient?: boolean } = {}): string {
    const token = `ghu_${randomBytes(27).toString('base64url').slice(0, 36)}`;
    this.userTokens.set(token, {
      login: user.login,
      type: user.type ?? (user.login.endsWith('[bot]') ? 'Bot' : 'User'),
      ...(options.oauthClient ? { clientId: this.oauth.clientId } : {}),
    });
    return token;
  }

  /** `POST /applications/{client_id}/token` (basic auth client_id:client_secret): the token's user when it was issued to that client. */
  private checkToken(ctx: Ctx): Reply {
    const basic = /^basic\s+(\S+)$/i.exec((ctx.req.headers.authorization ?? '').trim());
    const [id, secret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':') : [];
    if (
      id !== this.oauth.clientId ||
      secret !== this.oauth.clientSecret ||
      ctx.params.client_id !== this.oauth.clientId
    ) {
      throw this.refuse(
        404,
        'Not Found',
        "check-token needs basic authentication with the app's client id and client secret",
        [],
        ctx.op.documentationUrl,
      );
    }
    const token = String(ctx.body.access_token ?? '');
    const user = this.userTokens.get(token);
    if (!user || user.clientId !== this.oauth.clientId)
      return { status: 404, json: { message: 'Not Found', documentation_url: ctx.op.documentationUrl } };
    const now = isoSeconds();
    return {
      status: 200,
      json: {
        id: stableId('authorization', token),
        url: `${this.urls.api}/authorizations/1`,
        scopes: [],
        token,
        token_last_eight: token.slice(-8),
        hashed_token: null,
        app: { client_id: this.oauth.clientId, name: this.app.name, url: `${this.urls.web}/apps/${this.appSlug}` },
        note: null,
        note_url: null,
        updated_at: now,
        created_at: now,
        fingerprint: null,
        user: userJson(this.urls, user.login, user.type),
        expires_at: null,
      },
    };
  }

  /** The app's OAuth client and GitHub's web application flow (`/login/oauth/*`, `oauth-web-flow.ts`); set `sim.oauth.callbackUrls`. */
  readonly oauth = new OAuthWebFlow({
    appName: () => this.app.name,
    createUserToken: (user) => this.createUserToken(user, { oauthClient: true }),
    reject: (r) =>
      this.rejections.push({
        method: r.method,
        path: r.path,
        query: {},
        body: undefined,
        status: r.status,
        reason: r.reason,
        errors: [],
      }),
  });

  resetRequests(): void {
    this.requests.length = 0;
  }

  // ---- HTTP ------------------------------------------------------------------------------------------

  private gate: Promise<void> | undefined;
  private failures: { count: number; status: number } = { count: 0, status: 502 };

  /** Holds every request until the returned function is called: shows what waits on GitHub. */
  hold(): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.gate = gate;
    return () => {
      if (this.gate === gate) this.gate = undefined;
      release();
    };
  }

  private answered: Array<(request: RecordedRequest) => void> = [];

  /** Calls `listener` with each request right after its answer was written (a crash test kills the app there). */
  onAnswered(listener: (request: RecordedRequest) => void): () => void {
    this.answered.push(listener);
    return () => {
      this.answered = this.answered.filter((l) => l !== listener);
    };
  }

  /** The next `count` requests are answered with `status` and nothing else happens (an outage). */
  failNext(count: number, status = 502): void {
    this.failures = { count, status };
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.servesPage(req, res)) return;
    if (this.gate) await this.gate;
    if (this.failures.count > 0) {
      this.failures.count -= 1;
      res
        .writeHead(this.failures.status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: 'Server Error' }));
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', this.url);
    let rawPath = url.pathname;
    if (rawPath === '/api/v3' || rawPath.startsWith('/api/v3/')) rawPath = rawPath.slice('/api/v3'.length) || '/';
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const prior = query[name];
      query[name] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
    }
    const text = await readBody(req);
    if (OAuthWebFlow.handles(url.pathname)) return this.oauth.serve(method, url, text, req.headers, res);
    let segments: string[] = [];
    let malformed = false;
    try {
      segments = rawPath.split('/').slice(1).map(decodeURIComponent);
    } catch {
      malformed = true;
    }
    const record: RecordedRequest = {
      method,
      path: malformed ? rawPath : `/${segments.join('/')}`,
      query,
      body: undefined,
      status: 0,
    };
    this.requests.push(record);

    let reply: Reply;
    try {
      if (malformed) throw this.refuse(404, 'Not Found', 'the path is not valid percent-encoding', []);
      if (text.trim() !== '') {
        try {
          record.body = JSON.parse(text);
        } catch {
          throw this.refuse(400, 'Problems parsing JSON', 'the body is not JSON', []);
        }
      }
      reply = this.dispatch(method, segments, query, record, req, rawPath, url.searchParams);
    } catch (error) {
      if (!(error instanceof Answer)) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        reply = { status: 500, json: { message: 'Simulator error', detail: message } };
        this.rejections.push({ ...record, status: 500, reason: `the simulator failed: ${message}`, errors: [] });
      } else {
        reply = { status: error.status, json: { ...error.body, status: String(error.status) } };
        if (error.rejection) this.rejections.push({ ...record, status: error.status, ...error.rejection });
      }
    }
    record.status = reply.status;

    const headers: Record<string, string> = {
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      ...(reply.headers ?? {}),
    };
    if (reply.text !== undefined) {
      res.writeHead(reply.status, headers).end(reply.text);
    } else if (reply.json === undefined) {
      res.writeHead(reply.status, headers).end();
    } else {
      res
        .writeHead(reply.status, {
          'content-type': 'application/json; charset=utf-8',
          'x-github-media-type': 'github.v3; format=json',
          ...headers,
        })
        .end(JSON.stringify(reply.json));
    }
    for (const listener of this.answered) listener(record);
  }

  // ---- pages for people (html-pages.ts): GET outside /api/v3, never held, failed nor recorded ----------------

  private servesPage(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', this.url);
    if (req.method !== 'GET' || url.pathname === '/api/v3' || url.pathname.startsWith('/api/v3/')) return false;
    const reviews: PageSource['reviews'] = ({ owner, repo, number }) =>
      structuredClone(this.state.mustRepo(owner, repo).pulls.get(number)?.reviews ?? []);
    return servePage(
      {
        issues: (r) => this.issues(r),
        pullRequests: (r) => this.pullRequests(r),
        comments: (r) => this.comments(r),
        checkRuns: (r) => this.checkRuns(r),
        pullRequestFiles: (r) => this.pullRequestFiles(r),
        reviews,
      },
      this.url,
      url,
      res,
    );
  }

  // ---- end of the pages for people ----------------------------------------------------------------------

  private dispatch(
    method: string,
    segments: string[],
    query: Record<string, string | string[]>,
    record: RecordedRequest,
    req: IncomingMessage,
    rawPath: string,
    rawQuery: URLSearchParams,
  ): Reply {
    const check = this.validator.checkRequest({ method, segments, query, body: record.body });
    if (check.operationId) record.operationId = check.operationId;
    if (!check.ok) {
      const documentationUrl = check.documentationUrl ?? GITHUB_REST_DOCS;
      const message = check.status === 404 ? 'Not Found' : `Invalid request.\n\n${check.errors.join('\n')}`;
      const reason =
        check.status === 404 && !check.operationId
          ? 'no such route in the OpenAPI description'
          : 'the request does not match the OpenAPI description';
      // `errors` as in GitHub's validation-error schema
      const extra =
        check.status === 422 ? { errors: check.errors.map((line) => ({ code: 'invalid', message: line })) } : {};
      throw this.refuse(check.status, message, reason, check.errors, documentationUrl, extra);
    }
    if (check.operationId === 'apps/check-token') {
      return this.checkToken({
        op: check,
        params: check.params,
        query: check.query,
        body: record.body ?? {},
        req,
        rawPath,
        rawQuery,
        repo: undefined as unknown as Repo,
      });
    }
    const route = ROUTES[check.operationId];
    if (!route) {
      // (`enabledForGitHubApps: false` in the description means an installation token may not call it either)
      this.unimplemented.push({
        method,
        path: record.path,
        operationId: check.operationId,
        template: check.template,
        enabledForGitHubApps: check.enabledForGitHubApps,
      });
      return {
        status: 501,
        json: {
          message: `The GitHub simulator does not implement ${check.operationId} (${method} ${check.template})`,
          documentation_url: check.documentationUrl,
        },
      };
    }
    // `repo` is set by `authenticate` for the routes that name a repository
    const ctx: Ctx = {
      op: check,
      params: check.params,
      query: check.query,
      body: record.body ?? {},
      req,
      rawPath,
      rawQuery,
      repo: undefined as unknown as Repo,
    };
    this.authenticate(route, ctx);
    const reply = route.handle(this.kit, ctx);
    if (this.options.validateResponses && reply.json !== undefined && reply.status < 300) {
      const errors = this.validator.checkResponse(check.operationId, reply.status, reply.json);
      if (errors.length > 0)
        this.invalidResponses.push({
          method,
          path: record.path,
          operationId: check.operationId,
          status: reply.status,
          errors,
        });
    }
    return reply;
  }

  /** An error answer that GitHub would give to a request it refuses (recorded in `rejections`). */
  private refuse(
    status: number,
    message: string,
    reason: string,
    errors: string[],
    documentationUrl = GITHUB_REST_DOCS,
    extra: JsonObject = {},
  ): Answer {
    return new Answer(
      status,
      { message, ...extra, documentation_url: documentationUrl },
      { reason: errors.length > 0 ? `${reason}: ${errors.join('; ')}` : reason, errors },
    );
  }

  /** GitHub's 422 for a broken rule: `{ message: 'Validation Failed', errors: [{ resource, code, field, message }] }`. */
  private validationFailed(
    ctx: Ctx,
    resource: string,
    errors: Array<{ code: string; field?: string; message?: string }>,
    message = 'Validation Failed',
  ): Answer {
    const lines = errors.map((e) => [e.field, e.message ?? e.code].filter(Boolean).join(': '));
    return this.refuse(422, message, `GitHub's rules for ${ctx.op.operationId}`, lines, ctx.op.documentationUrl, {
      errors: errors.map((e) => ({ resource, ...e })),
    });
  }

  /** GitHub's 404 for something that does not exist (or that the token may not see): not a rejection. */
  private notFound(ctx: Ctx, message = 'Not Found'): Answer {
    return new Answer(404, { message, documentation_url: ctx.op.documentationUrl });
  }

  // ---- authentication --------------------------------------------------------------------------------

  private authenticate(route: RouteDef, ctx: Ctx): void {
    const header = ctx.req.headers.authorization ?? '';
    const match = /^(bearer|token)\s+(\S+)$/i.exec(header.trim());
    const docs = ctx.op.documentationUrl;
    if (route.auth === 'app') {
      if (!match || match[1]!.toLowerCase() !== 'bearer') {
        throw this.refuse(
          401,
          'A JSON web token could not be decoded',
          `${ctx.op.operationId} needs the app's JWT (Authorization: Bearer <jwt>)`,
          [],
          docs,
        );
      }
      const problem = this.verifyJwt(match[2]!);
      if (problem) throw this.refuse(401, problem, `the app's JWT was refused: ${problem}`, [], docs);
      return;
    }
    if (route.auth === 'user') {
      const user = match ? this.userTokens.get(match[2]!) : undefined;
      // (an unknown token is a caller's mistake GitHub answers 401, not a request the app may not send)
      if (!user)
        throw new Answer(401, {
          message: match ? 'Bad credentials' : 'Requires authentication',
          documentation_url: docs,
        });
      ctx.user = user;
      return;
    }
    if (!match)
      throw this.refuse(
        401,
        'Requires authentication',
        `${ctx.op.operationId} needs an installation access token`,
        [],
        docs,
      );
    const token = this.state.tokens.get(match[2]!);
    if (!token) {
      const what =
        match[2]!.split('.').length === 3
          ? 'a JWT was sent where an installation access token is needed'
          : 'the token is unknown';
      throw this.refuse(401, 'Bad credentials', what, [], docs);
    }
    if (token.expiresAt <= Date.now())
      throw this.refuse(401, 'Bad credentials', 'the installation access token has expired', [], docs);
    ctx.token = token;
    if (typeof ctx.params.owner === 'string' && typeof ctx.params.repo === 'string') {
      const repo = this.state.repo(ctx.params.owner, ctx.params.repo);
      // GitHub does not tell a repository the token cannot see from one that does not exist
      if (!repo || !this.state.canAccess(token.installationId, repo, token)) throw this.notFound(ctx);
      ctx.repo = repo;
    }
    if (route.permissions && !route.permissions.some((p) => hasPermission(token.permissions, p))) {
      throw this.refuse(
        403,
        'Resource not accessible by integration',
        `the installation lacks the permission ${route.permissions.join(' or ')}`,
        [],
        docs,
      );
    }
  }

  /** Why GitHub would refuse this JWT, or undefined when it is good. */
  private verifyJwt(jwt: string): string | undefined {
    const parts = jwt.split('.');
    if (parts.length !== 3) return 'A JSON web token could not be decoded';
    let header: { alg?: string };
    let payload: { iss?: unknown; iat?: unknown; exp?: unknown };
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
      payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      return 'A JSON web token could not be decoded';
    }
    if (header.alg !== 'RS256') return 'A JSON web token could not be decoded';
    const signed = verifySignature(
      'RSA-SHA256',
      Buffer.from(`${parts[0]}.${parts[1]}`),
      this.publicKey,
      Buffer.from(parts[2]!, 'base64url'),
    );
    if (!signed) return 'A JSON web token could not be decoded';
    if (String(payload.iss) !== String(this.appId))
      return "'Issuer' claim ('iss') must be an Integer representing the app's id";
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat !== 'number' || !Number.isInteger(payload.iat) || payload.iat > now + 60) {
      return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
    }
    if (typeof payload.exp !== 'number' || payload.exp <= now) {
      return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
    }
    if (payload.exp > now + 600 + 60) return "'Expiration time' claim ('exp') is too far in the future";
    return undefined;
  }

  private issueToken(installationId: number, permissions: Record<string, string>, repos?: Set<string>): Token {
    const token: Token = {
      token: `ghs_${randomBytes(27).toString('base64url').slice(0, 36)}`,
      installationId,
      expiresAt: Date.now() + 3600_000,
      permissions,
      ...(repos ? { repos } : {}),
    };
    this.state.tokens.set(token.token, token);
    return token;
  }

  // ---- for the route handlers below -------------------------------------------------------------------

  private checkRunJson(repo: Repo, run: CheckRunData): JsonObject {
    const pulls = this.state.pullsForSha(repo, run.headSha).map((p) => pullMinimalJson(this.urls, repo, p));
    return checkRunJson(this.urls, repo, appJson(this.urls, this.app), run, pulls);
  }

  private checkRunRecord(repo: Repo, run: CheckRunData): CheckRunRecord {
    const json = this.checkRunJson(repo, run);
    return structuredClone({
      ...json,
      output: { ...(json.output as JsonObject), annotations: run.output.annotations, images: run.output.images },
      actions: run.actions,
    }) as CheckRunRecord;
  }

  /** One page of a list, with GitHub's `Link` header (`per_page` at most 100, default 30). */
  private page<T>(ctx: Ctx, items: T[]): { items: T[]; headers: Record<string, string> } {
    const requested = Number(ctx.query.per_page ?? 30);
    const perPage = requested >= 1 ? Math.min(requested, 100) : 30;
    const page = Math.max(1, Number(ctx.query.page ?? 1));
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number) => {
      const params = new URLSearchParams(ctx.rawQuery);
      params.set('per_page', String(perPage));
      params.set('page', String(n));
      return `${this.urls.api}${ctx.rawPath}?${params.toString()}`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`<${link(Math.min(page - 1, last))}>; rel="prev"`);
    if (page < last) links.push(`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
    if (page > 1) links.push(`<${link(1)}>; rel="first"`);
    return {
      items: items.slice((page - 1) * perPage, page * perPage),
      headers: links.length > 0 ? { link: links.join(', ') } : {},
    };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const LEVELS: Record<string, number> = { none: 0, read: 1, write: 2, admin: 3 };

/** `checks:write` is granted by `checks: write` or `checks: admin`; every app has `metadata: read`. */
function hasPermission(granted: Record<string, string>, wanted: string): boolean {
  const [name, level] = wanted.split(':') as [string, string];
  if (name === 'metadata' && level === 'read') return true;
  return (LEVELS[granted[name] ?? 'none'] ?? 0) >= (LEVELS[level] ?? 1);
}

// ---- the route table: operationId -> handler ---------------------------------------------------------

const ANNOTATIONS_PER_REQUEST = 50;
const MAX_BYTES_64KB = 64 * 1024;
const PULL_FILES_CAP = 3000;
const PULL_COMMITS_CAP = 250;
const COMMENT_MAX = 65536;

const ROUTES: Record<string, RouteDef> = {
  'apps/get-authenticated': {
    auth: 'app',
    handle: (kit) => ({ status: 200, json: appJson(kit.urls, kit.app, kit.state.installations.size) }),
  },

  'apps/list-installations': {
    auth: 'app',
    handle: (kit, ctx) => {
      const all = [...kit.state.installations.values()].map((i) => installationJson(kit.urls, kit.app, i));
      const { items, headers } = kit.page(ctx, all);
      return { status: 200, json: items, headers };
    },
  },

  'apps/get-webhook-config-for-app': {
    auth: 'app',
    handle: (kit) => {
      const hook = kit.app.hook;
      // GitHub never shows the secret: "********" when one is set
      return {
        status: 200,
        json: hook
          ? {
              url: hook.url,
              content_type: hook.contentType,
              insecure_ssl: hook.insecureSsl,
              ...(hook.secret ? { secret: '********' } : {}),
            }
          : {},
      };
    },
  },

  'apps/list-webhook-deliveries': {
    auth: 'app',
    handle: (kit, ctx) => {
      const perPage = Math.min(Math.max(Number(ctx.query.per_page ?? 30), 1), 100);
      return { status: 200, json: (kit.app.hookDeliveries ?? []).slice(0, perPage) };
    },
  },

  'apps/get-installation': {
    auth: 'app',
    handle: (kit, ctx) => {
      const installation = kit.state.installations.get(ctx.params.installation_id);
      if (!installation) throw kit.notFound(ctx);
      return { status: 200, json: installationJson(kit.urls, kit.app, installation) };
    },
  },

  'apps/get-repo-installation': {
    auth: 'app',
    handle: (kit, ctx) => {
      const repo = kit.state.repo(ctx.params.owner, ctx.params.repo);
      const installation = repo && [...kit.state.installations.values()].find((i) => kit.state.canAccess(i.id, repo));
      if (!installation) throw kit.notFound(ctx);
      return { status: 200, json: installationJson(kit.urls, kit.app, installation) };
    },
  },

  'apps/create-installation-access-token': {
    auth: 'app',
    handle: (kit, ctx) => {
      const installation = kit.state.installations.get(ctx.params.installation_id);
      if (!installation) throw kit.notFound(ctx);
      const body = ctx.body as {
        repositories?: string[];
        repository_ids?: number[];
        permissions?: Record<string, string>;
      };
      let repos: Repo[] | undefined;
      if (body.repositories || body.repository_ids) {
        const visible = kit.state.reposOf(installation.id);
        const byName = (body.repositories ?? []).map((name) =>
          visible.find(
            (r) =>
              r.name.toLowerCase() === name.toLowerCase() &&
              r.owner.toLowerCase() === installation.account.toLowerCase(),
          ),
        );
        const byId = (body.repository_ids ?? []).map((id) => visible.find((r) => r.id === id));
        if ([...byName, ...byId].some((r) => r === undefined)) {
          throw kit.validationFailed(
            ctx,
            'Installation',
            [{ code: 'invalid', field: 'repositories' }],
            'There is at least one repository that does not exist or is not accessible to the parent installation.',
          );
        }
        repos = [...new Set([...byName, ...byId] as Repo[])];
      }
      let permissions = installation.permissions;
      if (body.permissions) {
        const excess = Object.entries(body.permissions).filter(
          ([name, level]) => !hasPermission(installation.permissions, `${name}:${level}`),
        );
        if (excess.length > 0) {
          throw kit.validationFailed(
            ctx,
            'Installation',
            excess.map(([name, level]) => ({
              code: 'invalid',
              field: `permissions.${name}`,
              message: `${level} is not granted`,
            })),
            'The permissions requested are not granted to this installation.',
          );
        }
        permissions = { ...body.permissions };
      }
      const token = kit.issueToken(installation.id, permissions, repos ? new Set(repos.map((r) => r.key)) : undefined);
      return {
        status: 201,
        json: {
          token: token.token,
          expires_at: isoSeconds(new Date(token.expiresAt)),
          permissions,
          repository_selection: repos ? 'selected' : installation.repositorySelection,
          ...(repos ? { repositories: repos.map((r) => repoJson(kit.urls, r)) } : {}),
        },
      };
    },
  },

  'repos/get': {
    auth: 'installation',
    permissions: ['metadata:read'],
    handle: (kit, ctx) => ({ status: 200, json: repoJson(kit.urls, ctx.repo, true) }),
  },

  'repos/get-content': {
    auth: 'installation',
    permissions: ['contents:read'],
    handle: (kit, ctx) => {
      const ref: string = ctx.query.ref ?? ctx.repo.defaultBranch;
      const branch = kit.state.resolveRef(ctx.repo, ref);
      if (!branch) throw kit.notFound(ctx, `No commit found for the ref ${ref}`);
      const path = String(ctx.params.path).replace(/\/+$/, '');
      const content = kit.state.readFile(ctx.repo, branch, path);
      const accept = String(ctx.req.headers.accept ?? '');
      const raw = /application\/vnd\.github(\.v3)?\.raw/.exec(accept);
      if (content !== undefined) {
        if (raw) {
          const type = raw[1] ? 'application/vnd.github.v3.raw' : 'application/vnd.github.raw';
          return {
            status: 200,
            text: content,
            headers: { 'content-type': `${type}; charset=utf-8`, 'x-github-media-type': 'github.v3; param=raw' },
          };
        }
        return { status: 200, json: contentFileJson(kit.urls, ctx.repo, ref, path, content) };
      }
      const entries = kit.state.listDirectory(ctx.repo, branch, path);
      if (entries.length === 0) throw kit.notFound(ctx);
      // a directory is JSON whatever the media type asked for
      return {
        status: 200,
        json: entries.map((e) => contentDirEntryJson(kit.urls, ctx.repo, ref, e.path, e.type, e.content)),
      };
    },
  },

  'pulls/get': {
    auth: 'installation',
    permissions: ['pull_requests:read', 'contents:read'],
    handle: (kit, ctx) => {
      const pull = ctx.repo.pulls.get(ctx.params.pull_number);
      if (!pull) throw kit.notFound(ctx);
      return { status: 200, json: pullJson(kit.urls, ctx.repo, pull) };
    },
  },

  'pulls/list': {
    auth: 'installation',
    permissions: ['pull_requests:read', 'contents:read'],
    handle: (kit, ctx) => {
      const state: string = ctx.query.state ?? 'open';
      const head: string | undefined = ctx.query.head;
      const base: string | undefined = ctx.query.base;
      const sort: string = ctx.query.sort ?? 'created';
      const direction: string = ctx.query.direction ?? (sort === 'created' ? 'desc' : 'asc');
      let pulls = [...ctx.repo.pulls.values()].filter((p) => state === 'all' || p.state === state);
      if (head !== undefined) {
        // `user:ref-name` (or, loosely, `ref-name`)
        const [user, ref] = head.includes(':') ? (head.split(/:(.*)/s) as [string, string]) : [ctx.repo.owner, head];
        pulls = pulls.filter((p) => user.toLowerCase() === ctx.repo.owner.toLowerCase() && p.headRef === ref);
      }
      if (base !== undefined) pulls = pulls.filter((p) => p.baseRef === base);
      pulls.sort((a, b) => (direction === 'asc' ? a.number - b.number : b.number - a.number));
      const { items, headers } = kit.page(ctx, pulls);
      return { status: 200, json: items.map((p) => pullJson(kit.urls, ctx.repo, p)), headers };
    },
  },

  'pulls/list-reviews': {
    auth: 'installation',
    permissions: ['pull_requests:read'],
    handle: (kit, ctx) => {
      const pull = ctx.repo.pulls.get(ctx.params.pull_number);
      if (!pull) throw kit.notFound(ctx);
      const { items, headers } = kit.page(ctx, pull.reviews ?? []);
      const web = `${kit.urls.web}/${ctx.repo.owner}/${ctx.repo.name}/pull/${pull.number}`;
      const api = `${kit.urls.api}/repos/${ctx.repo.owner}/${ctx.repo.name}/pulls/${pull.number}`;
      return {
        status: 200,
        headers,
        json: items.map((r) => ({
          id: r.id,
          node_id: Buffer.from(`PRR${r.id}`).toString('base64'),
          user: userJson(kit.urls, r.user.login, r.user.type),
          body: '',
          state: r.state,
          html_url: `${web}#pullrequestreview-${r.id}`,
          pull_request_url: api,
          author_association: 'COLLABORATOR',
          _links: { html: { href: `${web}#pullrequestreview-${r.id}` }, pull_request: { href: api } },
          submitted_at: r.submittedAt,
          commit_id: r.commitId,
        })),
      };
    },
  },

  'pulls/list-files': {
    auth: 'installation',
    permissions: ['pull_requests:read', 'contents:read'],
    handle: (kit, ctx) => {
      const pull = ctx.repo.pulls.get(ctx.params.pull_number);
      if (!pull) throw kit.notFound(ctx);
      // GitHub lists at most 3000 files
      const files = pull.files.length > PULL_FILES_CAP ? pull.files.slice(0, PULL_FILES_CAP) : pull.files;
      const { items, headers } = kit.page(ctx, files);
      return { status: 200, json: items.map((f) => diffEntryJson(kit.urls, ctx.repo, pull.headSha, f)), headers };
    },
  },

  'pulls/list-commits': {
    auth: 'installation',
    permissions: ['pull_requests:read', 'contents:read'],
    handle: (kit, ctx) => {
      const pull = ctx.repo.pulls.get(ctx.params.pull_number);
      if (!pull) throw kit.notFound(ctx);
      // "Lists a maximum of 250 commits for a pull request": the oldest 250
      const commits = pull.commits.slice(0, PULL_COMMITS_CAP);
      const { items, headers } = kit.page(ctx, commits);
      return { status: 200, json: items.map((c) => pullCommitJson(kit.urls, ctx.repo, c)), headers };
    },
  },

  'issues/list-events': {
    auth: 'installation',
    permissions: ['issues:read', 'pull_requests:read'],
    handle: (kit, ctx) => {
      const issue = kit.state.issue(ctx.repo, ctx.params.issue_number);
      if (!issue) throw kit.notFound(ctx);
      const { items, headers } = kit.page(ctx, issue.events);
      return { status: 200, json: items.map((e) => issueEventJson(kit.urls, ctx.repo, e)), headers };
    },
  },

  'checks/create': {
    auth: 'installation',
    permissions: ['checks:write'],
    handle: (kit, ctx) => {
      const body = ctx.body as CheckRunBody & { name: string; head_sha: string };
      checkRunRules(kit, ctx, body, 'create');
      const headSha = body.head_sha.toLowerCase();
      if (!ctx.repo.commits.has(headSha)) {
        throw kit.validationFailed(
          ctx,
          'CheckRun',
          [{ code: 'invalid', field: 'head_sha', message: `No commit found for SHA: ${body.head_sha}` }],
          `No commit found for SHA: ${body.head_sha}`,
        );
      }
      const now = isoSeconds();
      const run: CheckRunData = {
        id: kit.state.id(),
        name: body.name,
        headSha,
        status: 'queued',
        conclusion: null,
        detailsUrl: null,
        externalId: '',
        startedAt: now,
        completedAt: null,
        output: { title: null, summary: null, text: null, annotations: [], images: [] },
        actions: [],
        checkSuiteId: kit.state.checkSuiteId(ctx.repo, headSha),
      };
      applyCheckRunBody(run, body, now);
      ctx.repo.checkRuns.set(run.id, run);
      return { status: 201, json: kit.checkRunJson(ctx.repo, run) };
    },
  },

  'checks/update': {
    auth: 'installation',
    permissions: ['checks:write'],
    handle: (kit, ctx) => {
      const run = ctx.repo.checkRuns.get(ctx.params.check_run_id);
      if (!run) throw kit.notFound(ctx);
      const body = ctx.body as CheckRunBody;
      checkRunRules(kit, ctx, body, 'update', run);
      applyCheckRunBody(run, body, isoSeconds());
      return { status: 200, json: kit.checkRunJson(ctx.repo, run) };
    },
  },

  'checks/get': {
    auth: 'installation',
    permissions: ['checks:read'],
    handle: (kit, ctx) => {
      const run = ctx.repo.checkRuns.get(ctx.params.check_run_id);
      if (!run) throw kit.notFound(ctx);
      return { status: 200, json: kit.checkRunJson(ctx.repo, run) };
    },
  },

  'checks/list-annotations': {
    auth: 'installation',
    permissions: ['checks:read'],
    handle: (kit, ctx) => {
      const run = ctx.repo.checkRuns.get(ctx.params.check_run_id);
      if (!run) throw kit.notFound(ctx);
      const { items, headers } = kit.page(ctx, run.output.annotations);
      return { status: 200, json: items.map((a) => annotationJson(kit.urls, ctx.repo, run.headSha, a)), headers };
    },
  },

  'checks/list-for-ref': {
    auth: 'installation',
    permissions: ['checks:read'],
    handle: (kit, ctx) => {
      const ref = String(ctx.params.ref);
      // a branch name means its head commit; a SHA means itself
      const sha = ctx.repo.commits.has(ref.toLowerCase())
        ? ref.toLowerCase()
        : kit.state.resolveRef(ctx.repo, ref)?.sha;
      if (sha === undefined)
        throw kit.validationFailed(
          ctx,
          'Commit',
          [{ code: 'invalid', field: 'ref', message: `No commit found for SHA: ${ref}` }],
          `No commit found for SHA: ${ref}`,
        );
      let runs = [...ctx.repo.checkRuns.values()].filter((r) => r.headSha === sha);
      if (ctx.query.check_name !== undefined) runs = runs.filter((r) => r.name === ctx.query.check_name);
      if (ctx.query.status !== undefined) runs = runs.filter((r) => r.status === ctx.query.status);
      if (ctx.query.app_id !== undefined && ctx.query.app_id !== kit.appId) runs = [];
      if ((ctx.query.filter ?? 'latest') === 'latest') {
        const latest = new Map<string, CheckRunData>();
        for (const r of runs) latest.set(r.name, r);
        runs = [...latest.values()];
      }
      runs.sort((a, b) => b.id - a.id);
      const { items, headers } = kit.page(ctx, runs);
      return {
        status: 200,
        json: { total_count: runs.length, check_runs: items.map((r) => kit.checkRunJson(ctx.repo, r)) },
        headers,
      };
    },
  },

  'repos/get-collaborator-permission-level': {
    auth: 'installation',
    permissions: ['metadata:read'],
    handle: (kit, ctx) => {
      const username = String(ctx.params.username);
      const collaborator = ctx.repo.collaborators.get(username.toLowerCase());
      const role: Role = collaborator?.role ?? (ctx.repo.private ? 'none' : 'read');
      const permission = {
        admin: 'admin',
        maintain: 'write',
        write: 'write',
        triage: 'read',
        read: 'read',
        none: 'none',
      }[role];
      const level = (r: Role) => ['none', 'read', 'triage', 'write', 'maintain', 'admin'].indexOf(r);
      const user = {
        ...userJson(kit.urls, collaborator?.login ?? username),
        permissions: {
          pull: level(role) >= 1,
          triage: level(role) >= 2,
          push: level(role) >= 3,
          maintain: level(role) >= 4,
          admin: level(role) >= 5,
        },
        role_name: role,
      };
      return { status: 200, json: { permission, role_name: role, user } };
    },
  },

  'issues/list-comments': {
    auth: 'installation',
    permissions: ['issues:read', 'pull_requests:read'],
    handle: (kit, ctx) => {
      const issue = kit.state.issue(ctx.repo, ctx.params.issue_number);
      if (!issue) throw kit.notFound(ctx);
      const since = ctx.query.since === undefined ? undefined : Date.parse(String(ctx.query.since));
      const comments =
        since === undefined ? issue.comments : issue.comments.filter((c) => Date.parse(c.updatedAt) >= since);
      const { items, headers } = kit.page(ctx, comments);
      return { status: 200, json: items.map((c) => commentJson(kit.urls, ctx.repo, c, kit.appJson)), headers };
    },
  },

  'issues/create-comment': {
    auth: 'installation',
    permissions: ['issues:write', 'pull_requests:write'],
    handle: (kit, ctx) => {
      const issue = kit.state.issue(ctx.repo, ctx.params.issue_number);
      if (!issue) throw kit.notFound(ctx);
      const body = String((ctx.body as { body: string }).body);
      commentRules(kit, ctx, body);
      const now = isoSeconds();
      const comment: CommentData = {
        id: kit.state.id(),
        issueNumber: issue.number,
        body,
        user: { login: `${kit.appSlug}[bot]`, type: 'Bot' },
        viaApp: true,
        createdAt: now,
        updatedAt: now,
      };
      issue.comments.push(comment);
      const json = commentJson(kit.urls, ctx.repo, comment, kit.appJson);
      return { status: 201, json, headers: { location: String(json.url) } };
    },
  },

  'issues/get-comment': {
    auth: 'installation',
    permissions: ['issues:read', 'pull_requests:read'],
    handle: (kit, ctx) => {
      const comment = kit.state.findComment(ctx.repo, ctx.params.comment_id);
      if (!comment) throw kit.notFound(ctx);
      return { status: 200, json: commentJson(kit.urls, ctx.repo, comment, kit.appJson) };
    },
  },

  'reactions/create-for-issue-comment': {
    auth: 'installation',
    permissions: ['issues:write', 'pull_requests:write'],
    handle: (kit, ctx) => {
      const comment = kit.state.findComment(ctx.repo, ctx.params.comment_id);
      if (!comment) throw kit.notFound(ctx);
      const content = String((ctx.body as { content: string }).content);
      const login = `${kit.appSlug}[bot]`;
      comment.reactions ??= [];
      const existing = comment.reactions.find((r) => r.content === content && r.user.login === login);
      if (existing) return { status: 200, json: reactionJson(kit.urls, existing) };
      const reaction: ReactionData = {
        id: kit.state.id(),
        content,
        user: { login, type: 'Bot' },
        createdAt: isoSeconds(),
      };
      comment.reactions.push(reaction);
      return { status: 201, json: reactionJson(kit.urls, reaction) };
    },
  },

  'issues/update-comment': {
    auth: 'installation',
    permissions: ['issues:write', 'pull_requests:write'],
    handle: (kit, ctx) => {
      const comment = kit.state.findComment(ctx.repo, ctx.params.comment_id);
      if (!comment) throw kit.notFound(ctx);
      const body = String((ctx.body as { body: string }).body);
      commentRules(kit, ctx, body);
      comment.body = body;
      comment.updatedAt = isoSeconds();
      return { status: 200, json: commentJson(kit.urls, ctx.repo, comment, kit.appJson) };
    },
  },

  'issues/get': {
    auth: 'installation',
    permissions: ['issues:read'],
    handle: (kit, ctx) => {
      const issue = kit.state.issue(ctx.repo, ctx.params.issue_number);
      if (!issue?.data) throw kit.notFound(ctx);
      return { status: 200, json: issueJson(kit.urls, ctx.repo, issue.data, issue.comments.length) };
    },
  },

  'issues/update': {
    auth: 'installation',
    permissions: ['issues:write'],
    handle: (kit, ctx) => {
      const issue = kit.state.issue(ctx.repo, ctx.params.issue_number);
      if (!issue?.data) throw kit.notFound(ctx);
      const body = ctx.body as { title?: string | number | null; body?: string | null; state?: 'open' | 'closed' };
      if (typeof body.body === 'string' && body.body.length > COMMENT_MAX)
        throw kit.validationFailed(ctx, 'Issue', [
          { code: 'custom', field: 'body', message: `body is too long (maximum is ${COMMENT_MAX} characters)` },
        ]);
      if (body.title !== undefined && body.title !== null) issue.data.title = String(body.title);
      if (body.body !== undefined) issue.data.body = body.body;
      if (body.state) issue.data.state = body.state;
      issue.data.updatedAt = isoSeconds();
      return { status: 200, json: issueJson(kit.urls, ctx.repo, issue.data, issue.comments.length) };
    },
  },

  'teams/get-by-name': {
    auth: 'installation',
    permissions: ['members:read'],
    handle: (kit, ctx) => {
      const org = String(ctx.params.org);
      const slug = String(ctx.params.team_slug);
      const members = kit.state.teams.get(`${org}/${slug}`.toLowerCase());
      if (!members) throw kit.notFound(ctx);
      const user = userJson(kit.urls, org, 'Organization');
      const organization = {
        login: org,
        url: `${kit.urls.api}/orgs/${org}`,
        id: user.id,
        node_id: user.node_id,
        repos_url: `${kit.urls.api}/orgs/${org}/repos`,
        events_url: `${kit.urls.api}/orgs/${org}/events`,
        hooks_url: `${kit.urls.api}/orgs/${org}/hooks`,
        issues_url: `${kit.urls.api}/orgs/${org}/issues`,
        members_url: `${kit.urls.api}/orgs/${org}/members{/member}`,
        public_members_url: `${kit.urls.api}/orgs/${org}/public_members{/member}`,
        avatar_url: user.avatar_url,
        description: null,
        html_url: `${kit.urls.web}/${org}`,
        has_organization_projects: true,
        has_repository_projects: true,
        public_repos: 0,
        public_gists: 0,
        followers: 0,
        following: 0,
        type: 'Organization',
        created_at: '2020-01-01T00:00:00Z',
        updated_at: '2020-01-01T00:00:00Z',
        archived_at: null,
      };
      return {
        status: 200,
        json: {
          ...teamJson(kit.urls, org, slug),
          created_at: '2020-01-01T00:00:00Z',
          updated_at: '2020-01-01T00:00:00Z',
          members_count: members.size,
          repos_count: 0,
          organization,
        },
      };
    },
  },

  'users/get-authenticated': {
    auth: 'user',
    handle: (kit, ctx) => ({
      status: 200,
      json: {
        ...userJson(kit.urls, ctx.user!.login, ctx.user!.type),
        name: null,
        company: null,
        blog: '',
        location: null,
        email: null,
        hireable: null,
        bio: null,
        public_repos: 0,
        public_gists: 0,
        followers: 0,
        following: 0,
        created_at: '2020-01-01T00:00:00Z',
        updated_at: '2020-01-01T00:00:00Z',
      },
    }),
  },

  'issues/list-for-repo': {
    auth: 'installation',
    permissions: ['issues:read'],
    handle: (kit, ctx) => {
      // issues only (the simulator keeps pull requests apart), newest first as GitHub sorts by default; one page
      const state = String(ctx.query.state ?? 'open');
      const labels = ctx.query.labels
        ? String(ctx.query.labels)
            .split(',')
            .map((l) => l.trim().toLowerCase())
            .filter(Boolean)
        : [];
      const issues = [...ctx.repo.issues.values()]
        .flatMap((i) => (i.data ? [{ data: i.data, comments: i.comments.length }] : []))
        .filter(({ data }) => state === 'all' || data.state === state)
        .filter(({ data }) => labels.every((l) => data.labels.some((x) => x.name.toLowerCase() === l)))
        .sort((a, b) => b.data.number - a.data.number)
        .slice(0, Math.min(100, Number(ctx.query.per_page ?? 30)));
      return { status: 200, json: issues.map(({ data, comments }) => issueJson(kit.urls, ctx.repo, data, comments)) };
    },
  },

  'issues/create': {
    auth: 'installation',
    permissions: ['issues:write'],
    handle: (kit, ctx) => {
      const labels = ((ctx.body.labels ?? []) as Array<string | { name?: string }>)
        .map((l) => (typeof l === 'string' ? l : (l.name ?? '')))
        .filter((l) => l !== '');
      const issue = kit.state.addIssue(ctx.repo, {
        title: String(ctx.body.title),
        body: ctx.body.body ?? undefined,
        user: { login: `${kit.appSlug}[bot]`, type: 'Bot' },
        labels,
      });
      return { status: 201, json: issueJson(kit.urls, ctx.repo, issue.data!, 0) };
    },
  },

  'reactions/create-for-issue': {
    auth: 'installation',
    permissions: ['issues:write', 'pull_requests:write'],
    handle: (kit, ctx) => {
      const issue = kit.state.issue(ctx.repo, ctx.params.issue_number);
      if (!issue) throw kit.notFound(ctx);
      const content = String((ctx.body as { content: string }).content);
      const login = `${kit.appSlug}[bot]`;
      // "A response with an HTTP 200 status means that you already added the reaction type to this issue."
      const existing = issue.reactions.find((r) => r.content === content && r.user.login === login);
      if (existing) return { status: 200, json: reactionJson(kit.urls, existing) };
      const reaction: ReactionData = {
        id: kit.state.id(),
        content,
        user: { login, type: 'Bot' },
        createdAt: isoSeconds(),
      };
      issue.reactions.push(reaction);
      return { status: 201, json: reactionJson(kit.urls, reaction) };
    },
  },

  'git/get-ref': {
    auth: 'installation',
    permissions: ['contents:read'],
    handle: (kit, ctx) => {
      const ref = String(ctx.params.ref);
      const name = /^heads\/(.+)$/.exec(ref)?.[1];
      const branch = name === undefined ? undefined : ctx.repo.branches.get(name);
      if (!branch) throw kit.notFound(ctx);
      return { status: 200, json: gitRefJson(kit.urls, ctx.repo, `refs/${ref}`, branch.sha) };
    },
  },

  'git/get-commit': {
    auth: 'installation',
    permissions: ['contents:read'],
    handle: (kit, ctx) => {
      const commit = kit.state.gitCommit(ctx.repo, String(ctx.params.commit_sha));
      if (!commit) throw kit.notFound(ctx);
      return { status: 200, json: gitCommitJson(kit.urls, ctx.repo, commit) };
    },
  },

  'git/get-tree': {
    auth: 'installation',
    permissions: ['contents:read'],
    handle: (kit, ctx) => {
      const sha = String(ctx.params.tree_sha).toLowerCase();
      // a tree SHA, or (as GitHub allows) a commit SHA or branch name whose tree is meant
      const files =
        ctx.repo.git.trees.get(sha) ??
        (() => {
          const commit =
            kit.state.gitCommit(ctx.repo, sha) ??
            (ctx.repo.branches.has(sha) ? kit.state.gitCommit(ctx.repo, ctx.repo.branches.get(sha)!.sha) : undefined);
          return commit ? ctx.repo.git.trees.get(commit.tree) : undefined;
        })();
      if (!files) throw kit.notFound(ctx);
      return { status: 200, json: gitTreeJson(kit.urls, ctx.repo, sha, files, ctx.query.recursive !== undefined) };
    },
  },

  'git/create-blob': {
    auth: 'installation',
    permissions: ['contents:write'],
    handle: (kit, ctx) => {
      const body = ctx.body as { content: string; encoding?: string };
      const content = body.encoding === 'base64' ? Buffer.from(body.content, 'base64').toString('utf8') : body.content;
      const sha = blobSha(content);
      ctx.repo.git.blobs.set(sha, content);
      const url = `${kit.urls.api}/repos/${ctx.repo.owner}/${ctx.repo.name}/git/blobs/${sha}`;
      return { status: 201, json: { url, sha }, headers: { location: url } };
    },
  },

  'git/create-tree': {
    auth: 'installation',
    permissions: ['contents:write'],
    handle: (kit, ctx) => {
      const body = ctx.body as {
        base_tree?: string;
        tree: Array<{ path?: string; mode?: string; type?: string; sha?: string | null; content?: string }>;
      };
      let files = new Map<string, string>();
      if (body.base_tree !== undefined) {
        const base = ctx.repo.git.trees.get(body.base_tree.toLowerCase());
        if (!base)
          throw kit.validationFailed(ctx, 'Tree', [
            {
              code: 'invalid',
              field: 'base_tree',
              message: `base_tree ${body.base_tree} is not a tree in this repository`,
            },
          ]);
        files = new Map(base);
      }
      const errors: Array<{ code: string; field?: string; message?: string }> = [];
      body.tree.forEach((entry, i) => {
        const path = entry.path ?? '';
        if (entry.content !== undefined && entry.sha !== undefined)
          errors.push({ code: 'invalid', field: `tree[${i}]`, message: 'give content or sha, not both' });
        else if (entry.sha === null) files.delete(path);
        else if (entry.content !== undefined) files.set(path, entry.content);
        else if (entry.sha !== undefined) {
          const blob = ctx.repo.git.blobs.get(entry.sha.toLowerCase());
          if (blob === undefined)
            errors.push({ code: 'invalid', field: `tree[${i}].sha`, message: `no blob ${entry.sha}` });
          else files.set(path, blob);
        }
      });
      if (errors.length > 0) throw kit.validationFailed(ctx, 'Tree', errors);
      const sha = kit.state.putTree(ctx.repo, files);
      return { status: 201, json: gitTreeJson(kit.urls, ctx.repo, sha, files, false) };
    },
  },

  'git/create-commit': {
    auth: 'installation',
    permissions: ['contents:write'],
    handle: (kit, ctx) => {
      const body = ctx.body as {
        message: string;
        tree: string;
        parents?: string[];
        author?: { name: string; email: string; date?: string };
      };
      const tree = body.tree.toLowerCase();
      if (!ctx.repo.git.trees.has(tree))
        throw kit.validationFailed(ctx, 'Commit', [
          { code: 'invalid', field: 'tree', message: `tree ${body.tree} does not exist` },
        ]);
      const parents = (body.parents ?? []).map((p) => p.toLowerCase());
      const unknown = parents.filter((p) => !kit.state.gitCommit(ctx.repo, p));
      if (unknown.length > 0)
        throw kit.validationFailed(ctx, 'Commit', [
          { code: 'invalid', field: 'parents', message: `no commit ${unknown.join(', ')}` },
        ]);
      const author = {
        name: body.author?.name ?? `${kit.appSlug}[bot]`,
        email: body.author?.email ?? `${kit.appId}+${kit.appSlug}[bot]@users.noreply.github.com`,
        date: body.author?.date ?? isoSeconds(),
      };
      // like git: the same tree, parents, author, date and message give the same commit
      const sha = fakeSha('commit', tree, ...parents, author.name, author.email, author.date, body.message);
      const commit: GitCommitData = { sha, tree, parents, message: body.message, author };
      ctx.repo.git.commits.set(sha, commit);
      return {
        status: 201,
        json: gitCommitJson(kit.urls, ctx.repo, commit),
        headers: { location: `${kit.urls.api}/repos/${ctx.repo.owner}/${ctx.repo.name}/git/commits/${sha}` },
      };
    },
  },

  'git/create-ref': {
    auth: 'installation',
    permissions: ['contents:write'],
    handle: (kit, ctx) => {
      const body = ctx.body as { ref: string; sha: string };
      const name = /^refs\/heads\/(.+)$/.exec(body.ref)?.[1];
      if (name === undefined)
        throw kit.validationFailed(
          ctx,
          'Reference',
          [{ code: 'invalid', field: 'ref', message: 'ref must start with refs/heads/ and name a branch' }],
          'Reference name is not valid',
        );
      if (ctx.repo.branches.has(name))
        throw kit.validationFailed(
          ctx,
          'Reference',
          [{ code: 'already_exists', field: 'ref' }],
          'Reference already exists',
        );
      const commit = kit.state.gitCommit(ctx.repo, body.sha);
      if (!commit)
        throw kit.validationFailed(ctx, 'Reference', [{ code: 'invalid', field: 'sha' }], 'Object does not exist');
      workflowsRule(kit, ctx, commit.sha);
      const branch = kit.state.branch(ctx.repo, name, { sha: commit.sha });
      for (const [path, content] of ctx.repo.git.trees.get(commit.tree) ?? new Map<string, string>())
        branch.files.set(path, content);
      return { status: 201, json: gitRefJson(kit.urls, ctx.repo, body.ref, commit.sha) };
    },
  },

  'git/update-ref': {
    auth: 'installation',
    permissions: ['contents:write'],
    handle: (kit, ctx) => {
      const body = ctx.body as { sha: string; force?: boolean };
      const name = /^heads\/(.+)$/.exec(String(ctx.params.ref))?.[1];
      const branch = name === undefined ? undefined : ctx.repo.branches.get(name);
      if (!branch)
        throw kit.validationFailed(ctx, 'Reference', [{ code: 'invalid', field: 'ref' }], 'Reference does not exist');
      const commit = kit.state.gitCommit(ctx.repo, body.sha);
      if (!commit)
        throw kit.validationFailed(ctx, 'Reference', [{ code: 'invalid', field: 'sha' }], 'Object does not exist');
      if (!body.force && commit.sha !== branch.sha && !descendsFrom(kit, ctx.repo, commit.sha, branch.sha)) {
        throw kit.validationFailed(
          ctx,
          'Reference',
          [{ code: 'custom', field: 'sha' }],
          'Update is not a fast forward',
        );
      }
      workflowsRule(kit, ctx, commit.sha, branch.sha);
      // the old head stays a commit of the repository (its tree as it was), as in git
      const previous = kit.state.gitCommit(ctx.repo, branch.sha);
      if (previous && !ctx.repo.git.commits.has(previous.sha)) ctx.repo.git.commits.set(previous.sha, previous);
      // the branch now holds exactly the commit's tree (it no longer reads through to the branch it was made from)
      branch.files = new Map(ctx.repo.git.trees.get(commit.tree) ?? kit.state.branchFiles(ctx.repo, branch));
      delete branch.parent;
      kit.state.branch(ctx.repo, branch.name, { sha: commit.sha });
      for (const pull of ctx.repo.pulls.values()) {
        if (pull.state !== 'open' || pull.headRef !== branch.name) continue;
        // a push to a pull request's branch moves its head and its diff, as on GitHub
        const base = ctx.repo.branches.get(pull.baseRef);
        pull.headSha = commit.sha;
        pull.files = base
          ? diffFiles(kit.state.branchFiles(ctx.repo, base), kit.state.branchFiles(ctx.repo, branch))
          : pull.files;
        pull.updatedAt = isoSeconds();
      }
      return { status: 200, json: gitRefJson(kit.urls, ctx.repo, `refs/heads/${branch.name}`, commit.sha) };
    },
  },

  'pulls/create': {
    auth: 'installation',
    permissions: ['pull_requests:write'],
    handle: (kit, ctx) => {
      const body = ctx.body as { title?: string; head: string; base: string; body?: string; draft?: boolean };
      const headName = body.head.includes(':') ? body.head.slice(body.head.indexOf(':') + 1) : body.head;
      const head = ctx.repo.branches.get(headName);
      const base = ctx.repo.branches.get(body.base);
      const invalid = (field: string, message: string) =>
        kit.validationFailed(ctx, 'PullRequest', [{ code: 'invalid', field, message }]);
      if (!head) throw invalid('head', `head ${body.head} is not a branch of ${ctx.repo.owner}/${ctx.repo.name}`);
      if (!base) throw invalid('base', `base ${body.base} is not a branch of ${ctx.repo.owner}/${ctx.repo.name}`);
      if (
        [...ctx.repo.pulls.values()].some(
          (p) => p.state === 'open' && p.headRef === headName && p.baseRef === body.base,
        )
      ) {
        throw kit.validationFailed(ctx, 'PullRequest', [
          { code: 'custom', message: `A pull request already exists for ${ctx.repo.owner}:${headName}.` },
        ]);
      }
      const files = diffFiles(kit.state.branchFiles(ctx.repo, base), kit.state.branchFiles(ctx.repo, head));
      if (files.length === 0)
        throw kit.validationFailed(ctx, 'PullRequest', [
          { code: 'custom', message: `No commits between ${body.base} and ${headName}` },
        ]);
      const pull = kit.state.addPullRequest(ctx.repo, {
        title: body.title ?? headName,
        body: body.body ?? null,
        user: { login: `${kit.appSlug}[bot]`, type: 'Bot' },
        headRef: headName,
        headSha: head.sha,
        baseRef: body.base,
        draft: body.draft ?? false,
        files,
      });
      const json = pullJson(kit.urls, ctx.repo, pull);
      return { status: 201, json, headers: { location: String(json.url) } };
    },
  },

  'orgs/get-membership-for-user': {
    auth: 'installation',
    permissions: ['members:read'],
    handle: (kit, ctx) => {
      const org = String(ctx.params.org);
      const login = String(ctx.params.username);
      const role = kit.state.orgMembers.get(org.toLowerCase())?.get(login.toLowerCase());
      if (!role) throw kit.notFound(ctx);
      return {
        status: 200,
        json: {
          url: `${kit.urls.api}/orgs/${org}/memberships/${login}`,
          state: 'active',
          role,
          organization_url: `${kit.urls.api}/orgs/${org}`,
          organization: {
            login: org,
            id: stableId('org', org.toLowerCase()),
            node_id: 'O_sim',
            url: `${kit.urls.api}/orgs/${org}`,
            repos_url: `${kit.urls.api}/orgs/${org}/repos`,
            events_url: `${kit.urls.api}/orgs/${org}/events`,
            hooks_url: `${kit.urls.api}/orgs/${org}/hooks`,
            issues_url: `${kit.urls.api}/orgs/${org}/issues`,
            members_url: `${kit.urls.api}/orgs/${org}/members{/member}`,
            public_members_url: `${kit.urls.api}/orgs/${org}/public_members{/member}`,
            avatar_url: `${kit.urls.web}/avatars/o/1`,
            description: null,
          },
          user: userJson(kit.urls, login),
        },
      };
    },
  },

  'teams/get-membership-for-user-in-org': {
    auth: 'installation',
    permissions: ['members:read'],
    handle: (kit, ctx) => {
      const team = `${ctx.params.org}/${ctx.params.team_slug}`.toLowerCase();
      const login = String(ctx.params.username);
      if (!kit.state.teams.get(team)?.has(login.toLowerCase())) throw kit.notFound(ctx);
      return {
        status: 200,
        json: {
          url: `${kit.urls.api}/teams/${stableId('team', team)}/memberships/${login}`,
          role: 'member',
          state: 'active',
        },
      };
    },
  },

  'repos/create-dispatch-event': {
    auth: 'installation',
    permissions: ['contents:write'],
    handle: (kit, ctx) => {
      const body = ctx.body as { event_type: string; client_payload?: unknown };
      ctx.repo.dispatches.push({ eventType: body.event_type, payload: body.client_payload ?? {} });
      return { status: 204 };
    },
  },

  'actions/get-workflow-run': {
    auth: 'installation',
    permissions: ['actions:read'],
    handle: (kit, ctx) => {
      const run = ctx.repo.workflowRuns.get(Number(ctx.params.run_id));
      if (!run) throw kit.notFound(ctx);
      return { status: 200, json: workflowRunJson(kit.urls, ctx.repo, run) };
    },
  },

  'actions/review-custom-gates-for-run': {
    auth: 'installation',
    permissions: ['deployments:write'],
    handle: (kit, ctx) => {
      const body = ctx.body as { environment_name: string; state?: string; comment?: string };
      ctx.repo.deploymentReviews.push({
        runId: Number(ctx.params.run_id),
        environment: body.environment_name,
        state: body.state ?? 'commented',
        comment: body.comment ?? '',
      });
      return { status: 204 };
    },
  },

  'pulls/merge': {
    auth: 'installation',
    permissions: ['contents:write'],
    handle: (kit, ctx) => {
      const pull = ctx.repo.pulls.get(ctx.params.pull_number);
      if (!pull) throw kit.notFound(ctx);
      const body = (ctx.body ?? {}) as { sha?: string };
      // GitHub's documented answers: 405 when it cannot be merged, 409 when the head is not the SHA given
      if (pull.state !== 'open')
        throw new Answer(405, {
          message: 'Pull Request is not mergeable',
          documentation_url: 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request',
          status: '405',
        });
      if (body.sha !== undefined && body.sha.toLowerCase() !== pull.headSha) {
        throw new Answer(409, {
          message: 'Head branch was modified. Review and try the merge again.',
          documentation_url: 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request',
          status: '409',
        });
      }
      const sha = fakeSha('merge', ctx.repo.key, pull.number, pull.headSha);
      const base = kit.state.branch(ctx.repo, pull.baseRef);
      const head = ctx.repo.branches.get(pull.headRef);
      if (head) for (const [path, content] of kit.state.branchFiles(ctx.repo, head)) base.files.set(path, content);
      for (const f of pull.files) if (f.status === 'removed') base.files.delete(f.filename);
      kit.state.branch(ctx.repo, pull.baseRef, { sha });
      pull.state = 'closed';
      pull.mergeCommitSha = sha;
      pull.updatedAt = isoSeconds();
      return { status: 200, json: { sha, merged: true, message: 'Pull Request successfully merged' } };
    },
  },

  'pulls/request-reviewers': {
    auth: 'installation',
    permissions: ['pull_requests:write'],
    handle: (kit, ctx) => {
      const pull = ctx.repo.pulls.get(ctx.params.pull_number);
      if (!pull) throw kit.notFound(ctx);
      const body = ctx.body as { reviewers?: string[]; team_reviewers?: string[] };
      const reviewers = body.reviewers ?? [];
      const notCollaborators = reviewers.filter((login) => !ctx.repo.collaborators.has(login.toLowerCase()));
      if (reviewers.some((login) => login.toLowerCase() === pull.user.login.toLowerCase())) {
        throw kit.validationFailed(ctx, 'PullRequest', [
          { code: 'custom', message: 'Review cannot be requested from pull request author.' },
        ]);
      }
      if (notCollaborators.length > 0) {
        throw kit.validationFailed(ctx, 'PullRequest', [
          {
            code: 'custom',
            message: `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${ctx.repo.owner}/${ctx.repo.name} repository.`,
          },
        ]);
      }
      for (const login of reviewers) if (!pull.requestedReviewers.includes(login)) pull.requestedReviewers.push(login);
      for (const slug of body.team_reviewers ?? [])
        if (!pull.requestedTeams.includes(slug)) pull.requestedTeams.push(slug);
      return { status: 201, json: pullJson(kit.urls, ctx.repo, pull) };
    },
  },
};

/** Whether `sha` has `ancestor` among the commits written through the Git Data API behind it (bounded walk). */
function descendsFrom(kit: Kit, repo: Repo, sha: string, ancestor: string): boolean {
  const seen = new Set<string>();
  const queue = [sha.toLowerCase()];
  while (queue.length > 0 && seen.size < 10_000) {
    const next = queue.shift()!;
    if (next === ancestor.toLowerCase()) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...(repo.git.commits.get(next)?.parents ?? []));
  }
  return false;
}

/**
 * GitHub refuses a GitHub App's token without the `workflows` permission any new commit (one written through the Git
 * Data API that no branch has had, back to `known`, the ref's old commit) that adds, changes or removes a file under
 * `.github/workflows/` compared with its first parent:
 * 422 "refusing to allow a GitHub App to create or update workflow `<path>` without `workflows` permission".
 */
function workflowsRule(kit: Kit, ctx: Ctx, sha: string, known?: string): void {
  if (ctx.token && hasPermission(ctx.token.permissions, 'workflows:write')) return;
  const treeOf = (commitSha: string | undefined) => {
    if (commitSha === undefined) return new Map<string, string>();
    const commit = kit.state.gitCommit(ctx.repo, commitSha);
    return (commit && ctx.repo.git.trees.get(commit.tree)) ?? new Map<string, string>();
  };
  const seen = new Set<string>();
  for (let at: string | undefined = sha.toLowerCase(); at && at !== known && !seen.has(at) && seen.size < 10_000;) {
    seen.add(at);
    const commit: GitCommitData | undefined = ctx.repo.commits.has(at) ? undefined : ctx.repo.git.commits.get(at);
    if (!commit) break; // a commit a branch has (had): already in the repository
    const before = treeOf(commit.parents[0]);
    const after = ctx.repo.git.trees.get(commit.tree) ?? new Map<string, string>();
    const paths = [...new Set([...before.keys(), ...after.keys()])]
      .filter((p) => p.startsWith('.github/workflows/'))
      .sort();
    const changed = paths.find((p) => before.get(p) !== after.get(p));
    if (changed !== undefined) {
      const message = `refusing to allow a GitHub App to create or update workflow \`${changed}\` without \`workflows\` permission`;
      throw kit.validationFailed(ctx, 'Reference', [{ code: 'custom', field: 'sha', message }], message);
    }
    at = commit.parents[0];
  }
}

/** The changed files between two trees, with a unified diff that removes every old line and adds every new one. */
function diffFiles(base: ReadonlyMap<string, string>, head: ReadonlyMap<string, string>): PullFile[] {
  const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  const files: PullFile[] = [];
  for (const path of [...new Set([...base.keys(), ...head.keys()])].sort()) {
    const before = base.get(path);
    const after = head.get(path);
    if (before === after) continue;
    const removed = before === undefined ? [] : lines(before);
    const added = after === undefined ? [] : lines(after);
    const patch = `@@ -${removed.length ? 1 : 0},${removed.length} +${added.length ? 1 : 0},${added.length} @@\n${[...removed.map((l) => `-${l}`), ...added.map((l) => `+${l}`)].join('\n')}`;
    const status = before === undefined ? 'added' : after === undefined ? 'removed' : 'modified';
    files.push({
      filename: path,
      status,
      additions: added.length,
      deletions: removed.length,
      changes: added.length + removed.length,
      patch,
      ...(after !== undefined ? { sha: blobSha(after) } : {}),
    });
  }
  return files;
}

type CheckRunBody = {
  name?: string;
  details_url?: string;
  external_id?: string;
  status?: string;
  started_at?: string;
  conclusion?: string;
  completed_at?: string;
  output?: { title?: string; summary?: string; text?: string; annotations?: Annotation[]; images?: JsonObject[] };
  actions?: JsonObject[];
};

/**
 * What GitHub's documentation of "Create a check run" / "Update a check run" says beyond the schema:
 * a conclusion is required with `completed_at` or `status: completed`; only GitHub sets `stale`; only
 * GitHub Actions sets `waiting`/`requested`/`pending`; at most 50 annotations per request; columns only
 * on one-line annotations; annotation titles up to 255 characters and messages/details up to 64 KB;
 * an updated output needs its title.
 */
function checkRunRules(kit: Kit, ctx: Ctx, body: CheckRunBody, kind: 'create' | 'update', run?: CheckRunData): void {
  const errors: Array<{ code: string; field?: string; message?: string }> = [];
  if (body.conclusion === undefined && (body.status === 'completed' || body.completed_at !== undefined)) {
    errors.push({
      code: 'missing_field',
      field: 'conclusion',
      message: 'conclusion is required when status is completed or completed_at is given',
    });
  }
  if (body.conclusion === 'stale')
    errors.push({
      code: 'invalid',
      field: 'conclusion',
      message: 'You cannot change a check run conclusion to stale, only GitHub can set this',
    });
  if (body.status !== undefined && ['waiting', 'requested', 'pending'].includes(body.status)) {
    errors.push({
      code: 'invalid',
      field: 'status',
      message: `Only GitHub Actions can set a status of ${body.status}`,
    });
  }
  if (
    kit.requireDetailsUrl &&
    body.conclusion === 'action_required' &&
    body.details_url === undefined &&
    !run?.detailsUrl
  ) {
    errors.push({
      code: 'missing_field',
      field: 'details_url',
      message: 'action_required needs a details_url where the details are',
    });
  }
  const output = body.output;
  if (output) {
    if (kind === 'update' && output.title === undefined)
      errors.push({ code: 'missing_field', field: 'output.title', message: 'an updated output needs its title' });
    const annotations = output.annotations ?? [];
    if (annotations.length > ANNOTATIONS_PER_REQUEST) {
      errors.push({
        code: 'invalid',
        field: 'output.annotations',
        message: `${annotations.length} annotations: at most ${ANNOTATIONS_PER_REQUEST} per request`,
      });
    }
    annotations.forEach((a, i) => {
      const field = `output.annotations[${i}]`;
      if ((a.start_column !== undefined || a.end_column !== undefined) && a.start_line !== a.end_line) {
        errors.push({
          code: 'invalid',
          field,
          message: 'start_column and end_column are only allowed when start_line equals end_line',
        });
      }
      if (a.end_line < a.start_line) errors.push({ code: 'invalid', field, message: 'end_line is before start_line' });
      if (a.start_line < 1) errors.push({ code: 'invalid', field, message: 'line numbers start at 1' });
      if (a.title !== undefined && [...a.title].length > 255)
        errors.push({ code: 'invalid', field: `${field}.title`, message: 'title is longer than 255 characters' });
      if (Buffer.byteLength(a.message, 'utf8') > MAX_BYTES_64KB)
        errors.push({ code: 'invalid', field: `${field}.message`, message: 'message is larger than 64 KB' });
      if (a.raw_details !== undefined && Buffer.byteLength(a.raw_details, 'utf8') > MAX_BYTES_64KB)
        errors.push({ code: 'invalid', field: `${field}.raw_details`, message: 'raw_details is larger than 64 KB' });
    });
  }
  if (errors.length > 0) throw kit.validationFailed(ctx, 'CheckRun', errors);
}

/** Applies a create/update body to a stored run: annotations are appended, as GitHub does. */
function applyCheckRunBody(run: CheckRunData, body: CheckRunBody, now: string): void {
  if (body.name !== undefined) run.name = body.name;
  if (body.details_url !== undefined) run.detailsUrl = body.details_url;
  if (body.external_id !== undefined) run.externalId = body.external_id;
  if (body.started_at !== undefined) run.startedAt = body.started_at;
  if (body.conclusion !== undefined) {
    // "Providing conclusion will automatically set the status parameter to completed."
    run.status = 'completed';
    run.conclusion = body.conclusion;
    run.completedAt = body.completed_at ?? now;
  } else if (body.status !== undefined) {
    run.status = body.status;
    run.conclusion = null;
    run.completedAt = null;
  }
  if (body.output) {
    run.output.title = body.output.title ?? run.output.title;
    run.output.summary = body.output.summary ?? run.output.summary;
    if (body.output.text !== undefined) run.output.text = body.output.text;
    if (body.output.annotations) run.output.annotations.push(...body.output.annotations.map((a) => ({ ...a })));
    if (body.output.images) run.output.images = body.output.images.map((i) => ({ ...i }));
  }
  if (body.actions !== undefined) run.actions = body.actions.map((a) => ({ ...a }));
}

function commentRules(kit: Kit, ctx: Ctx, body: string): void {
  if ([...body].length > COMMENT_MAX) {
    throw kit.validationFailed(ctx, 'IssueComment', [
      { code: 'custom', field: 'body', message: `Body is too long (maximum is ${COMMENT_MAX} characters)` },
    ]);
  }
  if (body.trim() === '')
    throw kit.validationFailed(ctx, 'IssueComment', [
      { code: 'missing_field', field: 'body', message: 'Body cannot be blank' },
    ]);
}

export type { Annotation, PullFile, Role };
