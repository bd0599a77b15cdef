import type { AgentUsage } from '../../src/contracts/agent-result.js';

/**
 * The agent's own report of what it spent and what it did, read from its documented output (stdout):
 *
 * - `claude-json`: Claude Code `claude -p --output-format json` prints one JSON object, `{"type": "result",
 *   "result": <final message>, "total_cost_usd": n, "usage": {"input_tokens", "output_tokens",
 *   "cache_creation_input_tokens", "cache_read_input_tokens"}}`.
 * - `codex-jsonl`: Codex CLI `codex exec --json` prints one JSON event a line; `turn.completed` carries `usage:
 *   {"input_tokens", "cached_input_tokens", "output_tokens"}` (no dollars: priced with `price-per-mtok`), and
 *   `item.completed` with an `agent_message` item carries the agent's text.
 * - `aaoe-json`: the last line `{"aaoe_usage": {"input_tokens", "output_tokens", "cost_usd"}, "summary": text}`
 *   (AAOE's own model through `aaoe propose`, or any script).
 * - `none`: no usage report; the job's time limit is the only cap.
 *
 * Each reader takes only the fields it names, as numbers; anything else is ignored.
 */

export const USAGE_FORMATS = ['claude-json', 'codex-jsonl', 'aaoe-json', 'none'] as const;
export type UsageFormat = (typeof USAGE_FORMATS)[number];

export type AgentOutput = { usage: AgentUsage | null; summary: string };

/** USD per million input and output tokens, for agents that report tokens only. */
export type Price = { input: number; output: number };

/** Lines of output read for events at most (the output itself was capped by the action). */
const MAX_LINES = 20_000;

export function readAgentOutput(format: UsageFormat, stdout: string, price?: Price): AgentOutput {
  if (format === 'claude-json') return claude(stdout);
  if (format === 'codex-jsonl') return codex(stdout, price);
  if (format === 'aaoe-json') return aaoe(stdout);
  return { usage: null, summary: '' };
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}

function int(v: unknown): number {
  return Math.round(num(v));
}

function object(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function parse(line: string): Record<string, unknown> | undefined {
  const t = line.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    return object(JSON.parse(t));
  } catch {
    return undefined;
  }
}

/** The last JSON object of the output (the whole output first, else line by line from the end). */
function lastObject(stdout: string): Record<string, unknown> | undefined {
  const whole = parse(stdout);
  if (whole) return whole;
  const lines = stdout.split('\n').slice(-MAX_LINES);
  for (const line of lines.reverse()) {
    const o = parse(line);
    if (o) return o;
  }
  return undefined;
}

function claude(stdout: string): AgentOutput {
  const o = lastObject(stdout);
  if (!o || o.type !== 'result') return { usage: null, summary: '' };
  const u = object(o.usage) ?? {};
  const input = int(u.input_tokens) + int(u.cache_creation_input_tokens) + int(u.cache_read_input_tokens);
  return {
    usage: {
      inputTokens: input,
      outputTokens: int(u.output_tokens),
      costUsd: num(o.total_cost_usd),
      source: 'claude-json',
    },
    summary: typeof o.result === 'string' ? o.result : '',
  };
}

function codex(stdout: string, price: Price | undefined): AgentOutput {
  let input = 0;
  let output = 0;
  let turns = 0;
  let summary = '';
  for (const line of stdout.split('\n').slice(-MAX_LINES)) {
    const e = parse(line);
    if (!e) continue;
    if (e.type === 'turn.completed') {
      const u = object(e.usage) ?? {};
      input += int(u.input_tokens);
      output += int(u.output_tokens);
      turns++;
    }
    const item = object(e.item);
    if (e.type === 'item.completed' && item && (item.type ?? item.item_type) === 'agent_message')
      summary = typeof item.text === 'string' ? item.text : summary;
  }
  if (turns === 0) return { usage: null, summary };
  const costUsd = price ? (input * price.input + output * price.output) / 1_000_000 : 0;
  return { usage: { inputTokens: input, outputTokens: output, costUsd, source: 'codex-jsonl' }, summary };
}

function aaoe(stdout: string): AgentOutput {
  const o = lastObject(stdout);
  const u = object(o?.aaoe_usage);
  if (!o || !u) return { usage: null, summary: '' };
  return {
    usage: {
      inputTokens: int(u.input_tokens),
      outputTokens: int(u.output_tokens),
      costUsd: num(u.cost_usd),
      source: 'aaoe-json',
    },
    summary: typeof o.summary === 'string' ? o.summary : '',
  };
}
