import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collationCharset, decodeLatin1 } from './charset.js';
import { decimalBinSize, decodeDecimal } from './decimal.js';
import { formatFloat } from './float-format.js';
import { decodeJsonBinary } from './json-binary.js';
import { formatDate, formatDatetime2, formatEpoch, formatTime2, formatTimestamp2 } from './temporal.js';

const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

/** MySQL's decimal2bin, written independently for the tests. */
function encDecimal(text: string, precision: number, scale: number): Buffer {
  const neg = text.startsWith('-');
  const [ipRaw, fpRaw = ''] = text.replace('-', '').split('.');
  const intg = precision - scale;
  const ip = ipRaw!.padStart(intg, '0');
  const fp = fpRaw.padEnd(scale, '0');
  const out: number[] = [];
  const push = (digits: string) => {
    if (digits.length === 0) return;
    const n = DIG2BYTES[digits.length % 9 === 0 ? 9 : digits.length]!;
    let v = Number(digits);
    const bytes: number[] = [];
    for (let i = 0; i < (digits.length === 9 ? 4 : n); i++) {
      bytes.unshift(v & 0xff);
      v = Math.floor(v / 256);
    }
    out.push(...bytes);
  };
  const lead = intg % 9;
  push(ip.slice(0, lead));
  for (let i = lead; i < intg; i += 9) push(ip.slice(i, i + 9));
  for (let i = 0; i + 9 <= scale; i += 9) push(fp.slice(i, i + 9));
  push(fp.slice(scale - (scale % 9)));
  const b = Buffer.from(out);
  b[0] = b[0]! ^ 0x80;
  if (neg) for (let i = 0; i < b.length; i++) b[i] = b[i]! ^ 0xff;
  return b;
}

describe('DECIMAL', () => {
  it("decodes MySQL's documented example", () => {
    const b = Buffer.from('810DFB38D204D2', 'hex');
    assert.equal(decodeDecimal(b, 0, 14, 4), '1234567890.1234');
    assert.equal(decimalBinSize(14, 4), 7);
    assert.deepEqual(encDecimal('1234567890.1234', 14, 4), b);
    const n = Buffer.from(b.map((x) => x ^ 0xff));
    assert.equal(decodeDecimal(n, 0, 14, 4), '-1234567890.1234');
  });
  it('round-trips edge values at many precisions', () => {
    const cases: [string, number, number][] = [
      ['-12.3400', 10, 4],
      ['0.0000', 10, 4],
      ['0.0001', 10, 4],
      ['-0.0001', 10, 4],
      ['99999', 5, 0],
      ['-99999', 5, 0],
      ['0', 5, 0],
      ['12345678901234567890123456789012345.123456789012345678901234567890', 65, 30],
      ['-99999999999999999999999999999999999.999999999999999999999999999999', 65, 30],
      ['0.000000000000000000000000000001', 65, 30],
      ['1000000000', 10, 0],
      ['0.123456789', 9, 9],
      ['-0.5', 1, 1],
      ['7', 1, 0],
      ['123456789.987654321', 18, 9],
    ];
    for (const [text, p, s] of cases) {
      const b = encDecimal(text, p, s);
      assert.equal(b.length, decimalBinSize(p, s), `${text} size`);
      assert.equal(decodeDecimal(b, 0, p, s), text, `${text} (${p},${s})`);
    }
  });
});

describe('temporal', () => {
  it('DATE, including the zero date', () => {
    const d = Buffer.alloc(3);
    d.writeUIntLE((2024 << 9) | (2 << 5) | 29, 0, 3);
    assert.equal(formatDate(d, 0), '2024-02-29');
    assert.equal(formatDate(Buffer.alloc(3), 0), '0000-00-00');
  });
  it('DATETIME2 with every fsp', () => {
    const enc = (y: number, mo: number, d: number, h: number, mi: number, s: number) => {
      const v = 0x80_0000_0000 + ((y * 13 + mo) * 32 + d) * 0x20000 + h * 4096 + mi * 64 + s;
      const b = Buffer.alloc(8);
      b.writeUIntBE(v, 0, 5);
      return b;
    };
    const b = enc(9999, 12, 31, 23, 59, 59);
    assert.equal(formatDatetime2(b, 0, 0), '9999-12-31 23:59:59');
    b[5] = 99;
    assert.equal(formatDatetime2(b, 0, 2), '9999-12-31 23:59:59.99');
    b.writeUInt16BE(1234, 5);
    assert.equal(formatDatetime2(b, 0, 4), '9999-12-31 23:59:59.1234');
    b.writeUIntBE(123456, 5, 3);
    assert.equal(formatDatetime2(b, 0, 6), '9999-12-31 23:59:59.123456');
    b.writeUIntBE(500000, 5, 3);
    assert.equal(formatDatetime2(b, 0, 5), '9999-12-31 23:59:59.50000');
    assert.equal(formatDatetime2(enc(0, 0, 0, 0, 0, 0), 0, 0), '0000-00-00 00:00:00');
  });
  it('TIMESTAMP2 in UTC and the zero timestamp', () => {
    const b = Buffer.alloc(7);
    b.writeUInt32BE(1_700_000_000, 0);
    b.writeUIntBE(654321, 4, 3);
    assert.equal(formatTimestamp2(b, 0, 6), '2023-11-14 22:13:20.654321');
    assert.equal(formatTimestamp2(b, 0, 0), '2023-11-14 22:13:20');
    assert.equal(formatTimestamp2(Buffer.alloc(7), 0, 3), '0000-00-00 00:00:00.000');
    assert.equal(formatEpoch(2_147_483_647, 0, 0), '2038-01-19 03:14:07');
    assert.equal(formatEpoch(951_782_400, 0, 0), '2000-02-29 00:00:00');
  });
  it('TIME2: negative, > 24 h, with fractions (the complement rules)', () => {
    /** my_time_packed_to_binary, written from MySQL's description. */
    const enc = (neg: boolean, h: number, m: number, s: number, us: number, fsp: number) => {
      const abs = (h * 4096 + m * 64 + s) * 0x1000000 + us;
      const packed = neg ? -abs : abs;
      const b = Buffer.alloc(6);
      const intPart = Math.floor(packed / 0x1000000);
      const fracPart = packed - Math.trunc(packed / 0x1000000) * 0x1000000; // C remainder
      if (fsp === 0) b.writeUIntBE(0x800000 + intPart, 0, 3);
      else if (fsp <= 2) {
        b.writeUIntBE(0x800000 + intPart, 0, 3);
        b.writeInt8(Math.trunc(fracPart / 10000), 3);
      } else if (fsp <= 4) {
        b.writeUIntBE(0x800000 + intPart, 0, 3);
        b.writeInt16BE(Math.trunc(fracPart / 100), 3);
      } else b.writeUIntBE(0x8000_0000_0000 + packed, 0, 6);
      return b;
    };
    assert.equal(formatTime2(enc(true, 838, 59, 59, 0, 0), 0, 0), '-838:59:59');
    assert.equal(formatTime2(enc(false, 838, 59, 59, 0, 6), 0, 6), '838:59:59.000000');
    assert.equal(formatTime2(enc(true, 0, 0, 1, 500000, 1), 0, 1), '-00:00:01.5');
    assert.equal(formatTime2(enc(true, 12, 34, 56, 780000, 2), 0, 2), '-12:34:56.78');
    assert.equal(formatTime2(enc(true, 1, 0, 0, 123400, 4), 0, 4), '-01:00:00.1234');
    assert.equal(formatTime2(enc(true, 100, 0, 0, 1, 6), 0, 6), '-100:00:00.000001');
    assert.equal(formatTime2(enc(false, 0, 0, 0, 0, 3), 0, 3), '00:00:00.000');
  });
});

describe('FLOAT', () => {
  it('prints the shortest float32 text', () => {
    const f = new Float32Array(1);
    for (const x of [0.1, 3.14, -1.5e-7, 123456.7, 3.4028234663852886e38, 1]) {
      f[0] = x;
      const out = formatFloat(f[0]!);
      assert.equal(Math.fround(out), f[0]);
      assert.ok(String(out).length <= 13, String(out));
    }
    f[0] = 0.1;
    assert.equal(formatFloat(f[0]!), 0.1);
  });
});

describe('charsets', () => {
  it('latin1 is cp1252 as in MySQL', () => {
    assert.equal(decodeLatin1(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x80, 0x81, 0x9f]), 0, 7), 'café€\u0081Ÿ');
    assert.equal(decodeLatin1(Buffer.from('abc'), 0, 3), 'abc');
  });
  it('maps collation ids', () => {
    assert.equal(collationCharset(45), 'utf8mb4');
    assert.equal(collationCharset(255), 'utf8mb4');
    assert.equal(collationCharset(33), 'utf8mb3');
    assert.equal(collationCharset(8), 'latin1');
    assert.equal(collationCharset(63), 'binary');
    assert.equal(collationCharset(1069), 'utf8mb4'); // utf8mb4_general_nopad_ci
    assert.equal(collationCharset(2304), 'utf8mb4'); // utf8mb4_uca1400_ai_ci
    assert.equal(collationCharset(28), 'gbk');
  });
});

describe('binary JSON', () => {
  const small = (entries: [string | null, number, Buffer][]) => {
    // small object/array: count u16 | size u16 | key entries | value entries | keys | values
    const isObj = entries.length > 0 && entries[0]![0] !== null;
    const n = entries.length;
    const header = 4 + (isObj ? n * 4 : 0) + n * 3;
    const keys = entries.map(([k]) => Buffer.from(k ?? ''));
    let off = header + keys.reduce((a, k) => a + k.length, 0);
    const ke: Buffer[] = [];
    const ve: Buffer[] = [];
    const tail: Buffer[] = [];
    let koff = header;
    entries.forEach(([_, type, data], i) => {
      if (isObj) {
        const e = Buffer.alloc(4);
        e.writeUInt16LE(koff, 0);
        e.writeUInt16LE(keys[i]!.length, 2);
        koff += keys[i]!.length;
        ke.push(e);
      }
      const v = Buffer.alloc(3);
      v[0] = type;
      if (type === 4 || type === 5 || type === 6) data.copy(v, 1);
      else {
        v.writeUInt16LE(off, 1);
        off += data.length;
        tail.push(data);
      }
      ve.push(v);
    });
    const head = Buffer.alloc(4);
    head.writeUInt16LE(n, 0);
    head.writeUInt16LE(off, 2);
    return Buffer.concat([head, ...ke, ...ve, ...(isObj ? keys : []), ...tail]);
  };
  it('objects, arrays, literals, numbers, strings, opaque values', () => {
    const dbl = Buffer.alloc(8);
    dbl.writeDoubleLE(2.5);
    const i64 = Buffer.alloc(8);
    i64.writeBigInt64LE(-9007199254740993n);
    const arr = small([
      [null, 4, Buffer.from([1, 0])],
      [null, 4, Buffer.from([0, 0])],
      [null, 5, Buffer.from([0xff, 0xff])],
      [null, 0x0b, dbl],
      [null, 0x09, i64],
    ]);
    const dec = Buffer.concat([Buffer.from([0xf6, 2 + 3, 5, 2]), Buffer.from([0x80 ^ 0x00, 0x7b, 0x2d])]); // 123.45 DECIMAL(5,2)
    const obj = small([
      ['a', 0x02, arr],
      ['b', 0x0c, Buffer.from([3, 0x78, 0x22, 0x79])],
      ['c', 0x0f, dec],
    ]);
    const doc = Buffer.concat([Buffer.from([0x00]), obj]);
    assert.equal(
      decodeJsonBinary(doc, 0, doc.length),
      '{"a": [true, null, -1, 2.5, -9007199254740993], "b": "x\\"y", "c": 123.45}',
    );
  });
  it('scalars at top level and corrupt offsets', () => {
    assert.equal(decodeJsonBinary(Buffer.from([0x04, 0x02]), 0, 2), 'false');
    assert.equal(decodeJsonBinary(Buffer.from([0x0c, 0x02, 0x68, 0x69]), 0, 4), '"hi"');
    assert.throws(() => decodeJsonBinary(Buffer.from([0x00, 0x05, 0x00, 0xff, 0x00]), 0, 5));
  });
});
