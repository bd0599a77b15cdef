/**
 * Alpha spending: how a metric's false-rollback budget `α` is shared by the tests of an analysis (one look at the
 * end of every interval), so that looking after every interval never inflates false rollbacks (the error of
 * peeking at a fixed-level test every interval).
 *
 * Every test is held at its share, and the shares of all the tests of all the looks sum to at most `α`: by the
 * union bound (whatever the tests' correlation), the probability that any of them rolls back a healthy canary is at
 * most `α`.
 *
 * Each look tests everything collected since the start (`lookBoundary`): the evidence grows with every interval.
 * The budget goes where detection is wanted: a regression should be caught within two intervals, so the first look
 * spends `FIRST` (25%) and the second `SECOND` (70%), and the looks after them share `LATER` (1%) evenly. An analysis
 * of one interval spends everything on it; of two, `FIRST` and `SECOND` scaled to the whole budget.
 *
 * From the third look on, a healthy past would dilute a regression that starts late (two healthy intervals and a
 * third at 3x the error rate is under 2x since the start), so those looks also test the latest interval alone
 * (`recentBoundary`), with their own share: `RECENT` (4%) shared evenly by them. A late severe regression is rolled
 * back at the look that ends the interval it started in, as a sliding window would, without a window's peeking error.
 */

export const FIRST = 0.25;
export const SECOND = 0.7;
export const LATER = 0.01;
export const RECENT = 0.04;

/** The first look (0-based) that also tests the latest interval alone. */
export const FIRST_RECENT_LOOK = 2;

/** Look `index`'s (0-based) share of `alpha` for its test since the start, in an analysis of `looks` looks. */
export function lookBoundary(alpha: number, index: number, looks: number): number {
  if (index < 0 || index >= looks) return 0;
  if (looks === 1) return alpha;
  if (looks === 2) return (alpha * (index === 0 ? FIRST : SECOND)) / (FIRST + SECOND);
  if (index === 0) return alpha * FIRST;
  if (index === 1) return alpha * SECOND;
  return (alpha * LATER) / (looks - FIRST_RECENT_LOOK);
}

/** Look `index`'s share of `alpha` for its test of the latest interval alone (0: this look has none). */
export function recentBoundary(alpha: number, index: number, looks: number): number {
  if (index < FIRST_RECENT_LOOK || index >= looks) return 0;
  return (alpha * RECENT) / (looks - FIRST_RECENT_LOOK);
}
