import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from '../../../src/adapters/github/signature.js';

describe("GitHub's webhook signature scheme", () => {
  it('signs as GitHub documents it (its own example), and verifies only the same body under the same secret', () => {
    // docs.github.com, "Validating webhook deliveries": the test values and their signature
    const signature = signBody('Hello, World!', "It's a Secret to Everybody");
    expect(signature).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
    expect(verifySignature('Hello, World!', signature, "It's a Secret to Everybody")).toBe(true);
    expect(verifySignature('Hello, World?', signature, "It's a Secret to Everybody")).toBe(false);
    expect(verifySignature('Hello, World!', signature, 'another secret')).toBe(false);
    expect(verifySignature('Hello, World!', signature.slice(0, -1), "It's a Secret to Everybody")).toBe(false);
    expect(verifySignature('Hello, World!', '', "It's a Secret to Everybody")).toBe(false);
  });
});
