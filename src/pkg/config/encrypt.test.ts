import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DmError, E } from '../errors/index.js';
import { decryptPassword, encryptPassword, looksEncrypted, maybeDecrypt } from './encrypt.js';
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
    for (const p of [
      '',
      '123456',
      'root',
      '/Q7B9DizNLLTTfiZHv9WoEAKamfpIUs=',
      Buffer.alloc(40, 7).toString('base64'),
    ]) {
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
