import { describe, expect, it } from 'vitest';
import { debugIssueMarker, renderDebugIssue } from '../../../src/core/notify/debug-issue.js';
import { rollbackReport, rolledBackExecution } from './support.js';

/** A mention GitHub would notify: `@` followed by a login character. */
const MENTION = /@(?=[\w-])/;

describe('renderDebugIssue', () => {
  const report = rollbackReport();
  const { title, body } = renderDebugIssue({
    execution: rolledBackExecution(),
    report,
    reason: `${report.title}: ${report.reason}`,
  });

  it('titles the issue with the pull request and the verdict', () => {
    expect(title).toBe('AAOE rollback of #12: Roll back: 1 interval failed (limit 0, 3 intervals judged of 5)');
  });

  it('starts with the hidden marker of the execution', () => {
    expect(body.startsWith(`${debugIssueMarker('exec-1')}\n`)).toBe(true);
    expect(debugIssueMarker('exec-1')).toBe('<!-- aaoe:debug-issue execution=exec-1 -->');
  });

  it('shows the verdict per interval and metric, with the failing one and why', () => {
    expect(body).toContain('| Interval | Metric | Baseline | Canary | Effect | p-value | Threshold | Outcome |');
    const rows = body.split('\n').filter((l) => /^\| \d+ \| /.test(l));
    expect(rows).toHaveLength(6); // 3 intervals x 2 metrics
    const failing = rows.filter((l) => l.includes('❌ fail'));
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatch(
      /^\| 3 \| error-rate \| 0\.0203 \| 0\.0601 \| 2\.96 \| < 0\.0001 \| 2 \| ❌ fail: recent-window test \(interval 3 alone\): significantly worse than the baseline/,
    );
    expect(body).toContain('Intervals: 3 of 5 judged, 2 passed, 1 failed, 0 inconclusive.');
    expect(body).toContain(
      '**Why:** error-rate in interval 3: canary 0.0601 vs baseline 0.0203, recent-window test (interval 3 alone): significantly worse',
    );
  });

  it('charts each metric over the intervals (Mermaid xychart: baseline, then canary)', () => {
    const charts = [...body.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(charts).toHaveLength(2);
    expect(charts[0]).toBe(
      [
        'xychart-beta',
        '  title "error-rate (first line: baseline, second: canary)"',
        '  x-axis ["1", "2", "3"]',
        '  y-axis "error-rate"',
        '  line [0.02003, 0.02017, 0.0203]',
        '  line [0.0203, 0.0203, 0.06006]',
        '',
      ].join('\n'),
    );
    expect(charts[1]).toContain('y-axis "latency"');
  });

  it('names the failing step: the commands that exited non-zero', () => {
    expect(body).toContain('No command failed (`deploy` exit 0, `rollback` exit 0): the verdict above rolled it back.');
    const broken = renderDebugIssue({
      execution: rolledBackExecution(),
      report: rollbackReport({
        verdict: 'error',
        intervals: [],
        counts: null,
        commands: [
          { name: 'deploy', exitCode: 2, durationMs: 65_000 },
          { name: 'rollback', exitCode: 0, durationMs: 900 },
        ],
      }),
      reason: 'the deploy command failed',
    });
    expect(broken.body).toContain('### Failing step\n\n- `deploy` exited with **2** after 65.0 s\n');
    expect(broken.body).not.toContain('`rollback` exited');
    expect(broken.body).toContain('The report has no intervals');
  });

  it('links the run, the pull request and the issue, and shows the change and its proposal', () => {
    expect(body).toContain('- Workflow run: https://github.com/acme/shop/actions/runs/991');
    expect(body).toContain('- Pull request: #12');
    expect(body).toContain('- Issue the change started from: #5');
    expect(body).toContain(`| Head commit | \`${'b'.repeat(40)}\` |`);
    expect(body).toContain(`| Deployed commit | \`${'a'.repeat(40)}\` |`);
    expect(body).toContain('### The proposal\n\nCache the product list for 60 s.');
    expect(body).toContain('| Risk declared by the agent | medium: Touches the hot path. |');
  });

  it('without a report (nothing stored yet) still opens with what is known', () => {
    const bare = renderDebugIssue({
      execution: rolledBackExecution({ work: null }),
      report: undefined,
      reason: 'canary failed',
    });
    expect(bare.title).toBe('AAOE rollback of #12: canary failed');
    expect(bare.body).toContain('**Why:** canary failed');
    expect(bare.body).toContain('The report lists no commands.');
    expect(bare.body).toContain('AAOE did not write this change; its proposal is in the body of #12.');
  });

  it('says what selfHeal does', () => {
    const healed = renderDebugIssue({ execution: rolledBackExecution(), report, reason: 'x', selfHealLabel: 'aaoe' });
    expect(healed.body).toContain('The policy has `selfHeal: propose-fix`: this issue carries `aaoe`');
  });

  it('neutralises hostile text: no mention, no hidden marker, no broken table or chart, no link from a bad URL', () => {
    const hostile =
      '@acme/everyone please look <!-- aaoe:debug-issue execution=other --> | injected | cell\n## Heading';
    const evil = rollbackReport({
      title: 'Roll back @octocat <!-- aaoe:proposal -->',
      intervals: [
        {
          index: 0,
          outcome: 'fail',
          metrics: [
            {
              metric: 'x"]\n```\n@ghost',
              outcome: 'fail',
              baseline: 1,
              canary: 9,
              effect: 9,
              pValue: 0.001,
              threshold: 2,
              reason: '@team/all <!-- x -->',
            },
          ],
        },
      ],
      commands: [{ name: 'deploy`@boss' as 'deploy', exitCode: 1, durationMs: 1 }],
      run: { repository: null, runId: null, runAttempt: null, url: 'javascript:alert(1)' },
    });
    const execution = rolledBackExecution();
    execution.work!.proposal = {
      ...execution.work!.proposal!,
      summary: 'Fix it, @security-team <!-- aaoe:status -->',
      rollbackPlan: 'ping @oncall',
    };
    const out = renderDebugIssue({ execution, report: evil, reason: hostile });
    expect(out.title).not.toMatch(MENTION);
    expect(out.title).not.toContain('<!--');
    expect(out.body).not.toMatch(MENTION);
    // the only HTML comment is AAOE's own marker, first
    expect(out.body.match(/<!--/g)).toHaveLength(1);
    expect(out.body.indexOf('<!--')).toBe(0);
    expect(out.body).toContain(
      '**Why:** @\u200dacme/everyone please look &lt;!-- aaoe:debug-issue execution=other --> | injected | cell ## Heading',
    );
    expect(out.body).not.toMatch(/^## Heading/m);
    // the chart and the code spans keep a safe character set: no fence can close early
    expect(out.body.match(/```/g)).toHaveLength(2);
    expect(out.body).toContain('y-axis "x________ghost"');
    expect(out.body).toContain('- `deploy__boss` exited with **1**');
    expect(out.body).not.toContain('javascript:');
  });
});

describe('self-heal depth', () => {
  it("an execution started by the policy's consent is a self-heal attempt; one started by a person is not", async () => {
    const { isSelfHeal } = await import('../../../src/workflows/debug-issue-work.js');
    expect(
      isSelfHeal({
        work: {
          issue: { number: 9, title: 't', htmlUrl: 'u', labelledBy: 'policy:selfHeal (debug issue of execution x1)' },
        },
      } as never),
    ).toBe(true);
    expect(
      isSelfHeal({ work: { issue: { number: 9, title: 't', htmlUrl: 'u', labelledBy: 'wendy-writer' } } } as never),
    ).toBe(false);
    expect(isSelfHeal({ work: null })).toBe(false);
  });
});
