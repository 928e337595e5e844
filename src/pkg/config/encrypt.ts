/**
 * Password encryption for configs (`dmctl encrypt`): AES-256-GCM with the cluster's 32-byte
 * key (hex). Ciphertext = base64( "DMe1" magic | 12-byte IV | 16-byte tag | data ). The magic
 * lets `maybeDecrypt` tell our ciphertext from a plain password, so plain text keeps working
 * (DM's behaviour: decrypt if possible, else treat as plain).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
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

/** Values that are our ciphertext are decrypted; anything else is a plain password. */
export function maybeDecrypt(value: string, keyHex: string | undefined): string {
  if (!looksEncrypted(value)) return value;
  if (keyHex === undefined) {
    throw dmError(E.configDecrypt, 'the password is encrypted but no decryption key is configured');
  }
  return decryptPassword(value, keyHex);
}
