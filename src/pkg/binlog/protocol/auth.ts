import { constants, createHash, publicEncrypt } from 'node:crypto';

/**
 * Authentication plugin computations (pure; unit-tested with known vectors).
 * An empty password is always sent as an empty response.
 */

export const NATIVE_PASSWORD = 'mysql_native_password';
export const CACHING_SHA2_PASSWORD = 'caching_sha2_password';

function sha1(...parts: Buffer[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i % b.length]!;
  return out;
}

/** mysql_native_password: SHA1(pw) XOR SHA1(salt + SHA1(SHA1(pw))). */
export function scrambleNativePassword(password: string, salt: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const pw = Buffer.from(password, 'utf8');
  const h1 = sha1(pw);
  return xor(h1, sha1(salt, sha1(h1)));
}

/** caching_sha2_password fast path: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + salt). */
export function scrambleCachingSha2(password: string, salt: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const pw = Buffer.from(password, 'utf8');
  const h1 = sha256(pw);
  return xor(h1, sha256(sha256(h1), salt));
}

/**
 * caching_sha2_password full authentication without TLS: (password + NUL) XOR salt,
 * encrypted with the server's RSA public key (OAEP padding, as the server expects).
 */
export function encryptPasswordRsa(password: string, salt: Buffer, publicKeyPem: string): Buffer {
  const plain = xor(Buffer.from(`${password}\0`, 'utf8'), salt);
  return publicEncrypt({ key: publicKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING }, plain);
}

/** The auth response for `plugin`, or undefined when the plugin is not supported. */
export function authResponse(plugin: string, password: string, salt: Buffer): Buffer | undefined {
  if (plugin === NATIVE_PASSWORD) return scrambleNativePassword(password, salt);
  if (plugin === CACHING_SHA2_PASSWORD) return scrambleCachingSha2(password, salt);
  return undefined;
}
