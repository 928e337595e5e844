import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DATA_FILE_HEADER } from '../pkg/dumpfile/dump-dir.js';
import { DumpLineSplitter } from './line-splitter.js';
import { SqlSplitter, type Statement } from './sql-splitter.js';

function run(sp: { push(c: string): Statement[]; end(): Statement[] }, text: string, step: number) {
  const out: Statement[] = [];
  for (let i = 0; i < text.length; i += step) out.push(...sp.push(text.slice(i, i + step)));
  out.push(...sp.end());
  return out;
}

const OWN = `${DATA_FILE_HEADER}INSERT INTO \`t\` (\`a\`,\`b\`) VALUES\n(1,'x;\\ny'),\n(2,0x3b0a);\nINSERT INTO \`t\` (\`a\`,\`b\`) VALUES\n(3,'a'';b');\n`;

describe('DumpLineSplitter', () => {
  it('splits our data files exactly like SqlSplitter, whatever the chunking', () => {
    const want = run(new SqlSplitter(), OWN, OWN.length);
    assert.equal(want.length, 5);
    for (let step = 1; step <= OWN.length; step++) {
      assert.deepEqual(run(new DumpLineSplitter(), OWN, step), want, `chunk size ${step}`);
    }
  });

  it('falls back to the full splitter when a name holds ";\\n"', () => {
    const odd = `${DATA_FILE_HEADER}INSERT INTO \`t;\n\` (\`a\`) VALUES\n(1);\nINSERT INTO \`t;\n\` (\`a\`) VALUES\n(2);\n`;
    const want = run(new SqlSplitter(), odd, odd.length);
    assert.equal(want.length, 5);
    for (const step of [1, 7, 50, odd.length]) {
      assert.deepEqual(run(new DumpLineSplitter(), odd, step), want, `chunk size ${step}`);
    }
  });

  it('keeps an unterminated tail for end()', () => {
    const out = run(new DumpLineSplitter(10), 'INSERT INTO `t` (`a`) VALUES\n(1)', 4);
    assert.deepEqual(out, [{ sql: 'INSERT INTO `t` (`a`) VALUES\n(1)', end: 42 }]);
  });
});
