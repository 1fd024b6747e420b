import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scryptSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Secrets at rest (OAuth access and refresh tokens, client secrets of installed connections):
 * AES-256-GCM under one 32-byte key, a fresh random 12-byte IV per value.
 *
 * Sealed format, ASCII and self-describing so keys can rotate later:
 *
 *     v1.<key id>.<iv>.<tag>.<ciphertext>      (each part base64url)
 *
 * The key id is a keyed fingerprint of the key (HMAC, 6 bytes): it says nothing about the key but
 * lets `open` tell "sealed under another key" from "tampered with", and lets a later version hold
 * several keys and pick the right one. GCM's tag makes any change to iv, ciphertext or context an
 * error; `open` never returns garbage.
 */

export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
/** Fixed salt for passphrase keys: the key must be the same in every process and after restarts. */
const PASSPHRASE_SALT = 'qualify/secret-key/v1';
export const MIN_PASSPHRASE_LENGTH = 16;

export type SecretBoxErrorCause = 'wrong_key' | 'tampered' | 'malformed' | 'unsupported_version';

/** `open` refused a value; `cause` says why, the message says it in words (never the secret). */
export class SecretBoxError extends Error {
  constructor(
    readonly reason: SecretBoxErrorCause,
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key).update('qualify/key-id').digest().subarray(0, 6).toString('base64url');
}

export class SecretBox {
  readonly keyId: string;
  readonly #key: Buffer;
  /** Every key that opens values, by key id: the current one and, while rotating, the previous ones. */
  readonly #opening = new Map<string, Buffer>();

  /**
   * `previous`: keys being rotated out (QUALIFY_SECRET_KEY_PREVIOUS). Values sealed under them
   * still open; everything sealed from now on uses `key`, so each value moves to the new key the
   * next time it is saved (a token refresh, a reinstall).
   */
  constructor(key: Buffer, previous: Buffer[] = []) {
    for (const k of [key, ...previous]) {
      if (k.length !== SECRET_KEY_BYTES) throw new Error(`SecretBox needs a ${SECRET_KEY_BYTES}-byte key, got ${k.length} bytes`);
    }
    this.#key = Buffer.from(key);
    this.keyId = keyIdOf(this.#key);
    for (const k of [...previous].reverse()) this.#opening.set(keyIdOf(k), Buffer.from(k));
    this.#opening.set(this.keyId, this.#key);
  }

  /**
   * Encrypts `plaintext`. `context` (optional, e.g. a connection id) is authenticated but not
   * stored: the value then only opens with the same context, so a sealed value copied onto another
   * row is refused.
   */
  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`${VERSION}|${context}`, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  /** Decrypts a value from `seal`; throws `SecretBoxError` (wrong key, tampered, malformed) instead of returning garbage. */
  open(sealed: string, context = ''): string {
    const parts = sealed.split('.');
    if (parts[0] !== VERSION) {
      throw parts.length === 5 && /^v\d+$/.test(parts[0]!)
        ? new SecretBoxError('unsupported_version', `sealed value has format ${parts[0]}, this version reads ${VERSION}`)
        : new SecretBoxError('malformed', `not a sealed value (expected ${VERSION}.<key id>.<iv>.<tag>.<ciphertext>)`);
    }
    if (parts.length !== 5 || !parts.every((p, i) => i === 4 || p.length > 0) || !parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p))) {
      throw new SecretBoxError('malformed', `not a sealed value (expected ${VERSION}.<key id>.<iv>.<tag>.<ciphertext>)`);
    }
    const [, keyId, ivText, tagText, ciphertextText] = parts as [string, string, string, string, string];
    const key = this.#opening.get(keyId);
    if (!key) {
      throw new SecretBoxError('wrong_key', `sealed under another key (key id ${keyId}; QUALIFY_SECRET_KEY has key id ${this.keyId})`);
    }
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError('malformed', `sealed value has a ${iv.length}-byte IV and a ${tag.length}-byte tag (expected ${IV_BYTES} and ${TAG_BYTES})`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(`${VERSION}|${context}`, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError('tampered', 'sealed value failed authentication: it was changed, or sealed for another record');
    }
  }

  /**
   * `sealed` moved to the current key: null when it is sealed under the current key already, else
   * the same value sealed again under it (`qualify secrets reseal`, so an operator can then drop
   * QUALIFY_SECRET_KEY_PREVIOUS). It opens the value first, even a current one, so a tampered value
   * throws here (SecretBoxError, like `open`) instead of passing as current; the plaintext never
   * leaves this method.
   */
  reseal(sealed: string, context = ''): string | null {
    const plaintext = this.open(sealed, context);
    return sealed.split('.')[1] === this.keyId ? null : this.seal(plaintext, context);
  }

  /**
   * A separate key for another purpose (HMAC of OAuth state, signed install links), derived with
   * HKDF so one secret serves several uses without one use's output helping to attack another.
   */
  deriveKey(purpose: string, bytes = 32): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), `qualify/${purpose}`, bytes));
  }
}

/**
 * `QUALIFY_SECRET_KEY` → 32 key bytes. Accepted, in this order:
 * - 64 hex digits (`openssl rand -hex 32`);
 * - base64 or base64url of exactly 32 bytes (`openssl rand -base64 32`);
 * - otherwise a passphrase of at least 16 characters, stretched with scrypt (N=2^15, r=8, p=1)
 *   and a fixed salt, so every process derives the same key.
 */
export function parseSecretKey(raw: string): Buffer {
  const value = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === SECRET_KEY_BYTES) return bytes;
  }
  if (value.length < MIN_PASSPHRASE_LENGTH) {
    throw new Error(
      `QUALIFY_SECRET_KEY: expected 32 bytes as 64 hex digits or base64 (openssl rand -base64 32), or a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters`,
    );
  }
  return scryptSync(value, PASSPHRASE_SALT, SECRET_KEY_BYTES, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}

export interface SecretKeySource {
  /** `QUALIFY_SECRET_KEY` as configured, or null. */
  secretKey: string | null;
  /** `QUALIFY_SECRET_KEY_PREVIOUS`: keys being rotated out, still accepted for opening. */
  secretKeyPrevious?: string[];
  dataDir: string;
}

export interface LoadedSecretKey {
  key: Buffer;
  /** Where it came from: the environment, or the generated file in the data directory. */
  source: 'env' | { file: string; generated: boolean };
}

/**
 * The configured key; when unset, the key in `<data dir>/secret.key`, generated once (mode 0600)
 * so demo mode and a fresh clone work without setup. Production sets QUALIFY_SECRET_KEY: a key
 * file beside the database protects nothing against someone who can read the data directory, and
 * several servers need the same key.
 */
export function loadSecretKey(config: SecretKeySource): LoadedSecretKey {
  if (config.secretKey !== null) return { key: parseSecretKey(config.secretKey), source: 'env' };
  const file = join(config.dataDir, 'secret.key');
  const existing = readKeyFile(file);
  if (existing) return { key: existing, source: { file, generated: false } };
  mkdirSync(config.dataDir, { recursive: true });
  try {
    // 'wx': two processes starting at once on a fresh data directory must not each write their own key.
    writeFileSync(file, `${randomBytes(SECRET_KEY_BYTES).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    return { key: readKeyFile(file)!, source: { file, generated: true } };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: readKeyFile(file)!, source: { file, generated: false } };
  }
}

function readKeyFile(file: string): Buffer | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return parseSecretKey(text);
  } catch {
    throw new Error(`${file}: not a 32-byte base64 key; delete it to generate a new one (secrets sealed under it are then lost) or set QUALIFY_SECRET_KEY`);
  }
}

const generatedWarned = new Set<string>();

/**
 * The SecretBox for a loaded config. Logs one warning per process when the key was generated or
 * comes from the data directory rather than QUALIFY_SECRET_KEY.
 */
export function secretBoxFromConfig(
  config: SecretKeySource,
  logger?: { warn: (obj: object, msg: string) => void },
): SecretBox {
  const { key, source } = loadSecretKey(config);
  if (source !== 'env' && !generatedWarned.has(source.file)) {
    generatedWarned.add(source.file);
    logger?.warn(
      { file: source.file, generated: source.generated },
      `QUALIFY_SECRET_KEY is unset: secrets are encrypted with the key in ${source.file}${source.generated ? ' (generated now)' : ''}. Set QUALIFY_SECRET_KEY in production (openssl rand -base64 32).`,
    );
  }
  return new SecretBox(key, (config.secretKeyPrevious ?? []).map(parseSecretKey));
}
