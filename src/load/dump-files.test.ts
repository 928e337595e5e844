import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyDumpFile } from './dump-files.js';

describe('dump file names', () => {
  it('classifies mydumper/dumpling names', () => {
    assert.deepEqual(classifyDumpFile('d1-schema-create.sql'), { kind: 'database', db: 'd1' });
    assert.deepEqual(classifyDumpFile('d1.t-schema.sql'), { kind: 'table', db: 'd1', table: 't' });
    assert.deepEqual(classifyDumpFile('d1.vv-schema-view.sql'), { kind: 'view', db: 'd1', table: 'vv' });
    assert.deepEqual(classifyDumpFile('d1.t.000000003.sql'), { kind: 'data', db: 'd1', table: 't' });
    assert.deepEqual(classifyDumpFile('d1.t.sql'), { kind: 'data', db: 'd1', table: 't' });
    assert.deepEqual(classifyDumpFile('d1.t-1.00001.sql'), { kind: 'data', db: 'd1', table: 't-1' });
    assert.equal(classifyDumpFile('metadata'), null);
    assert.equal(classifyDumpFile('d1.t-schema-triggers.sql'), null);
  });
});
