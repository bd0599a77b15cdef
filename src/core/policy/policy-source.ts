import { oneLine } from '../text/markdown.js';
import type { Policy, PolicyInput } from './schema.js';
import type { Locate } from './yaml-nodes.js';

/** The shapes a policy file goes through (as written, loaded, resolved), its errors, and the presets it may extend. */

export type PolicyError = {
  file: string;
  line: number;
  /** 1-based. */
  column: number;
  /** Dotted path in the policy (`risk.maxLevel`, `protectedPaths.paths[1]`), or `(root)`. */
  path: string;
  message: string;
  /** What to write instead. */
  hint: string;
};

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** A policy as written in a file: every key optional at every level, no defaults applied. */
export type PolicyAsWritten = DeepPartial<PolicyInput>;

/** What `resolvePolicy` takes: a policy as written and, when it came from a file, where its parts are. */
export type PolicySource = { policy: PolicyAsWritten; file?: string; locate?: Locate };

/**
 * The shipped presets (`policies/<name>.yml`) by name, as written (defaults are applied when a policy that extends
 * one is resolved). A repository config builds on one with `extends: <name>`. src/adapters/files/presets.ts reads them.
 */
export type Presets = ReadonlyMap<string, PolicyAsWritten>;

export type PolicyLoad =
  { ok: true; policy: PolicyAsWritten; file: string; locate: Locate } | { ok: false; errors: PolicyError[] };
export type PolicyResolve = { ok: true; policy: Policy } | { ok: false; errors: PolicyError[] };

/** `file:line:col: message (at path). Fix: hint`, on one line. */
export function formatPolicyError(e: PolicyError): string {
  return `${e.file}:${e.line}:${e.column}: ${oneLine(e.message)} (at ${e.path}). Fix: ${oneLine(e.hint)}`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
