import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asciiBytes, JsonWriter } from './json-writer.js';

/** Deterministic pseudo-random generator (tests must be reproducible). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

describe('JsonWriter', () => {
  it('strings print exactly as JSON.stringify, escapes, non-ASCII and lone surrogates included', () => {
    const cases = [
      '',
      'plain',
      'q"b\\s/',
      '\b\f\n\r\t\u0000\u0001\u001f\u007f',
      'é ü ß',
      '€ 中文',
      '😀 pair',
      '\ud800',
      'x\udc00y',
      '\udbff\udfff',
      '\ud83d',
      'end\ud83d',
      'a long plain ASCII value, longer than the fast-path threshold',
      'a long value with non-ASCII: ünïcödé and € and 中文 but no escapes',
      'a long value with a pair 😀 and text around it, long enough',
      'a long value that ends with a quote, long enough"',
      'latin1 only: café crème brûlée, long enough',
      'above U+00FF with an ASCII low byte: \u0141\u0122\u015c, long enough',
    ];
    const r = rng(7);
    for (let i = 0; i < 300; i++) {
      let s = '';
      const n = Math.floor(r() * 40);
      for (let j = 0; j < n; j++) {
        const k = r();
        // Mostly ASCII, some controls, some BMP, some surrogate halves.
        const c =
          k < 0.6
            ? 32 + Math.floor(r() * 95)
            : k < 0.7
              ? Math.floor(r() * 32)
              : k < 0.85
                ? 0x80 + Math.floor(r() * 0xff00)
                : 0xd800 + Math.floor(r() * 0x800);
        s += String.fromCharCode(c);
      }
      cases.push(s);
    }
    // Long ASCII strings with at most one character to escape, at every offset (the word scan).
    for (const special of ['', '"', '\\', '\n', '\u0000', '\u001f', ' ', '~', '\u007f']) {
      for (let at = 0; at < 40; at++) {
        const base = 'abcdefghijklmnopqrstuvwxyz0123456789-ABC'.slice(0, 17 + (at % 23));
        cases.push(base.slice(0, at) + special + base.slice(at));
      }
    }
    const w = new JsonWriter(8);
    cases.forEach((s, i) => {
      // 0..3 bytes before the string: every start alignment of the word scan.
      const pre = 'x'.repeat(i % 4);
      for (let k = 0; k < pre.length; k++) w.byte(120);
      w.str(s);
      assert.equal(w.take(), pre + JSON.stringify(s), `for ${JSON.stringify(s)}`);
    });
    // Several values in one line, one of them non-ASCII: the whole line decodes as UTF-8.
    w.str('a');
    w.byte(44);
    w.str('ñ');
    assert.equal(w.take(), '"a","ñ"');
  });

  it('numbers print exactly as String()', () => {
    const w = new JsonWriter(4);
    const nums = [
      0,
      -0,
      1,
      -1,
      9,
      10,
      99,
      100,
      2147483647,
      -2147483648,
      2147483648,
      -2147483649,
      4294967295,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      0.1,
      -2.5,
      1e21,
      1.5e-7,
      3.4028234663852886e38,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ];
    const r = rng(3);
    for (let i = 0; i < 500; i++) nums.push(Math.floor((r() - 0.5) * 2 ** Math.floor(r() * 53)));
    for (const n of nums) {
      w.num(n);
      assert.equal(w.take(), String(n));
    }
  });

  it('bytes as uppercase 0x hex, raw text and pre-encoded bytes; grows past its initial size', () => {
    const w = new JsonWriter(2);
    w.hex(Buffer.from([0, 0xab, 0x0f, 0xff]));
    w.hex(Buffer.alloc(0));
    w.raw('{"é":1}');
    w.bytes(asciiBytes('x'.repeat(100)));
    w.bytes(asciiBytes('yz'));
    assert.equal(w.take(), `"0x00AB0FFF""0x"{"é":1}${'x'.repeat(100)}yz`);
    assert.equal(w.take(), '');
  });
});
