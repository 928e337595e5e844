import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShardingGroups } from './sharding-groups.js';

const T = { schema: 'm', table: 't' };
const t1 = { schema: 'd', table: 't1' };
const t2 = { schema: 'd', table: 't2' };
const A = 'ALTER TABLE `m`.`t` ADD COLUMN a INT';
const B = 'ALTER TABLE `m`.`t` ADD COLUMN b INT';
const at = (pos: number) => ({
  ddls: [] as string[],
  at: { file: 'b.000001', pos },
  end: { file: 'b.000001', pos: pos + 50 },
});
const d = (sql: string, pos: number) => ({ ...at(pos), ddls: [sql] });

function groups(): ShardingGroups {
  const g = new ShardingGroups(false);
  g.addTable(t1, T);
  g.addTable(t2, T);
  return g;
}

describe('ShardingGroups', () => {
  it('holds a table that met a DDL, syncs when every table met it, resolves the head', () => {
    const g = groups();
    assert.deepEqual(g.reach(t1, d(A, 100)), { kind: 'waiting' });
    assert.equal(g.held('d', 't1'), 1);
    assert.equal(g.held('D', 'T2'), 0);
    assert.deepEqual(g.status(), [
      {
        target: '`m`.`t`',
        DDLs: [A],
        firstLocation: '(b.000001, 100)',
        synced: ['`d`.`t1`'],
        unsynced: ['`d`.`t2`'],
      },
    ]);
    assert.deepEqual(g.reach(t2, d(A, 300)), { kind: 'synced', ddls: [A] });
    const popped = g.resolveHead(T);
    assert.deepEqual(
      popped.map((p) => [p.table.table, p.end.pos]),
      [
        ['t1', 150],
        ['t2', 350],
      ],
    );
    assert.equal(g.anyPending(), false);
    assert.deepEqual(g.status(), []);
  });

  it('a table may run ahead by several DDLs; the next head syncs when the others catch up', () => {
    const g = groups();
    g.reach(t1, d(A, 100));
    g.reach(t1, d(B, 200));
    assert.equal(g.held('d', 't1'), 2);
    assert.deepEqual(g.reach(t2, d(A, 300)), { kind: 'synced', ddls: [A] });
    g.resolveHead(T);
    assert.equal(g.held('d', 't1'), 1);
    assert.equal(g.syncedHead(T), undefined);
    assert.deepEqual(g.reach(t2, d(B, 400)), { kind: 'synced', ddls: [B] });
  });

  it('a different DDL at the same place of the sequence is a wrong sequence (DM 36008)', () => {
    const g = groups();
    g.reach(t1, d(A, 100));
    assert.deepEqual(g.reach(t2, d(B, 300)), { kind: 'wrong-sequence', expected: [A], got: [B] });
    assert.equal(g.held('d', 't2'), 0);
  });

  it('the same DDL event twice (re-read after a pause) counts once; whitespace does not matter', () => {
    const g = groups();
    g.reach(t1, d(A, 100));
    assert.deepEqual(g.reach(t1, d(A, 100)), { kind: 'duplicate', synced: false });
    assert.equal(g.held('d', 't1'), 1);
    assert.deepEqual(g.reach(t2, d(A.replace(' ADD', '   ADD'), 300)).kind, 'synced');
  });

  it('a dropped table leaves its group, which may then be synced', () => {
    const g = groups();
    g.reach(t1, d(A, 100));
    assert.equal(g.removeTable(t2), true);
    assert.deepEqual(g.syncedHead(T), [A]);
    assert.equal(g.targetOf(t2), undefined);
  });
});
