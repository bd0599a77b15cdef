import { Option, type Command } from 'commander';
import { exportAudit, showExecution, verifyAudit } from '../adapters/store/audit-log.js';
import { type ExecutionAudit } from '../core/execution/records.js';
import type { Database } from '../adapters/store/database.js';
import { withExamples, type CliContext, type CliIo } from './cli-io.js';
import { withStore } from './with-store.js';

/**
 * `aaoe audit verify | export [--format jsonl] | show <execution-id> [--format text|json]`. Exit codes: 0 pass, 1 the
 * chain is broken (or no such execution), 2 invalid arguments.
 */

export function registerAuditCommand(program: Command, ctx: CliContext): Command {
  const audit = program
    .command('audit')
    .description('the append-only, hash-chained audit log: verify the chain, export it, show one execution');
  withExamples(audit, ['aaoe audit verify', 'aaoe audit show <execution-id>']);
  const store = (fn: (db: Database) => Promise<number>) => async () => {
    ctx.exit(await withStore(ctx.env, ctx.io, {}, fn));
  };
  const verify = audit
    .command('verify')
    .description('check the hash chain; names the first bad entry (exit 1 when the log was tampered with)')
    .action(store((db) => verifyChain(db, ctx.io)));
  withExamples(verify, ['aaoe audit verify', 'DATABASE_URL=postgres://aaoe@db/aaoe aaoe audit verify']);
  const exportCommand = audit
    .command('export')
    .description('every entry, one JSON line each, in order')
    .addOption(new Option('--format <format>', 'the output').choices(['jsonl']).default('jsonl'))
    .action(store((db) => exportChain(db, ctx.io)));
  withExamples(exportCommand, ['aaoe audit export --format jsonl > audit-2026-11.jsonl']);
  const show = audit
    .command('show')
    .description('one execution: who approved it, why it deployed, what it cost')
    .argument('<execution-id>', 'the execution (the check run and the status comment name it)')
    .addOption(new Option('--format <format>', 'the output').choices(['text', 'json']).default('text'))
    .action(async (id: string, options: { format: 'text' | 'json' }) => {
      await store((db) => showAudit(db, ctx.io, id, options.format))();
    });
  withExamples(show, ['aaoe audit show 0f5c2a', 'aaoe audit show 0f5c2a --format json']);
  return audit;
}

/** `aaoe audit verify`: 0 when the chain is intact, 1 naming the first bad entry. */
export async function verifyChain(db: Database, io: CliIo): Promise<number> {
  const result = await verifyAudit(db);
  if (result.ok) {
    io.stdout(`audit log verified: ${result.count} entr${result.count === 1 ? 'y' : 'ies'}, chain intact`);
    return 0;
  }
  io.stdout(`audit log tampered: entry ${result.seq}: ${result.reason}`);
  return 1;
}

/** `aaoe audit export`: every entry, one JSON line each. */
export async function exportChain(db: Database, io: CliIo): Promise<number> {
  await exportAudit(db, (line) => {
    io.stdout(line);
  });
  return 0;
}

/** `aaoe audit show`: the execution's history, 1 when it has none. */
export async function showAudit(
  db: Database,
  io: CliIo,
  executionId: string,
  format: 'text' | 'json',
): Promise<number> {
  const audit = await showExecution(db, executionId);
  if (audit.entries.length === 0) {
    io.stderr(`aaoe audit show: no audit entries for execution "${executionId}"`);
    return 1;
  }
  io.stdout(format === 'json' ? JSON.stringify(audit, null, 2) : renderExecutionAudit(audit));
  return 0;
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
