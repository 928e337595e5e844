import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractValue, TableRouter } from './table-router.js';

const r = (schemaPattern: string, tablePattern: string, targetSchema: string, targetTable = '') => ({
  schemaPattern,
  tablePattern,
  targetSchema,
  targetTable,
});

describe('TableRouter', () => {
  const router = new TableRouter(
    [
      r('test_*', '', 'test'),
      r('test_*', 't_*', 'test', 't'),
      r('test_1', 't_special', 'special', ''),
      r('keep', 'x', '', 'y'),
    ],
    { caseSensitive: false },
  );

  it("routes shards as DM's sample", () => {
    assert.deepEqual(router.route('test_1', 't_2'), { schema: 'test', table: 't' });
    assert.deepEqual(
      router.route('test_2', 'other'),
      { schema: 'test', table: 'other' },
      'schema rule keeps table',
    );
    assert.deepEqual(router.route('test_2', ''), { schema: 'test', table: '' }, 'schema-level event');
  });

  it('most specific rule wins; empty target keeps names', () => {
    assert.deepEqual(router.route('test_1', 't_special'), { schema: 'special', table: 't_special' });
    assert.deepEqual(router.route('keep', 'x'), { schema: 'keep', table: 'y' });
  });

  it('unmatched names pass through; case-insensitive matching', () => {
    assert.deepEqual(router.route('other', 't_1'), { schema: 'other', table: 't_1' });
    assert.deepEqual(router.route('TEST_3', 'T_9'), { schema: 'test', table: 't' });
  });

  it('? matches one character; case-sensitive mode', () => {
    const cs = new TableRouter([r('db?', 'T', 'x', 'y')], { caseSensitive: true });
    assert.deepEqual(cs.route('db1', 'T'), { schema: 'x', table: 'y' });
    assert.deepEqual(cs.route('db12', 'T'), { schema: 'db12', table: 'T' });
    assert.deepEqual(cs.route('db1', 't'), { schema: 'db1', table: 't' });
  });
});

describe('TableRouter extraction (DM extract-table/schema/source)', () => {
  const rule = {
    schemaPattern: 'shard_*',
    tablePattern: 't_*',
    targetSchema: 'merged',
    targetTable: 't',
    extractTable: { tableRegexp: 't_(.*)', targetColumn: 'c_table' },
    extractSchema: { schemaRegexp: 'shard_(.*)', targetColumn: 'c_schema' },
    extractSource: { sourceRegexp: '(.*)', targetColumn: 'c_source' },
  };
  const router = new TableRouter([rule, r('shard_*', '', 'merged')], { caseSensitive: false });

  it('gives columns in DM order (table, schema, source) with the capture groups', () => {
    assert.deepEqual(router.extendColumns('shard_1', 't_01', 'mysql-replica-01'), {
      columns: ['c_table', 'c_schema', 'c_source'],
      values: ['01', '1', 'mysql-replica-01'],
    });
    assert.equal(router.extracts, true);
  });

  it('concatenates every capture group, "" when the regexp does not match', () => {
    assert.equal(extractValue(/^t_(\d+)_(\w+)$/, 't_12_ab'), '12ab');
    assert.equal(extractValue(/^x_(.*)$/, 't_1'), '');
    assert.equal(extractValue(/t_/, 't_1'), '', 'a match without groups yields ""');
    assert.equal(extractValue(/^t(_x)?_(\d)$/, 't_1'), '1', 'an unmatched optional group adds nothing');
  });

  it('only the rule that routes the table extracts; schema-level and other tables get none', () => {
    assert.equal(router.extendColumns('shard_1', 'other', 's1'), undefined, 'routed by the schema rule');
    assert.equal(router.extendColumns('shard_1', '', 's1'), undefined);
    assert.equal(router.extendColumns('elsewhere', 't_1', 's1'), undefined);
    const plain = new TableRouter([r('a', 'b', 'c', 'd')], { caseSensitive: false });
    assert.equal(plain.extracts, false);
    assert.equal(plain.extendColumns('a', 'b', 's1'), undefined);
  });

  it('regexps see the upstream name as it is (case kept) and source ids per call', () => {
    assert.deepEqual(router.extendColumns('SHARD_X', 'T_Y', 'src-2')?.values, ['', '', 'src-2']);
    const ci = new TableRouter(
      [{ ...rule, extractTable: { tableRegexp: '(?i)t_(.*)', targetColumn: 'c' } }],
      {
        caseSensitive: false,
      },
    );
    assert.throws(() => ci.extendColumns('shard_1', 't_1', 's'), SyntaxError, 'Go-only syntax is refused');
  });
});
