import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isDuplicateServerIdError,
  MAX_SERVER_ID,
  pickServerId,
  RANDOM_SERVER_ID_MIN,
  slaveHostServerIds,
} from './server-id.js';

/** A random() that returns the given values in turn. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('pickServerId', () => {
  it('draws from [RANDOM_SERVER_ID_MIN, MAX_SERVER_ID]', () => {
    assert.equal(pickServerId([], sequence(0)), RANDOM_SERVER_ID_MIN);
    assert.equal(pickServerId([], sequence(0.999999999999)), MAX_SERVER_ID);
    for (let i = 0; i < 1000; i++) {
      const id = pickServerId([]);
      assert.ok(Number.isInteger(id) && id >= RANDOM_SERVER_ID_MIN && id <= MAX_SERVER_ID, String(id));
    }
  });

  it('skips taken ids and draws again', () => {
    const first = pickServerId([], sequence(0.5));
    const second = pickServerId([], sequence(0.25));
    assert.equal(pickServerId([first], sequence(0.5, 0.25)), second);
    assert.equal(pickServerId(new Set([first, second]), sequence(0.5, 0.25, 0)), RANDOM_SERVER_ID_MIN);
  });

  it('gives up with a RangeError when every draw is taken', () => {
    const only = pickServerId([], sequence(0));
    assert.throws(() => pickServerId([only], sequence(0)), RangeError);
  });

  it('never returns a taken id', () => {
    const taken: number[] = [];
    for (let i = 0; i < 200; i++) {
      const id = pickServerId(taken);
      assert.ok(!taken.includes(id));
      taken.push(id);
    }
  });
});

describe('slaveHostServerIds', () => {
  it('reads the Server_id column by name (MariaDB and MySQL layouts)', () => {
    assert.deepEqual(
      slaveHostServerIds(
        ['Server_id', 'Host', 'Port', 'Master_id'],
        [
          ['101', '', '0', '1'],
          ['4000000000', 'h', '3306', '1'],
        ],
      ),
      [101, 4_000_000_000],
    );
    assert.deepEqual(
      slaveHostServerIds(
        ['Host', 'Server_Id', 'Port', 'Source_id', 'Replica_UUID'],
        [['h', '7', '0', '1', 'u']],
      ),
      [7],
    );
  });

  it('ignores a missing column and unreadable values', () => {
    assert.deepEqual(slaveHostServerIds(['Host'], [['h']]), []);
    assert.deepEqual(slaveHostServerIds(['Server_id'], [[null], ['x'], ['0'], ['5']]), [5]);
  });
});

describe('isDuplicateServerIdError', () => {
  it('knows MariaDB ER_SLAVE_SAME_ID', () => {
    assert.ok(
      isDuplicateServerIdError({
        errno: 4052,
        message: 'A slave with the same server_uuid/server_id as this slave has connected to the master',
      }),
    );
  });

  it("knows MySQL's 1236 with the same-id text, and no other 1236", () => {
    assert.ok(
      isDuplicateServerIdError({
        errno: 1236,
        message:
          "A slave with the same server_uuid/server_id as this slave has connected to the master; the first event 'mysql-bin.000001' at 4…",
      }),
    );
    assert.ok(
      !isDuplicateServerIdError({
        errno: 1236,
        message: 'Could not find first log file name in binary log index file',
      }),
    );
    assert.ok(!isDuplicateServerIdError({ errno: 2013, message: 'Lost connection' }));
  });
});
