import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { crc32Js } from './checksum.js';

describe('crc32Js', () => {
  it('equals zlib.crc32 for every length up to 300 and any offset', () => {
    const buf = Buffer.alloc(400);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 131 + 7) & 0xff;
    for (let len = 0; len <= 300; len++) {
      const a = len % 13;
      assert.equal(crc32Js(buf, a, a + len), crc32(buf.subarray(a, a + len)), `len ${len}`);
    }
    assert.equal(crc32Js(Buffer.from('123456789'), 0, 9), 0xcbf43926);
  });
});
