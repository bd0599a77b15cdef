import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT,
  PRIVATE,
  PUBLIC,
  latestCheck,
  openPullRequest,
  setConfig,
  startDashboardWorld,
  type DashboardWorld,
} from './dashboard-fixture.js';
import { readPng } from './png.js';

/**
 * The dashboard in a real headless Chromium (Debian `chromium`, driven by playwright-core) against the real app and
 * the loopback GitHub: sign-in through GitHub's web flow (the simulator's authorize page), the overview with gates,
 * an execution's gates and timeline, a writer's approval turning the check green, and a reader who neither sees the
 * private repository's execution nor gets an approve button (and whose forged POST is refused). Screenshots are
 * decoded and checked: their size, the page's text when taken, and pixels where the page's own elements are.
 *
 * Screenshots go to `AAOE_SCREENSHOT_DIR` when set (CI keeps them), else a temporary directory.
 */

// `AAOE_CHROMIUM` names another Chromium build (GitHub's Ubuntu runners have `/usr/bin/google-chrome`).
const CHROMIUM = process.env.AAOE_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const VIEWPORT = { width: 1280, height: 800 };
const HEADER_RGB: [number, number, number] = [0x24, 0x29, 0x2f];
const APPROVE_RGB: [number, number, number] = [0x1a, 0x7f, 0x37];

const missing = !existsSync(CHROMIUM);
if (missing && !process.env.CI)
  console.warn(
    `dashboard.browser.test.ts skipped: ${CHROMIUM} is missing (apt-get install chromium); under CI it fails instead`,
  );

let w: DashboardWorld;
let browser: Browser;
let shots: string;
let pub: { number: number; headSha: string; id: string };
let priv: { number: number; headSha: string; id: string };

describe.skipIf(missing && !process.env.CI)('the dashboard in Chromium', () => {
  beforeAll(async () => {
    if (missing)
      throw new Error(
        `Chromium is missing at ${CHROMIUM}: CI must install it (apt-get install -y --no-install-recommends chromium)`,
      );
    shots = process.env.AAOE_SCREENSHOT_DIR ?? (await mkdtemp(join(tmpdir(), 'aaoe-dashboard-shots-')));
    await mkdir(shots, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    w = await startDashboardWorld();
    await setConfig(w, PUBLIC, `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
    await setConfig(w, PRIVATE, `agents: ['${AGENT}']\nrisk: { maxLevel: high, requireHumanApprovalAbove: low }\n`);
    pub = await openPullRequest(w, PUBLIC);
    priv = await openPullRequest(w, PRIVATE);
  });
  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  /** A fresh browser profile (its own cookies) whose CSP violations and page errors are collected. */
  async function newPage(): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      // (failed loads are reported with their address below; a CSP violation is a console error)
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => {
      if (r.status() >= 400 && new URL(r.url()).pathname !== '/favicon.ico') problems.push(`${r.status()} ${r.url()}`);
    });
    return { context, page, problems };
  }

  /** Signs in through GitHub's authorize page as `login`; ends on the overview. */
  async function signIn(page: Page, login: string): Promise<void> {
    await page.goto(`${w.h.url}/aaoe`);
    await page.click('#sign-in');
    await page.waitForURL(`${w.sim.url}/login/oauth/authorize**`);
    expect(await page.textContent('h1')).toBe('Sign in to GitHub to continue to AAOE');
    await page.fill('#login_field', login);
    await page.click('#js-oauth-authorize-btn');
    await page.waitForURL(`${w.h.url}/aaoe`);
  }

  /** A screenshot, checked: a PNG of the viewport's size whose header bar has the dashboard's colour; returns it with the page's text then. */
  async function screenshot(page: Page, name: string) {
    const path = join(shots, `${name}.png`);
    const text = await page.innerText('body');
    await page.screenshot({ path });
    const file = await readFile(path);
    expect(file.length).toBeGreaterThan(10_000);
    const png = readPng(file);
    expect({ width: png.width, height: png.height }).toEqual(VIEWPORT);
    // the stylesheet applied under the CSP: the header bar is drawn in its colour
    expect(png.pixel(3, 3)).toEqual(HEADER_RGB);
    return { png, text, path };
  }

  it('signs in with GitHub and lists the executions with their gates; an execution shows its gates and timeline', async () => {
    const { context, page, problems } = await newPage();
    await page.goto(`${w.h.url}/aaoe`);
    const signInShot = await screenshot(page, '1-sign-in');
    expect(signInShot.text).toContain('Sign in with GitHub');

    await signIn(page, 'wendy-writer');
    expect(await page.textContent('header .who')).toBe('Signed in as @wendy-writer');
    const rows = page.locator('#in-flight tbody tr');
    expect(await rows.count()).toBe(2);
    const pubRow = page.locator(`tr[data-execution="${pub.id}"]`);
    expect(await pubRow.innerText()).toMatch(
      /Codertocat\/Hello-World\s+PR #\d+\s+awaiting approval\s+action required risk medium\s+5\/6 gates passed; risk needs approval\s+none/,
    );
    expect(await page.locator(`tr[data-execution="${priv.id}"]`).innerText()).toContain(`Codertocat/${PRIVATE}`);
    const overview = await screenshot(page, '2-overview-writer');
    expect(overview.text).toContain('In flight 2');
    expect(overview.text).toContain('action required risk medium');
    expect(overview.text).toContain('production');

    await page.click(`tr[data-execution="${pub.id}"] a[href="/aaoe/executions/${pub.id}"]`);
    await page.waitForURL(`${w.h.url}/aaoe/executions/${pub.id}`);
    expect(await page.locator('#gates tbody').innerText()).toMatch(/risk\s+needs approval/);
    const timeline = await page.locator('#timeline tbody').innerText();
    expect(timeline).toContain('received');
    expect(timeline).toContain('policy_evaluated');
    expect(timeline).toContain('proposed -> awaiting_approval: action_required');
    const detail = await screenshot(page, '3-execution-writer');
    expect(detail.text).toContain('Timeline');
    // the approve button is on the picture, in its colour, where the page put it
    const box = (await page.locator('#action-approve').boundingBox())!;
    expect(detail.png.pixel(Math.round(box.x + 4), Math.round(box.y + box.height / 2))).toEqual(APPROVE_RGB);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a writer approves from the page and the check turns green', async () => {
    const { context, page, problems } = await newPage();
    await signIn(page, 'wendy-writer');
    await page.goto(`${w.h.url}/aaoe/executions/${pub.id}`);
    expect(latestCheck(w, PUBLIC, pub.headSha).conclusion).toBe('action_required');
    await page.click('#action-approve');
    await page.waitForURL(
      (u) => u.pathname === `/aaoe/executions/${pub.id}` && u.searchParams.get('done') === 'approve',
    );
    expect(await page.textContent('#notice')).toBe(
      'Your approval is recorded; the aaoe/policy check is evaluated again.',
    );
    await w.runtime.idle();
    expect(latestCheck(w, PUBLIC, pub.headSha).conclusion).toBe('success');
    await page.reload();
    expect(await page.locator('#gates p').first().innerText()).toMatch(/^success · risk medium/);
    expect(await page.locator('#approvals tbody').innerText()).toMatch(/@wendy-writer\s+api/);
    const shot = await screenshot(page, '4-approved');
    expect(shot.text).toContain('approved');
    // approved: no approve button any more
    expect(await page.locator('#action-approve').count()).toBe(0);
    expect(w.sim.rejections).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a reader cannot see the private repository's execution and has no approve button; a forged POST is refused with the reason", async () => {
    const { context, page, problems } = await newPage();
    await signIn(page, 'rita-reader');
    const overview = await screenshot(page, '5-overview-reader');
    expect(overview.text).toContain('Signed in as @rita-reader');
    expect(await page.locator(`tr[data-execution="${pub.id}"]`).count()).toBe(1);
    expect(await page.locator(`tr[data-execution="${priv.id}"]`).count()).toBe(0);
    expect(overview.text).not.toContain(PRIVATE);

    const hidden = await page.goto(`${w.h.url}/aaoe/executions/${priv.id}`);
    expect(hidden?.status()).toBe(404);
    expect(await page.innerText('body')).not.toContain(PRIVATE);

    await page.goto(`${w.h.url}/aaoe/executions/${pub.id}`);
    expect(await page.locator('#action-approve').count()).toBe(0);
    expect(await page.locator('#actions form').count()).toBe(0);
    const detail = await screenshot(page, '6-execution-reader');
    expect(detail.text).toContain('No actions: you have read permission on Codertocat/Hello-World');

    // the reader forges the approve form with her own session and CSRF token: the control plane refuses it
    const csrf = await page.locator('form.signout input[name="csrf"]').getAttribute('value');
    // (naming the head commit, as the writer's form does: an approval without it is refused before the control plane)
    const forged = await context.request.post(`${w.h.url}/aaoe/executions/${pub.id}/approve`, {
      form: { csrf: csrf!, sha: pub.headSha },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain(
      '<strong>Approve refused:</strong> @rita-reader has read permission on the repository',
    );
    const onPrivate = await context.request.post(`${w.h.url}/aaoe/executions/${priv.id}/approve`, {
      form: { csrf: csrf!, sha: priv.headSha },
      maxRedirects: 0,
    });
    expect(onPrivate.status()).toBe(404);
    expect(problems).toEqual([`404 ${w.h.url}/aaoe/executions/${priv.id}`]);
    await context.close();
  });
});
