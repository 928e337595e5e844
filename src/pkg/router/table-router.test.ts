import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TableRouter } from './table-router.js';

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
