import { parseArgs } from 'node:util';
import { exportAudit, showExecution, verifyAudit } from '../adapters/store/audit-log.js';
import { type ExecutionAudit } from '../core/execution/records.js';
import type { Database } from '../adapters/store/database.js';
import type { CliIo } from './cli-io.js';

/**
 * `aaoe audit <verify | export | show>`. Exit codes: 0 pass, 1 the chain is broken, 2 invalid arguments.
 *
 *   aaoe audit verify
 *   aaoe audit export [--format jsonl]
 *   aaoe audit show <execution-id> [--format text|json]
 */

/** Where the command writes (the CLI's `CliIo`). */
export type AuditCommandIo = CliIo;

export const AUDIT_USAGE = `Usage:
  aaoe audit verify                               check the hash chain; names the first bad entry
  aaoe audit export [--format jsonl]              every entry, one JSON line each, in order
  aaoe audit show <execution-id> [--format text|json]
                                                  who approved, why it deployed, what it cost

Exit codes: 0 pass, 1 the audit log was tampered with, 2 invalid arguments.`;

export async function runAuditCommand(args: string[], io: AuditCommandIo, db: Database): Promise<number> {
  const [command, ...rest] = args;
  const parsed = parseOptions(rest);
  if (!parsed.ok) return invalid(io, `aaoe audit ${command ?? ''}: ${parsed.message}`);
  const { format, positionals } = parsed;

  switch (command) {
    case 'verify': {
      if (positionals.length > 0 || format !== undefined) return invalid(io, 'aaoe audit verify takes no arguments');
      const result = await verifyAudit(db);
      if (result.ok) {
        io.stdout(`audit log verified: ${result.count} entr${result.count === 1 ? 'y' : 'ies'}, chain intact`);
        return 0;
      }
      io.stdout(`audit log tampered: entry ${result.seq}: ${result.reason}`);
      return 1;
    }
    case 'export': {
      if (positionals.length > 0) return invalid(io, 'aaoe audit export takes no positional arguments');
      if (format !== undefined && format !== 'jsonl') {
        return invalid(io, `aaoe audit export: unknown format "${format}" (allowed: jsonl)`);
      }
      await exportAudit(db, (line) => {
        io.stdout(line);
      });
      return 0;
    }
    case 'show': {
      const [executionId, ...extra] = positionals;
      if (!executionId || extra.length > 0) return invalid(io, 'aaoe audit show: name exactly one execution id');
      if (format !== undefined && format !== 'text' && format !== 'json') {
        return invalid(io, `aaoe audit show: unknown format "${format}" (allowed: text, json)`);
      }
      const audit = await showExecution(db, executionId);
      if (audit.entries.length === 0) {
        io.stderr(`aaoe audit show: no audit entries for execution "${executionId}"`);
        return 1;
      }
      io.stdout(format === 'json' ? JSON.stringify(audit, null, 2) : renderExecutionAudit(audit));
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout(AUDIT_USAGE);
      return command === undefined ? 2 : 0;
    default:
      return invalid(io, `aaoe audit: unknown command "${command}"`);
  }
}

type Options = { ok: true; format: string | undefined; positionals: string[] } | { ok: false; message: string };

function parseOptions(args: string[]): Options {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { format: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    return { ok: true, format: values.format, positionals };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

function invalid(io: AuditCommandIo, message: string): number {
  io.stderr(`${message}\n\n${AUDIT_USAGE}`);
  return 2;
}

/** The text form of `aaoe audit show`. */
export function renderExecutionAudit(audit: ExecutionAudit): string {
  const lines = [`execution ${audit.executionId}: ${audit.entries.length} audit entries`, ''];
  for (const entry of audit.entries) {
    const cost = [
      entry.costUsd !== null ? `$${entry.costUsd}` : '',
      entry.costTokens !== null ? `${entry.costTokens} tokens` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `#${entry.seq} ${entry.at.toISOString()} ${entry.actor} ${entry.action}` +
        (entry.reason ? ` — ${entry.reason}` : '') +
        (cost ? ` (${cost})` : ''),
    );
  }
  lines.push('');
  lines.push(`approved by: ${audit.approvedBy.length > 0 ? audit.approvedBy.join(', ') : 'nobody'}`);
  if (audit.deploys.length === 0) lines.push('deployed: no');
  for (const deploy of audit.deploys) {
    lines.push(`deployed (#${deploy.seq}) by ${deploy.actor}: ${deploy.reason ?? 'no reason recorded'}`);
  }
  lines.push(`cost: $${audit.cost.usd}, ${audit.cost.tokens} tokens`);
  return lines.join('\n');
}
