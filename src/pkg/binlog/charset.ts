import { TextDecoder } from 'node:util';

/**
 * Collation ids → MySQL charset names, and decoding of column bytes in those charsets.
 * MySQL's `latin1` is Windows cp1252 (with the five cp1252 holes mapped to C1 controls), not
 * ISO-8859-1, so it gets its own table; other legacy charsets go through TextDecoder (Node
 * ships full ICU).
 */

const CHARSETS: (string | undefined)[] = [];

function range(from: number, to: number, cs: string): void {
  for (let i = from; i <= to; i++) CHARSETS[i] = cs;
}

// ids 1..99 (shared by MySQL and MariaDB; from SHOW COLLATION)
const LOW =
  ',big5,latin2,dec8,cp850,latin1,hp8,koi8r,latin1,latin2,swe7,ascii,ujis,sjis,cp1251,latin1,hebrew,,tis620,euckr,' +
  'latin7,latin2,koi8u,cp1251,gb2312,greek,cp1250,latin2,gbk,cp1257,latin5,latin1,armscii8,utf8mb3,cp1250,ucs2,cp866,' +
  'keybcs2,macce,macroman,cp852,latin7,latin7,macce,cp1250,utf8mb4,utf8mb4,latin1,latin1,latin1,cp1251,cp1251,cp1251,' +
  'macroman,utf16,utf16,utf16le,cp1256,cp1257,cp1257,utf32,utf32,utf16le,binary,armscii8,ascii,cp1250,cp1256,cp866,' +
  'dec8,greek,hebrew,hp8,keybcs2,koi8r,koi8u,utf8mb3,latin2,latin5,latin7,cp850,cp852,swe7,utf8mb3,big5,euckr,gb2312,' +
  'gbk,sjis,tis620,ucs2,ujis,geostd8,geostd8,latin1,cp932,cp932,eucjpms,eucjpms,cp1250';
LOW.split(',').forEach((cs, i) => {
  if (cs) CHARSETS[i] = cs;
});
range(101, 124, 'utf16');
range(128, 159, 'ucs2');
range(160, 183, 'utf32');
range(192, 215, 'utf8mb3');
range(223, 223, 'utf8mb3');
range(224, 247, 'utf8mb4');
range(248, 250, 'gb18030');
range(255, 323, 'utf8mb4'); // MySQL 8 utf8mb4_0900_* and friends
range(576, 578, 'utf8mb3'); // MariaDB extra UCA collations
range(608, 610, 'utf8mb4');
range(640, 642, 'ucs2');
range(672, 674, 'utf16');
range(736, 738, 'utf32');
range(2048, 2303, 'utf8mb3'); // MariaDB 10.10+ uca1400 blocks
range(2304, 2559, 'utf8mb4');
range(2560, 2815, 'ucs2');
range(2816, 3071, 'utf16');
range(3072, 3327, 'utf32');

/** The MySQL charset name of a collation id (undefined when unknown). */
export function collationCharset(id: number): string | undefined {
  const cs = CHARSETS[id];
  if (cs !== undefined) return cs;
  // MariaDB's _nopad_ collations are their pad-space twin + 1024.
  if (id >= 1024 && id < 2048) return CHARSETS[id - 1024];
  return undefined;
}

/** cp1252 code points for bytes 0x80..0x9F as MySQL maps them. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

/** Decode MySQL latin1 (= cp1252) bytes. */
export function decodeLatin1(buf: Buffer, start: number, end: number): string {
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    if (b >= 0x80 && b < 0xa0) break;
    i++;
  }
  if (i === end) return buf.latin1Slice(start, end);
  let s = buf.latin1Slice(start, i);
  for (; i < end; i++) {
    const b = buf[i]!;
    s += String.fromCharCode(b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80]! : b);
  }
  return s;
}

/** WHATWG encoding labels for the charsets TextDecoder can do. */
const LABELS: Record<string, string> = {
  gbk: 'gbk',
  gb2312: 'gbk',
  gb18030: 'gb18030',
  big5: 'big5',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  ujis: 'euc-jp',
  eucjpms: 'euc-jp',
  euckr: 'euc-kr',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  latin2: 'iso-8859-2',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  latin5: 'windows-1254',
  latin7: 'iso-8859-13',
  cp866: 'ibm866',
  macroman: 'macintosh',
  tis620: 'windows-874',
  ucs2: 'utf-16be',
  utf16: 'utf-16be',
  utf16le: 'utf-16le',
};
const decoders = new Map<string, TextDecoder>();

/** How a charset's bytes become a cell value. */
export enum TextKind {
  Utf8 = 0,
  Latin1 = 1,
  Binary = 2,
  Other = 3,
}

export function textKind(charset: string | undefined): TextKind {
  switch (charset) {
    case undefined:
    case 'utf8mb4':
    case 'utf8mb3':
    case 'utf8':
    case 'ascii':
      return TextKind.Utf8;
    case 'latin1':
      return TextKind.Latin1;
    case 'binary':
      return TextKind.Binary;
    default:
      return TextKind.Other;
  }
}

/** Decode bytes of a charset that is neither utf8, latin1 nor binary. */
export function decodeOther(buf: Buffer, start: number, end: number, charset: string): string {
  if (charset === 'utf32') {
    let s = '';
    for (let i = start; i + 4 <= end; i += 4) {
      const cp = buf.readUInt32BE(i);
      s += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
    }
    return s;
  }
  const label = LABELS[charset];
  if (label === undefined) return buf.toString('latin1', start, end);
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label);
    decoders.set(label, d);
  }
  return d.decode(buf.subarray(start, end));
}
