import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { insertToTsv } from './insert-to-tsv.js';

describe('insertToTsv', () => {
  it('maps every literal our dump writes onto a LOAD DATA field', () => {
    const sql =
      "\nINSERT INTO `t` (`a`,`b``c`,`d`,`e`,`f`) VALUES\n(1,'x\\ny\\'z\\\\',0x00095c0aff,NULL,-1.5e-3,''),\n(2,'tab\there\\Z',0x41,'\\0',0,'NULL')";
    const r = insertToTsv(sql);
    assert.ok(r);
    assert.equal(r.columns, '(`a`,`b``c`,`d`,`e`,`f`)');
    assert.equal(r.rows, 2);
    assert.equal(
      r.data.toString('latin1'),
      "1\tx\\ny\\'z\\\\\t\x00\\t\\\\\\n\xff\t\\N\t-1.5e-3\t\n2\ttab\\there\\Z\tA\t\\0\t0\tNULL\n",
    );
  });

  it('declines what our dump never writes', () => {
    for (const sql of [
      'INSERT INTO `t` VALUES (1)',
      'INSERT INTO t (`a`) VALUES\n(1)',
      "INSERT INTO `t` (`a`) VALUES\n(_binary'x')",
      "INSERT INTO `t` (`a`) VALUES\n(b'01')",
      "INSERT INTO `t` (`a`) VALUES\n('unterminated)",
      'INSERT INTO `t` (`a`) VALUES\n(0x)',
      'INSERT INTO `t` (`a`) VALUES\n(0x4)',
      'INSERT INTO `t` (`a`) VALUES\n(1),(2)',
      'REPLACE INTO `t` (`a`) VALUES\n(1)',
    ]) {
      assert.equal(insertToTsv(sql), null, sql);
    }
  });
});

describe('insertToTsv with a scratch buffer', () => {
  it('reuses the buffer and grows it when a statement needs more', () => {
    const scratch = { buf: Buffer.alloc(0) };
    const a = insertToTsv("INSERT INTO `t` (`a`) VALUES\n('xx'),\n('yy')", scratch);
    const first = scratch.buf;
    assert.equal(a?.data.toString('latin1'), 'xx\nyy\n');
    const b = insertToTsv("INSERT INTO `t` (`a`) VALUES\n('z')", scratch);
    assert.equal(scratch.buf, first);
    assert.equal(b?.data.toString('latin1'), 'z\n');
    const long = 'w'.repeat(1000);
    const c = insertToTsv(`INSERT INTO \`t\` (\`a\`) VALUES\n('${long}')`, scratch);
    assert.notEqual(scratch.buf, first);
    assert.equal(c?.data.toString('latin1'), `${long}\n`);
  });
});
