import { readAudit } from '../adapters/store/audit-log.js';
import { type AuditEntry } from '../core/execution/records.js';
import type { SqlExecutor } from '../adapters/store/database.js';
import { getExecution } from '../adapters/store/executions.js';

/**
 * The demo's timeline: what happened, read from the audit log (the same entries `aaoe audit show` prints), one
 * line per entry, with the execution's state after it; and the demo's own narration between them.
 */
export class Timeline {
  readonly lines: string[] = [];
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
    const reason = entry.reason ? `: ${entry.reason.replace(/\s+/g, ' ').slice(0, 140)}` : '';
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
