import { readAudit } from '../adapters/store/audit-log.js';
import { type AuditEntry } from '../core/execution/records.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import { getExecution } from '../adapters/store/executions.js';
import { policyView } from '../core/views/execution-view.js';
import { DemoLinks, type DemoLink } from './demo-links.js';

/**
 * The demo's timeline: what happened, read from the audit log (the same entries `aaoe audit show` prints), one
 * line per entry, with the execution's state after it; and the demo's own narration between them.
 */
export class Timeline {
  readonly lines: string[] = [];
  /** Every link printed, with what it names (`--ci` opens each). */
  readonly links = new DemoLinks();
  private lastSeq = 0;
  private readonly labels = new Map<string, string>();

  constructor(
    private readonly db: SqlExecutor,
    private readonly print: (line: string) => void,
  ) {}

  /** A line of narration (a step of the scenario, a link). */
  say(line: string): void {
    this.lines.push(line);
    this.print(line);
  }

  /** A line of narration ending in a link, registered with what the page must show. */
  link(text: string, link: DemoLink): void {
    this.say(`${text}: ${this.links.add(link)}`);
  }

  /** Prints the audit entries appended since the last call. */
  async flush(): Promise<AuditEntry[]> {
    const fresh: AuditEntry[] = [];
    for await (const entry of readAudit(this.db)) if (entry.seq > this.lastSeq) fresh.push(entry);
    for (const entry of fresh) {
      this.lastSeq = Math.max(this.lastSeq, entry.seq);
      this.say(await this.format(entry));
    }
    return fresh;
  }

  private async format(entry: AuditEntry): Promise<string> {
    const time = entry.at.toISOString().slice(11, 19);
    const state = (entry.data as { state?: unknown } | null)?.state;
    const subject = entry.executionId ? await this.label(entry.executionId) : 'app';
    const described = describeReason(entry);
    const reason = described ? `: ${described}` : '';
    return `    ${time}  ${subject.padEnd(22)} ${entry.action.padEnd(20)} ${typeof state === 'string' ? `-> ${state.padEnd(17)}` : ''.padEnd(20)} by ${entry.actor}${reason}`;
  }

  private async label(executionId: string): Promise<string> {
    const known = this.labels.get(executionId);
    if (known) return known;
    const execution = await getExecution(this.db, executionId);
    const label = `${execution?.issue ? `issue #${execution.issue}` : execution?.pullRequest ? `PR #${execution.pullRequest}` : 'execution'} ${executionId.slice(0, 8)}`;
    // an issue's execution gets its pull request later: label it once it has one
    if (!execution?.issue || execution.pullRequest)
      this.labels.set(
        executionId,
        execution?.pullRequest && execution.issue ? `issue #${execution.issue} PR #${execution.pullRequest}` : label,
      );
    return this.labels.get(executionId) ?? label;
  }
}

/** The longest reason printed; a longer one is cut at a word, with an ellipsis. */
export const MAX_REASON_CHARS = 200;

/**
 * An entry's reason as the timeline prints it: without the `<from> -> <to>` the state column shows, and a policy
 * evaluation in words that agree with its conclusion (an approved gate reads "approved by", not "needs_approval").
 */
export function describeReason(entry: AuditEntry): string {
  if (!entry.reason) return '';
  const text = entry.reason.replace(/\s+/g, ' ');
  const evaluation = entry.action === 'policy_evaluated' ? policyText(entry) : undefined;
  return cutAtWord(evaluation ?? text.replace(/^\S+ -> \S+(: |$)/, ''), MAX_REASON_CHARS);
}

function policyText(entry: AuditEntry): string | undefined {
  const view = policyView([entry]);
  if (!view) return undefined;
  const approvedBy = /; approved by (\S+)/.exec(view.text)?.[1];
  const named = (outcome: string) => view.gates.filter((g) => g.outcome === outcome).map((g) => g.gate);
  const parts = [
    ...named('failed').map((g) => `${g} failed`),
    ...named('needs_approval').map((g) => (approvedBy ? `${g} approved by ${approvedBy}` : `${g} needs approval`)),
  ];
  const passed = named('passed');
  if (passed.length > 0) parts.push(`${passed.join(', ')} passed`);
  return `${view.conclusion}: ${parts.join('; ')}${view.risk ? ` (risk ${view.risk})` : ''}`;
}

/** `text` whole, or cut at the last space before `max` characters with an ellipsis (never inside a word). */
export function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = text.lastIndexOf(' ', max - 2);
  while (end > 0 && ',;:'.includes(text.charAt(end - 1))) end -= 1;
  return end <= 0 ? text : `${text.slice(0, end)} …`;
}
