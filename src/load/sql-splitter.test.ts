import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqlSplitter, type Statement } from './sql-splitter.js';

function splitAll(text: string, chunk: number): Statement[] {
  const s = new SqlSplitter();
  const out: Statement[] = [];
  for (let i = 0; i < text.length; i += chunk) out.push(...s.push(text.slice(i, i + chunk)));
  out.push(...s.end());
  return out;
}

const FILE =
  "/*!40101 SET NAMES binary*/;\n-- a comment; with semicolon\nINSERT INTO `t;x` VALUES\n(1,'a;b\\'c;','x\"y'),\n(2,\"q;\\\\\",NULL);\n# hash; comment\n/* block; */INSERT INTO t VALUES (3,'--;');\n";

describe('SqlSplitter', () => {
  it('splits on top-level semicolons only, whatever the chunking', () => {
    const whole = splitAll(FILE, FILE.length);
    assert.equal(whole.length, 3);
    assert.equal(whole[0]?.sql, '/*!40101 SET NAMES binary*/');
    assert.match(
      whole[1]?.sql ?? '',
      /INSERT INTO `t;x` VALUES\n\(1,'a;b\\'c;','x"y'\),\n\(2,"q;\\\\",NULL\)$/,
    );
    assert.match(whole[2]?.sql ?? '', /INSERT INTO t VALUES \(3,'--;'\)$/);
    for (const size of [1, 2, 3, 5, 7, 13]) {
      assert.deepEqual(splitAll(FILE, size), whole, `chunk size ${size}`);
    }
  });

  it('reports byte offsets just past each semicolon', () => {
    const st = splitAll(FILE, 4);
    for (const s of st) assert.equal(FILE[s.end - 1], ';');
    assert.equal(st[2]?.end, FILE.lastIndexOf(';') + 1);
  });

  it('returns an unterminated tail at end of input and drops pure comments', () => {
    const st = splitAll('SELECT 1;\n-- only a comment\n', 3);
    assert.equal(st.length, 1);
    assert.deepEqual(
      splitAll('SELECT 1; SELECT 2', 4).map((s) => s.sql.trim()),
      ['SELECT 1', 'SELECT 2'],
    );
  });

  it('resumes from an offset', () => {
    const st = splitAll(FILE, 64);
    const from = st[1]?.end ?? 0;
    const s = new SqlSplitter(from);
    const rest = [...s.push(FILE.slice(from)), ...s.end()];
    assert.deepEqual(rest, st.slice(2));
  });

  it('scans a long value full of escapes in linear time', () => {
    const big = `INSERT INTO t VALUES ('${'\\0'.repeat(2_000_000)}');`;
    const t0 = Date.now();
    const st = splitAll(big, 1 << 20);
    assert.equal(st.length, 1);
    assert.equal(st[0]?.sql.length, big.length - 1);
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  });
});
