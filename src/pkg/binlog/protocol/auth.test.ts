import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, it } from 'node:test';
import { authResponse, encryptPasswordRsa, scrambleCachingSha2, scrambleNativePassword } from './auth.js';

const salt = Buffer.from(Array.from({ length: 20 }, (_, i) => i + 1));
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((v, i) => v ^ b[i]!));

describe('auth scrambles', () => {
  it('mysql_native_password matches a vector computed elsewhere (Python hashlib)', () => {
    assert.equal(
      scrambleNativePassword('secret', salt).toString('hex'),
      'b32bb3a583e1340c0a1108d58b1be49781ad8c2f',
    );
  });

  it('mysql_native_password passes the server-side check', () => {
    // The server stores SHA1(SHA1(pw)) and checks SHA1(response XOR SHA1(salt + stored)) == stored.
    const stored = sha1(sha1(Buffer.from('pässwörd')));
    const resp = scrambleNativePassword('pässwörd', salt);
    assert.ok(sha1(xor(resp, sha1(Buffer.concat([salt, stored])))).equals(stored));
  });

  it('caching_sha2_password matches a vector computed elsewhere (Python hashlib)', () => {
    assert.equal(
      scrambleCachingSha2('secret', salt).toString('hex'),
      '746ebe205d56a0707acb3e796e834e0dd7b1d61743b26bd5202c7a623230c7c9',
    );
  });

  it('caching_sha2_password passes the server-side check', () => {
    // The server caches SHA256(SHA256(pw)) and checks SHA256(response XOR SHA256(stored + salt)) == stored.
    const stored = sha256(sha256(Buffer.from('x')));
    const resp = scrambleCachingSha2('x', salt);
    assert.ok(sha256(xor(resp, sha256(Buffer.concat([stored, salt])))).equals(stored));
  });

  it('an empty password is an empty response; unknown plugins have none', () => {
    assert.equal(scrambleNativePassword('', salt).length, 0);
    assert.equal(scrambleCachingSha2('', salt).length, 0);
    assert.equal(authResponse('client_ed25519', 'x', salt), undefined);
  });

  it('RSA full auth: the server recovers the password with its private key', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const enc = encryptPasswordRsa(
      'top secret',
      salt,
      publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    );
    const plain = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, enc);
    const pw = Buffer.from(plain.map((v, i) => v ^ salt[i % salt.length]!));
    assert.equal(pw.toString(), 'top secret\0');
  });
});
