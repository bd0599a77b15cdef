/**
 * The one shape of an expected failure: what went wrong, said for a person (`message`), with a stable `code` a
 * program can branch on and the facts behind it (`detail`). Unexpected failures stay exceptions.
 */
export type Problem<Code extends string = string> = {
  code: Code;
  message: string;
  detail?: Readonly<Record<string, unknown>>;
};

/** A value, or the problem that kept it from being produced. */
export type Result<T, P extends Problem = Problem> = { ok: true; value: T } | { ok: false; problem: P };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function problem<Code extends string>(
  code: Code,
  message: string,
  detail?: Readonly<Record<string, unknown>>,
): { ok: false; problem: Problem<Code> } {
  return { ok: false, problem: detail ? { code, message, detail } : { code, message } };
}
