import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DmError, E } from '../errors/index.js';
import {
  DM_LEGACY_KEY_HEX,
  decryptPassword,
  dmDecrypt,
  dmEncrypt,
  encryptPassword,
  looksEncrypted,
  maybeDecrypt,
  readSecretKeyFile,
  setDmSecretKey,
} from './encrypt.js';
import { parseSourceConfig } from './source-config.js';

const KEY = randomBytes(32).toString('hex');
const OTHER = randomBytes(32).toString('hex');
const isDecryptErr = (e: unknown) => e instanceof DmError && e.code === E.configDecrypt.code;

describe('password encryption', () => {
  it('round-trips, with a fresh IV each time', () => {
    const a = encryptPassword('s3cret! ünï', KEY);
    const b = encryptPassword('s3cret! ünï', KEY);
    assert.notEqual(a, b);
    assert.match(a, /^[A-Za-z0-9+/]+=*$/);
    assert.equal(decryptPassword(a, KEY), 's3cret! ünï');
    assert.equal(maybeDecrypt(b, KEY), 's3cret! ünï');
    assert.equal(decryptPassword(encryptPassword('', KEY), KEY), '');
  });

  it('plain values stay plain (including base64-looking ones)', () => {
    for (const p of ['', '123456', 'root', Buffer.alloc(40, 7).toString('base64')]) {
      assert.equal(looksEncrypted(p), false);
      assert.equal(maybeDecrypt(p, KEY), p);
    }
  });

  it('wrong key or tampering → configDecrypt', () => {
    const c = encryptPassword('pw', KEY);
    assert.throws(() => maybeDecrypt(c, OTHER), isDecryptErr);
    const buf = Buffer.from(c, 'base64');
    buf[buf.length - 1]! ^= 1;
    assert.throws(() => decryptPassword(buf.toString('base64'), KEY), isDecryptErr);
    assert.throws(() => encryptPassword('pw', 'abcd'), isDecryptErr);
  });

  it('the parsers decrypt with the key given', () => {
    const c = encryptPassword('topsecret', KEY);
    const text = `source-id: a\nfrom:\n  host: h\n  user: u\n  password: "${c}"\n`;
    assert.equal(parseSourceConfig(text, 'source.yaml', { encryptKey: KEY }).from.password, 'topsecret');
    assert.equal(parseSourceConfig(text).from.password, c);
    assert.throws(() => parseSourceConfig(text, 'source.yaml', { encryptKey: OTHER }), isDecryptErr);
  });
});

/**
 * DM's format: base64(IV | '@' | AES-256-CFB). Vectors: two ciphertexts from DM's own
 * integration-test configs (made by DM with its former built-in key), and ciphertexts built
 * with `openssl enc -aes-256-cfb -K <key> -iv <iv>` for a chosen IV (see the comment on each).
 */
describe('DM-format passwords', () => {
  const K7 = '7'.repeat(64);

  it('decrypts ciphertexts made by DM with its former built-in key', () => {
    setDmSecretKey(undefined);
    // dm/tests/*/conf/source1.yaml before pingcap/tiflow#9494; dm/config/source.yaml.
    assert.equal(maybeDecrypt('/Q7B9DizNLLTTfiZHv9WoEAKamfpIUs=', KEY), '123456');
    assert.equal(maybeDecrypt('Up8156jArvIPymkVC+5LxkAT6rek', KEY), '1234');
    assert.equal(dmDecrypt('/Q7B9DizNLLTTfiZHv9WoEAKamfpIUs=', DM_LEGACY_KEY_HEX), '123456');
  });

  it('matches openssl aes-256-cfb vectors (IV 000102…0f, legacy key; IV f0e0…00, key 77…77)', () => {
    // printf 123456 | openssl enc -aes-256-cfb -K a529…6a48 -iv 000102030405060708090a0b0c0d0e0f
    assert.equal(dmDecrypt('AAECAwQFBgcICQoLDA0OD0AQo3le16c=', DM_LEGACY_KEY_HEX), '123456');
    assert.equal(
      dmDecrypt(
        'AAECAwQFBgcICQoLDA0OD0BRUu4ZkeblV58elQk+S/Ld7uyfx3AN3XAwag3oYoJ2x4Hy7byTpsISja9uXm8=',
        DM_LEGACY_KEY_HEX,
      ),
      'pässwörd-with-a-longer-text-than-one-block!',
    );
    assert.equal(dmDecrypt('8ODQwLCgkIBwYFBAMCAQAEAcPCcV9t8=', K7), 'secret');
  });

  it('encrypts in DM format with the secret-key-path key; decrypting needs the same key', () => {
    setDmSecretKey(K7);
    try {
      const c = dmEncrypt('s3cret! ünï');
      const raw = Buffer.from(c, 'base64');
      assert.equal(raw.length, 16 + 1 + Buffer.byteLength('s3cret! ünï'));
      assert.equal(raw[16], 0x40);
      assert.equal(maybeDecrypt(c, KEY), 's3cret! ünï');
      assert.equal(dmDecrypt(c, K7), 's3cret! ünï');
      assert.notEqual(dmDecrypt(c, DM_LEGACY_KEY_HEX), 's3cret! ünï');
      // Our earlier format keeps working beside it.
      assert.equal(maybeDecrypt(encryptPassword('old', KEY), KEY), 'old');
    } finally {
      setDmSecretKey(undefined);
    }
  });

  it('reads DM 8 secret-key-path files and refuses bad ones naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dm-key-'));
    writeFileSync(join(dir, 'key.txt'), `  ${K7.toUpperCase()}\n`);
    assert.equal(readSecretKeyFile(join(dir, 'key.txt')), K7);
    writeFileSync(join(dir, 'short.txt'), 'abcd');
    assert.throws(
      () => readSecretKeyFile(join(dir, 'short.txt')),
      (e) => isDecryptErr(e) && /short\.txt.*length 64/.test(String(e)),
    );
    assert.throws(() => readSecretKeyFile(join(dir, 'none.txt')), isDecryptErr);
  });
});
