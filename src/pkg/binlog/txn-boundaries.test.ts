import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queryTxnRole } from './txn-boundaries.js';

describe('queryTxnRole', () => {
  it('classifies the QUERY texts that open and close a transaction', () => {
    assert.equal(queryTxnRole('BEGIN'), 'begin');
    assert.equal(queryTxnRole('  begin'), 'begin');
    for (const q of ['COMMIT', 'ROLLBACK', "XA COMMIT X'31'", "XA ROLLBACK X'31'", 'commit /* c */']) {
      assert.equal(queryTxnRole(q), 'end', q);
    }
    for (const q of ['ROLLBACK TO SAVEPOINT s1', 'ALTER TABLE t ADD c INT', "XA START X'31'", 'BEGINNER']) {
      assert.equal(queryTxnRole(q), 'statement', q);
    }
  });
});
