import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dumpSessionsInMainThread, shardHeldMemoryRows, syncIoInMainThread } from './bench-overrides.js';

describe('bench overrides', () => {
  it('change nothing when unset', () => {
    assert.equal(syncIoInMainThread({}), false);
    assert.equal(dumpSessionsInMainThread({}), false);
    assert.equal(shardHeldMemoryRows({}), undefined);
  });
  it('take only the documented values', () => {
    assert.equal(syncIoInMainThread({ DM_SYNC_IO_THREAD: '0' }), true);
    assert.equal(syncIoInMainThread({ DM_SYNC_IO_THREAD: '1' }), false);
    assert.equal(dumpSessionsInMainThread({ DM_DUMP_THREADS: '0' }), true);
    assert.equal(dumpSessionsInMainThread({ DM_DUMP_THREADS: '3' }), false);
    assert.equal(shardHeldMemoryRows({ DM_SHARD_HELD_MEMORY_ROWS: '20' }), 20);
    assert.equal(shardHeldMemoryRows({ DM_SHARD_HELD_MEMORY_ROWS: 'x' }), undefined);
    assert.equal(shardHeldMemoryRows({ DM_SHARD_HELD_MEMORY_ROWS: '-1' }), undefined);
  });
});
