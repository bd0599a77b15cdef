import { describe, expect, it } from 'vitest';
import { trimLeadingSlashes, trimTrailingSlashes } from '../../../src/core/text/slashes.js';

describe('slashes trimmed in one pass', () => {
  it.each([
    ['', '', ''],
    ['/', '', ''],
    ['///a/b///', 'a/b///', '///a/b'],
    ['a', 'a', 'a'],
    ['/a/', 'a/', '/a'],
  ])('%j', (text, leading, trailing) => {
    expect(trimLeadingSlashes(text)).toBe(leading);
    expect(trimTrailingSlashes(text)).toBe(trailing);
  });

  it('is linear on a long run of slashes that does not reach the end (the regex it replaces was quadratic)', () => {
    const text = `${'/'.repeat(200_000)}x`;
    const started = performance.now();
    expect(trimTrailingSlashes(text)).toBe(text);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
