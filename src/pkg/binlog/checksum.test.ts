import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { E, isDmError } from '../errors/index.js';
import { crc32Js, verifyEventChecksum } from './checksum.js';

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

describe('verifyEventChecksum', () => {
  /** A made-up event of `n` bytes (a QUERY type code) with its CRC32 appended. */
  function event(n: number): Buffer {
    const body = Buffer.alloc(n);
    for (let i = 0; i < n; i++) body[i] = (i * 37 + 11) & 0xff;
    body[4] = 0x02;
    const crc = Buffer.alloc(4);
    crc.writeUInt32LE(crc32(body));
    return Buffer.concat([body, crc]);
  }

  it('accepts intact events of every size and refuses any flipped bit, small or large', () => {
    for (const n of [19, 100, 191, 192, 193, 5000]) {
      const ok = event(n);
      assert.doesNotThrow(() => verifyEventChecksum(ok), `size ${n}`);
      for (const at of [0, Math.floor(n / 2), n - 1, n, n + 3]) {
        const bad = Buffer.from(ok);
        bad[at] = bad[at]! ^ 0x10;
        assert.throws(
          () => verifyEventChecksum(bad),
          (e) => isDmError(e, E.binlogChecksumMismatch),
          `size ${n}, byte ${at}`,
        );
      }
    }
  });
});
