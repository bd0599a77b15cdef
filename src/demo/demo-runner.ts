import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { around } from '../../test/core/canary/samples.js';
import { runBundle, startServer, type BundleRun } from '../../test/action/run-bundle.js';
import type { GitHubSimulator, RecordedRequest } from '../../test/simulator/github-simulator.js';

/**
 * The demo's GitHub Actions runner. For every `aaoe-deploy` repository dispatch the simulator answered, it runs
 * the committed action bundle (`node action/dist/index.js`, with `INPUT_*` variables and the runner's files, as
 * GitHub runs it) on a "checkout" of the default branch's `.github/aaoe.yml`, against a loopback metrics source
 * (the action's `http` provider). The action judges the canary and posts its signed report to the app.
 *
 * The metrics source plays production: the deploy command tells it which commit the canary runs (through
 * `AAOE_SHA`), and a commit marked `regressing` serves three times the baseline's error rate.
 */

export type DeployRun = { executionId: string; sha: string; run: BundleRun; verdict: string; outcome: string };

export type DemoRunnerOptions = {
  sim: GitHubSimulator;
  /** Where the action posts its report: the app's `/aaoe/deploy-report`. */
  reportUrl: string;
  reportSecret: string;
  /** The branch the workflow checks out (the repositories' default branch). */
  defaultBranch: string;
  /** Seconds of canary analysis (the demo keeps it short). */
  windowSeconds?: number;
  onStart?: (dispatch: { repo: string; executionId: string; sha: string }) => void;
  onFinish?: (run: DeployRun) => void;
};

export class DemoRunner {
  readonly runs: DeployRun[] = [];
  /** Commits whose canary is unhealthy. */
  readonly regressing = new Set<string>();
  private canarySha = '';
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private stopListening: (() => void) | undefined;

  private constructor(
    private readonly options: DemoRunnerOptions,
    private readonly metrics: Awaited<ReturnType<typeof startServer>>,
  ) {}

  static async start(options: DemoRunnerOptions): Promise<DemoRunner> {
    const holder: { runner?: DemoRunner } = {};
    const metrics = await startServer((req, url) => {
      if (!holder.runner) throw new Error('the demo runner answered before it started');
      return holder.runner.answerMetrics(req.method, url);
    });
    const runner = new DemoRunner(options, metrics);
    holder.runner = runner;
    runner.stopListening = options.sim.onAnswered((request) => {
      runner.onRequest(request);
    });
    return runner;
  }

  get metricsUrl(): string {
    return this.metrics.url;
  }

  /** Resolves once every dispatch seen so far has run. */
  async settled(): Promise<void> {
    while (this.pending > 0) await this.queue;
  }

  async close(): Promise<void> {
    this.stopListening?.();
    await this.settled();
    await this.metrics.close();
  }

  private onRequest(request: RecordedRequest): void {
    if (request.operationId !== 'repos/create-dispatch-event' || request.status !== 204) return;
    const body = request.body as { event_type?: string; client_payload?: Record<string, unknown> };
    if (body.event_type !== 'aaoe-deploy') return;
    const [, , owner = '', repo = ''] = request.path.split('/'); // /repos/{owner}/{repo}/dispatches
    this.pending += 1;
    this.queue = this.queue
      .then(() => this.deploy(owner, repo, body.client_payload ?? {}))
      .catch((error: unknown) => {
        console.error('the demo runner failed:', error);
      })
      .finally(() => {
        this.pending -= 1;
      });
  }

  private async deploy(owner: string, repo: string, payload: Record<string, unknown>): Promise<void> {
    const executionId = String(payload.executionId);
    const sha = String(payload.sha);
    this.options.onStart?.({ repo: `${owner}/${repo}`, executionId, sha });
    // actions/checkout: the policy the action judges with comes from the repository
    const workspace = mkdtempSync(join(tmpdir(), 'aaoe-demo-checkout-'));
    const files = this.options.sim.branchFiles({ owner, repo, branch: this.options.defaultBranch });
    const policyFile = join(workspace, 'aaoe.yml');
    writeFileSync(policyFile, files?.get('.github/aaoe.yml') ?? '');
    const node = JSON.stringify(process.execPath);
    const tell = (what: string) =>
      `${node} -e "fetch(process.env.DEMO_METRICS_URL + '/${what}?sha=' + process.env.AAOE_SHA, { method: 'POST' })" && echo "${what} $AAOE_SHA ($AAOE_CANARY_PERCENT%)"`;
    const run = await runBundle(
      {
        mode: 'canary',
        'deploy-command': tell('deploy'),
        'promote-command': tell('promote'),
        'rollback-command': tell('rollback'),
        provider: 'http',
        'metrics-url': `${this.metrics.url}/metrics`,
        'policy-file': policyFile,
        'window-seconds': String(this.options.windowSeconds ?? 2),
        'interval-seconds': '1',
        'report-url': this.options.reportUrl,
        'report-secret': this.options.reportSecret,
      },
      {
        event: { name: 'repository_dispatch', payload: { action: 'aaoe-deploy', client_payload: payload } },
        env: {
          GITHUB_REPOSITORY: `${owner}/${repo}`,
          GITHUB_SERVER_URL: this.options.sim.url,
          GITHUB_API_URL: `${this.options.sim.url}/api/v3`,
          GITHUB_SHA: sha,
          DEMO_METRICS_URL: this.metrics.url,
        },
      },
    );
    // the runner's files were read into `run`: like a hosted runner, nothing of the job is kept
    rmSync(workspace, { recursive: true, force: true });
    rmSync(run.dir, { recursive: true, force: true });
    const result = {
      executionId,
      sha,
      run,
      verdict: run.outputs.verdict ?? 'none',
      outcome: run.outputs.outcome ?? 'none',
    };
    this.runs.push(result);
    this.options.onFinish?.(result);
  }

  /** The metrics source: `GET /metrics?metric=…` as the action's http provider asks; `POST /deploy|promote|rollback?sha=`. */
  private answerMetrics(method: string, url: URL): { status: number; body: unknown } {
    if (method === 'POST') {
      const sha = url.searchParams.get('sha') ?? '';
      if (url.pathname === '/deploy') this.canarySha = sha;
      if (url.pathname === '/promote' || url.pathname === '/rollback') this.canarySha = '';
      return { status: 200, body: { canary: this.canarySha || null } };
    }
    if (url.pathname !== '/metrics') return { status: 404, body: { error: `no route ${url.pathname}` } };
    const factor = this.regressing.has(this.canarySha) ? 3 : 1;
    const metric = url.searchParams.get('metric');
    if (metric === 'error-rate')
      return { status: 200, body: { baseline: around(0.02, 12), canary: around(0.02 * factor, 12, 0.2, 1) } };
    if (metric === 'latency')
      return { status: 200, body: { baseline: around(300, 12, 0.1), canary: around(305, 12, 0.1, 1) } };
    return { status: 404, body: { error: `unknown metric ${metric}` } };
  }
}
