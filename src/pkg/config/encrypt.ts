/**
 * Passwords in configs. Two formats are read, one of each is written:
 *
 * - DM's (dm/pkg/encrypt + dm/pkg/utils/encrypt.go), what `dmctl encrypt` prints and what every
 *   password field accepts: base64( 16-byte IV | "@" | AES-256-CFB(plaintext) ), the key being
 *   the master's `secret-key-path` (64 hex digits, DM 8) or, when none is configured, DM's
 *   former built-in key (DM ≤ 7.x), so ciphertexts made by an older DM keep working. As DM's
 *   `DecryptOrPlaintext`, a value that is not such a ciphertext is a plain password.
 * - The project's earlier format, still read, and used to seal passwords stored in etcd with
 *   the cluster's random key (`Keys.encryptKey`): AES-256-GCM,
 *   base64( "DMe1" magic | 12-byte IV | 16-byte tag | data ).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dmError, E } from '../errors/index.js';

const MAGIC = Buffer.from('DMe1', 'latin1');
const IV_LEN = 12;
const TAG_LEN = 16;
const HEADER = MAGIC.length + IV_LEN + TAG_LEN;

function keyOf(keyHex: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(keyHex)) {
    throw dmError(E.configDecrypt, 'the encryption key must be 64 hex digits (32 bytes)');
  }
  return Buffer.from(keyHex, 'hex');
}

/** Encrypt `plain` with the hex key; the result is base64 text safe to put in a YAML file. */
export function encryptPassword(plain: string, keyHex: string): string {
  const iv = randomBytes(IV_LEN);
  const cipher = createCipheriv('aes-256-gcm', keyOf(keyHex), iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), data]).toString('base64');
}

/** True when `value` has the shape of our ciphertext (base64 with the magic header). */
export function looksEncrypted(value: string): boolean {
  if (value.length < 40 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  const buf = Buffer.from(value, 'base64');
  return (
    buf.length >= HEADER && buf.toString('base64') === value && buf.subarray(0, MAGIC.length).equals(MAGIC)
  );
}

/** Decrypt our ciphertext; a wrong key or damaged text → E.configDecrypt. */
export function decryptPassword(cipherText: string, keyHex: string): string {
  if (!looksEncrypted(cipherText)) {
    throw dmError(E.configDecrypt, 'the value is not an encrypted password');
  }
  const buf = Buffer.from(cipherText, 'base64');
  const iv = buf.subarray(MAGIC.length, MAGIC.length + IV_LEN);
  const tag = buf.subarray(MAGIC.length + IV_LEN, HEADER);
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(keyHex), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(buf.subarray(HEADER)), decipher.final()]).toString('utf8');
  } catch (err) {
    if ((err as { code?: number }).code === E.configDecrypt.code) throw err;
    throw dmError(E.configDecrypt, 'cannot decrypt the password: wrong key or damaged ciphertext', {
      cause: err,
    });
  }
}

/** DM ≤ 7.x's hard-coded key (dm/pkg/encrypt before pingcap/tiflow#9494). */
export const DM_LEGACY_KEY_HEX = 'a529b7665997f043a30ac8fadcb51d6aa032c226ab5b7750530b12b8c1a16a48';
const DM_IV_LEN = 16;
const DM_SEP = 0x40; // '@'

/**
 * The key of DM-format passwords in this process: the master's `secret-key-path` key, set once
 * at start (DM's `encrypt.InitCipher`); DM's former built-in key until then.
 */
let dmKey: Buffer = Buffer.from(DM_LEGACY_KEY_HEX, 'hex');

/** Set (hex, 64 digits) or reset (undefined → DM's former built-in key) the DM-format key. */
export function setDmSecretKey(keyHex: string | undefined): void {
  dmKey = keyOf(keyHex ?? DM_LEGACY_KEY_HEX);
}

/**
 * Read DM's `secret-key-path` file: 64 hex digits (surrounding white space ignored), as DM
 * 8's `adjustSecretKeyPath`. Errors name the file.
 */
export function readSecretKeyFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw dmError(E.configDecrypt, `cannot read secret-key-path ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw dmError(
      E.configDecrypt,
      `secret-key-path ${path}: the secret key must be a hex AES-256 key of length 64`,
    );
  }
  return text.toLowerCase();
}

/** DM's format with an explicit key (tests) or the process's DM key. */
export function dmEncrypt(plain: string, keyHex?: string): string {
  const key = keyHex === undefined ? dmKey : keyOf(keyHex);
  const iv = randomBytes(DM_IV_LEN);
  const c = createCipheriv('aes-256-cfb', key, iv);
  const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return Buffer.concat([iv, Buffer.from([DM_SEP]), data]).toString('base64');
}

/**
 * DM's `Decrypt`, or undefined when `value` is not a DM ciphertext (not canonical base64,
 * shorter than IV + "@", no "@" after the IV) or does not decrypt to UTF-8 text (a wrong key
 * or a plain password that happens to look like one): then it is a plain password.
 */
export function dmDecrypt(value: string, keyHex?: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) return undefined;
  const buf = Buffer.from(value, 'base64');
  if (buf.length < DM_IV_LEN + 1 || buf[DM_IV_LEN] !== DM_SEP || buf.toString('base64') !== value)
    return undefined;
  const key = keyHex === undefined ? dmKey : keyOf(keyHex);
  const d = createDecipheriv('aes-256-cfb', key, buf.subarray(0, DM_IV_LEN));
  const out = Buffer.concat([d.update(buf.subarray(DM_IV_LEN + 1)), d.final()]);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(out);
  } catch {
    return undefined;
  }
}

/**
 * Our ciphertext is decrypted with the cluster key; DM's with the DM key; anything else is a
 * plain password.
 */
export function maybeDecrypt(value: string, keyHex: string | undefined): string {
  if (!looksEncrypted(value)) return dmDecrypt(value) ?? value;
  if (keyHex === undefined) {
    throw dmError(E.configDecrypt, 'the password is encrypted but no decryption key is configured');
  }
  return decryptPassword(value, keyHex);
}
