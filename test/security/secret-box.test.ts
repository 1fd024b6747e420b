import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, test } from '@jest/globals';
import { loadSecretKey, parseSecretKey, SecretBox, SecretBoxError, secretBoxFromConfig } from '../../src/security/secret-box.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qualify-secret-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function refusal(fn: () => unknown): SecretBoxError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SecretBoxError) return err;
    throw err;
  }
  throw new Error('expected open to refuse the value');
}

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  test('when a value is sealed and opened, then the plaintext comes back and the sealed text does not contain it', () => {
    const token = 'CKr7-refresh-token-ü-✓';
    const sealed = box.seal(token);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('refresh');
    expect(box.open(sealed)).toBe(token);
  });

  test('when the same value is sealed twice, then the IVs and ciphertexts differ', () => {
    const a = box.seal('same').split('.');
    const b = box.seal('same').split('.');
    expect(a[2]).not.toBe(b[2]);
    expect(a[4]).not.toBe(b[4]);
  });

  test('when a value is opened with another key, then a wrong_key error names both key ids', () => {
    const other = new SecretBox(randomBytes(32));
    const err = refusal(() => other.open(box.seal('secret')));
    expect(err.reason).toBe('wrong_key');
    expect(err.message).toContain(box.keyId);
    expect(err.message).toContain(other.keyId);
  });

  test('when any part of the sealed value is changed, then open refuses it as tampered', () => {
    const parts = box.seal('a secret worth protecting').split('.');
    for (const i of [2, 3, 4]) {
      const changed = [...parts];
      const bytes = Buffer.from(changed[i]!, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      changed[i] = bytes.toString('base64url');
      expect(refusal(() => box.open(changed.join('.'))).reason).toBe('tampered');
    }
  });

  test('when a value sealed for one context is opened with another, then it is refused as tampered', () => {
    const sealed = box.seal('token', 'connection-a');
    expect(box.open(sealed, 'connection-a')).toBe('token');
    expect(refusal(() => box.open(sealed, 'connection-b')).reason).toBe('tampered');
  });

  test('when the text is not a sealed value or has an unknown version, then the error says so', () => {
    expect(refusal(() => box.open('plain-token')).reason).toBe('malformed');
    expect(refusal(() => box.open('v1.a.b')).reason).toBe('malformed');
    const [, ...rest] = box.seal('x').split('.');
    expect(refusal(() => box.open(['v2', ...rest].join('.'))).reason).toBe('unsupported_version');
  });

  test('when an empty string is sealed, then it opens to an empty string', () => {
    expect(box.open(box.seal(''))).toBe('');
  });

  test('when the key is rotated with the old one kept as previous, then old values still open and new values are sealed under the new key', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = new SecretBox(oldKey).seal('token sealed before the rotation', 'connection-a');
    const rotating = new SecretBox(newKey, [oldKey]);
    expect(rotating.open(before, 'connection-a')).toBe('token sealed before the rotation');
    const after = rotating.seal('token sealed after');
    expect(after.split('.')[1]).toBe(new SecretBox(newKey).keyId);
    expect(new SecretBox(newKey).open(after)).toBe('token sealed after');
    // Once the old key is dropped, what was never re-saved no longer opens, and says why.
    expect(refusal(() => new SecretBox(newKey).open(before, 'connection-a')).reason).toBe('wrong_key');
  });

  test('when a key is not 32 bytes, then the constructor refuses it', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32-byte key/);
  });

  test('when two purposes derive keys, then they differ from each other and are stable', () => {
    expect(box.deriveKey('oauth-state').equals(box.deriveKey('oauth-state'))).toBe(true);
    expect(box.deriveKey('oauth-state').equals(box.deriveKey('install-link'))).toBe(false);
  });
});

describe('parseSecretKey', () => {
  const key = randomBytes(32);

  test('when the key is hex, base64 or base64url of 32 bytes, then those bytes are the key', () => {
    expect(parseSecretKey(key.toString('hex')).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString('base64')).equals(key)).toBe(true);
    expect(parseSecretKey(` ${key.toString('base64url')}\n`).equals(key)).toBe(true);
  });

  test('when the key is a passphrase, then it is stretched to the same 32 bytes every time', () => {
    const a = parseSecretKey('correct horse battery staple');
    expect(a).toHaveLength(32);
    expect(a.equals(parseSecretKey('correct horse battery staple'))).toBe(true);
    expect(a.equals(parseSecretKey('correct horse battery stapler'))).toBe(false);
  });

  test('when the key is too short to be a passphrase, then the error says what is expected', () => {
    expect(() => parseSecretKey('tiny')).toThrow(/64 hex digits or base64/);
  });
});

describe('loadSecretKey', () => {
  test('when QUALIFY_SECRET_KEY is unset, then a key is generated once into the data directory with mode 0600 and reused', () => {
    const dataDir = join(tempDir(), 'nested');
    const first = loadSecretKey({ secretKey: null, dataDir });
    expect(first.source).toEqual({ file: join(dataDir, 'secret.key'), generated: true });
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    const second = loadSecretKey({ secretKey: null, dataDir });
    expect(second.source).toEqual({ file: join(dataDir, 'secret.key'), generated: false });
    expect(second.key.equals(first.key)).toBe(true);
    expect(readFileSync(join(dataDir, 'secret.key'), 'utf8').trim()).toBe(first.key.toString('base64'));
  });

  test('when QUALIFY_SECRET_KEY_PREVIOUS is set, then secretBoxFromConfig opens values sealed under the previous key', () => {
    const oldKey = randomBytes(32).toString('base64');
    const sealed = secretBoxFromConfig({ secretKey: oldKey, dataDir: tempDir() }).seal('x');
    const box = secretBoxFromConfig({ secretKey: randomBytes(32).toString('hex'), secretKeyPrevious: [oldKey], dataDir: tempDir() });
    expect(box.open(sealed)).toBe('x');
  });

  test('when QUALIFY_SECRET_KEY is set, then it wins and no file is written', () => {
    const dataDir = tempDir();
    const key = randomBytes(32);
    const loaded = loadSecretKey({ secretKey: key.toString('hex'), dataDir });
    expect(loaded).toEqual({ key, source: 'env' });
    expect(() => statSync(join(dataDir, 'secret.key'))).toThrow();
  });

  test('when secretBoxFromConfig uses a generated key, then it warns once and boxes from the same config open each other', () => {
    const dataDir = tempDir();
    const warnings: string[] = [];
    const logger = { warn: (_o: object, msg: string) => warnings.push(msg) };
    const a = secretBoxFromConfig({ secretKey: null, dataDir }, logger);
    const b = secretBoxFromConfig({ secretKey: null, dataDir }, logger);
    expect(b.open(a.seal('shared'))).toBe('shared');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Set QUALIFY_SECRET_KEY in production');
  });
});
