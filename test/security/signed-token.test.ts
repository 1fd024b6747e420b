import { randomBytes } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { SignedTokenError, SignedTokens } from '../../src/security/signed-token.js';

const Schema = z.object({ w: z.string() });

function problemOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SignedTokenError) return err.problem;
    throw err;
  }
  throw new Error('expected verify to refuse the token');
}

describe('SignedTokens', () => {
  let clock = 1_000_000;
  const tokens = new SignedTokens(randomBytes(32), () => clock);

  test('when a token is signed and verified within its lifetime, then its payload comes back with the expiry', () => {
    const token = tokens.sign('purpose-a', { w: 'acme' }, 60_000);
    expect(tokens.verify('purpose-a', token, Schema)).toEqual({ w: 'acme', exp: clock + 60_000 });
  });

  test('when the payload is changed, then the signature check refuses it', () => {
    const [purpose, , mac] = tokens.sign('purpose-a', { w: 'acme' }, 60_000).split('.');
    const forged = Buffer.from(JSON.stringify({ w: 'other', exp: clock + 60_000 })).toString('base64url');
    expect(problemOf(() => tokens.verify('purpose-a', `${purpose}.${forged}.${mac}`, Schema))).toBe('bad_signature');
  });

  test('when a token is used for another purpose or signed with another key, then it is refused', () => {
    const token = tokens.sign('purpose-a', { w: 'acme' }, 60_000);
    expect(problemOf(() => tokens.verify('purpose-b', token, Schema))).toBe('malformed');
    const relabelled = token.replace(/^purpose-a/, 'purpose-b');
    expect(problemOf(() => tokens.verify('purpose-b', relabelled, Schema))).toBe('bad_signature');
    const other = new SignedTokens(randomBytes(32), () => clock);
    expect(problemOf(() => other.verify('purpose-a', token, Schema))).toBe('bad_signature');
  });

  test('when the lifetime has passed, then the token is refused as expired', () => {
    const token = tokens.sign('purpose-a', { w: 'acme' }, 1_000);
    clock += 1_001;
    expect(problemOf(() => tokens.verify('purpose-a', token, Schema))).toBe('expired');
  });

  test('when the text is not a token, then it is refused as malformed', () => {
    expect(problemOf(() => tokens.verify('purpose-a', 'nonsense', Schema))).toBe('malformed');
    expect(problemOf(() => tokens.verify('purpose-a', 'purpose-a.a b.c', Schema))).toBe('malformed');
  });
});
