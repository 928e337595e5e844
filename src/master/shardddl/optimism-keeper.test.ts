import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  OptimismInfo,
  OptimismOperation,
  SchemaColumn,
  SourceTables,
} from '../../pkg/shardddl/optimism/types.js';
import { type OptimismAction, OptimismKeeper } from './optimism-keeper.js';

const col = (name: string, type = 'int'): SchemaColumn => ({ name, type, unsigned: false, nullable: true });
const BASE = [col('id'), col('v', 'varchar(32)')];
const ST: SourceTables[] = [
  { task: 'tk', source: 's1', tables: { m: { t: { d1: { t1: {}, t2: {} } } } } },
  { task: 'tk', source: 's2', tables: { m: { t: { d2: { t1: {} } } } } },
];
let rev = 0;
const info = (
  source: string,
  s: string,
  t: string,
  ddl: string,
  before: SchemaColumn[],
  after: SchemaColumn[],
): OptimismInfo => ({
  task: 'tk',
  source,
  'up-schema': s,
  'up-table': t,
  'down-schema': 'm',
  'down-table': 't',
  ddls: [ddl],
  'table-info-before': before,
  'table-info-after': after,
});
const opOf = (a: OptimismAction[]): OptimismOperation => {
  const x = a.find((y) => y.kind === 'put-op');
  assert.ok(x && x.kind === 'put-op');
  return x.op;
};
const WITH_C = [...BASE, col('c')];
const ADD = 'ALTER TABLE `m`.`t` ADD COLUMN c INT';
const DROP = 'ALTER TABLE `m`.`t` DROP COLUMN c';

describe('OptimismKeeper', () => {
  it('ADD COLUMN: the first shard executes, the others do not; the lock goes when all have it', () => {
    const k = new OptimismKeeper();
    assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't1', ADD, BASE, WITH_C), ++rev, ST)).ddls, [ADD]);
    const l = k.list('tk')[0];
    assert.equal(l?.mode, 'optimistic');
    assert.deepEqual(l?.synced, ['s1-`d1`.`t1`']);
    assert.deepEqual(l?.unsynced, ['s1-`d1`.`t2`', 's2-`d2`.`t1`']);
    assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't2', ADD, BASE, WITH_C), ++rev, ST)).ddls, []);
    const last = k.putInfo(info('s2', 'd2', 't1', ADD, BASE, WITH_C), ++rev, ST);
    assert.deepEqual(opOf(last).ddls, []);
    assert.equal(last[1]?.kind, 'delete-lock');
    assert.deepEqual(k.list(), []);
  });

  it('DROP COLUMN is deferred until the last shard drops it', () => {
    const k = new OptimismKeeper();
    const a = opOf(k.putInfo(info('s1', 'd1', 't1', DROP, WITH_C, BASE), ++rev, ST));
    assert.deepEqual([a.ddls, a.cols], [[], ['c']]);
    assert.deepEqual(opOf(k.putInfo(info('s2', 'd2', 't1', DROP, WITH_C, BASE), ++rev, ST)).ddls, []);
    assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't2', DROP, WITH_C, BASE), ++rev, ST)).ddls, [DROP]);
  });

  it('a replayed info (same schema again) runs nothing twice', () => {
    const k = new OptimismKeeper();
    k.putInfo(info('s1', 'd1', 't1', ADD, BASE, WITH_C), ++rev, ST);
    assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't1', ADD, BASE, WITH_C), ++rev, ST)).ddls, []);
  });

  it('conflicts: incompatible types, rename, NOT NULL without default wait for the other shards', () => {
    const k = new OptimismKeeper();
    const c1 = opOf(
      k.putInfo(
        info('s1', 'd1', 't1', 'ALTER TABLE `m`.`t` MODIFY v INT', BASE, [col('id'), col('v')]),
        ++rev,
        ST,
      ),
    );
    assert.equal(c1['conflict-stage'], 'skip and wait for redirect');
    assert.match(
      c1['conflict-message'],
      /column v is (int|varchar\(32\)) on one shard and (int|varchar\(32\))/,
    );
    const c2 = opOf(
      k.putInfo(
        info('s1', 'd1', 't1', 'ALTER TABLE `m`.`t` CHANGE v w VARCHAR(32)', BASE, [
          col('id'),
          col('w', 'varchar(32)'),
        ]),
        ++rev,
        ST,
      ),
    );
    assert.equal(c2['conflict-stage'], 'skip and wait for redirect');
    assert.match(c2['conflict-message'], /CHANGE v w/);
    const c3 = opOf(
      k.putInfo(
        info('s1', 'd1', 't1', 'ALTER TABLE `m`.`t` ADD COLUMN c INT NOT NULL', BASE, WITH_C),
        ++rev,
        ST,
      ),
    );
    assert.equal(c3['conflict-stage'], 'skip and wait for redirect');
    // The conflicting shard's schema was not taken: a compatible DDL still works.
    assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't1', ADD, BASE, WITH_C), ++rev, ST)).ddls, [ADD]);
  });

  it('a conflict DDL run by every shard: the last runs it, the others are redirected once it is done', () => {
    const k = new OptimismKeeper();
    const R = 'ALTER TABLE `m`.`t` RENAME COLUMN v TO w';
    const W = [col('id'), col('w', 'varchar(32)')];
    const a = opOf(k.putInfo(info('s1', 'd1', 't1', R, BASE, W), ++rev, ST));
    assert.equal(a['conflict-stage'], 'skip and wait for redirect');
    // The same info again (a replay) gets the same answer.
    assert.equal(
      opOf(k.putInfo(info('s1', 'd1', 't1', R, BASE, W), ++rev, ST))['conflict-stage'],
      'skip and wait for redirect',
    );
    assert.equal(
      opOf(k.putInfo(info('s2', 'd2', 't1', R, BASE, W), ++rev, ST))['conflict-stage'],
      'skip and wait for redirect',
    );
    assert.deepEqual(k.list()[0]?.synced, ['s1-`d1`.`t2`']);
    assert.deepEqual(k.list()[0]?.unsynced, ['s1-`d1`.`t1`', 's2-`d2`.`t1`']);
    const last = opOf(k.putInfo(info('s1', 'd1', 't2', R, BASE, W), ++rev, ST));
    assert.deepEqual([last['conflict-stage'], last.ddls], ['none', [R]]);
    assert.equal(k.list().length, 1, 'the lock lasts until the redirects are out');
    assert.deepEqual(k.opDone('s1', 'd1', 't1'), [], 'not the resolver');
    const done = k.opDone('s1', 'd1', 't2');
    const redirected = done.flatMap((x) =>
      x.kind === 'put-op' ? [[x.op.source, x.op['up-table'], x.op['conflict-stage']]] : [],
    );
    assert.deepEqual(redirected.sort(), [
      ['s1', 't1', 'resolved'],
      ['s2', 't1', 'resolved'],
    ]);
    assert.equal(done.at(-1)?.kind, 'delete-lock');
    assert.deepEqual(k.list(), []);
    // A replay of the conflict DDL after it was resolved: nothing to run.
    const replay = opOf(k.putInfo(info('s2', 'd2', 't1', R, BASE, W), ++rev, ST));
    assert.deepEqual([replay['conflict-stage'], replay.ddls], ['none', []]);
  });

  it('conflicting conflict DDLs are detected; a table-level unlock runs or skips them', () => {
    const k = new OptimismKeeper();
    const W = [col('id'), col('w', 'varchar(32)')];
    const X = [col('id'), col('x', 'varchar(32)')];
    k.putInfo(info('s1', 'd1', 't1', 'ALTER TABLE `m`.`t` RENAME COLUMN v TO w', BASE, W), ++rev, ST);
    const d = opOf(
      k.putInfo(info('s1', 'd1', 't2', 'ALTER TABLE `m`.`t` RENAME COLUMN v TO x', BASE, X), ++rev, ST),
    );
    assert.equal(d['conflict-stage'], 'detected');
    const id = 'tk-`m`.`t`';
    assert.throws(
      () => k.unlockTable(id, 's1', 'd1', 't1', 'skip'),
      /code.*38020|is in skip and wait for redirect status/,
    );
    assert.throws(() => k.unlockTable('nope', 's1', 'd1', 't2', 'skip'), /not found/);
    const u = opOf(k.unlockTable(id, 's1', 'd1', 't2', 'skip'));
    assert.deepEqual([u['conflict-stage'], u.ddls, u['info-revision']], ['unlocked', [], d['info-revision']]);
    assert.throws(() => k.unlockTable(id, 's1', 'd1', 't2', 'exec'), /not conflicted/);
  });

  it('widening MODIFY runs on the first shard that widens, not on the others', () => {
    const k = new OptimismKeeper();
    const wide = [col('id'), col('v', 'varchar(64)')];
    const M = 'ALTER TABLE `m`.`t` MODIFY v VARCHAR(64)';
    assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't1', M, BASE, wide), ++rev, ST)).ddls, [M]);
    assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't2', M, BASE, wide), ++rev, ST)).ddls, []);
  });

  it('ADD INDEX once; DROP INDEX when all shards dropped it', () => {
    const k = new OptimismKeeper();
    const AI = 'ALTER TABLE `m`.`t` ADD INDEX i (v)';
    const DI = 'ALTER TABLE `m`.`t` DROP INDEX i';
    assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't1', AI, BASE, BASE), ++rev, ST)).ddls, [AI]);
    assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't2', AI, BASE, BASE), ++rev, ST)).ddls, []);
    assert.equal(k.list().length, 1, 'lock lasts until every shard has the index');
    assert.deepEqual(opOf(k.putInfo(info('s2', 'd2', 't1', AI, BASE, BASE), ++rev, ST)).ddls, []);
    assert.equal(k.list().length, 0);
    assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't1', DI, BASE, BASE), ++rev, ST)).ddls, []);
    assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't2', DI, BASE, BASE), ++rev, ST)).ddls, []);
    assert.deepEqual(opOf(k.putInfo(info('s2', 'd2', 't1', DI, BASE, BASE), ++rev, ST)).ddls, [DI]);
  });

  it('binlog-schema update --sync (ignore-conflict) sets the table schema without an operation', () => {
    const k = new OptimismKeeper();
    assert.deepEqual(
      k.putInfo({ ...info('s1', 'd1', 't1', '', BASE, WITH_C), 'ignore-conflict': true }, ++rev, ST),
      [],
    );
    assert.deepEqual(k.list(), [], 'no lock made from it');
    k.putInfo(info('s1', 'd1', 't1', ADD, BASE, WITH_C), ++rev, ST);
    assert.equal(k.list()[0]?.unsynced.length, 2);
    // The operator says the other two tables have c too: the lock is resolved.
    assert.deepEqual(
      k.putInfo({ ...info('s1', 'd1', 't2', '', WITH_C, WITH_C), 'ignore-conflict': true }, ++rev, ST),
      [],
    );
    const last = k.putInfo(
      { ...info('s2', 'd2', 't1', '', WITH_C, WITH_C), 'ignore-conflict': true },
      ++rev,
      ST,
    );
    assert.deepEqual(
      last.map((a) => a.kind),
      ['delete-lock'],
    );
  });

  it('restore answers only the infos without an operation', () => {
    const k = new OptimismKeeper();
    const a = k.restore(
      [
        { info: info('s1', 'd1', 't1', ADD, BASE, WITH_C), revision: 10, answered: true },
        { info: info('s1', 'd1', 't2', ADD, BASE, WITH_C), revision: 11, answered: false },
      ],
      () => ST,
    );
    assert.deepEqual(
      a.map((x) => (x.kind === 'put-op' ? [x.op['up-table'], x.op.ddls, x.op['info-revision']] : x.kind)),
      [['t2', [], 11]],
    );
  });

  it('a new leader knows the tables that reported nothing from their published schemas', () => {
    // d1.t1 dropped c (deferred), then added d: its info was overwritten, so the earliest
    // stored info no longer shows c; the other tables' published schemas still have it.
    const ADD_D = 'ALTER TABLE `m`.`t` ADD COLUMN d INT';
    const WITH_D = [...BASE, col('d')];
    const published: SourceTables[] = [
      {
        task: 'tk',
        source: 's1',
        tables: { m: { t: { d1: { t1: { 'table-info': WITH_D }, t2: { 'table-info': WITH_C } } } } },
      },
      { task: 'tk', source: 's2', tables: { m: { t: { d2: { t1: { 'table-info': WITH_C } } } } } },
    ];
    const k = new OptimismKeeper();
    const latest = info('s1', 'd1', 't1', ADD_D, BASE, WITH_D);
    k.restore([{ info: latest, revision: ++rev, answered: true, done: true }], () => published);
    assert.deepEqual(k.list('tk')[0]?.synced, [], 'nobody has the joined schema (c and d)');
    assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't2', DROP, WITH_C, BASE), ++rev, published)).ddls, []);
    const last = k.putInfo(info('s2', 'd2', 't1', DROP, WITH_C, BASE), ++rev, published);
    assert.deepEqual(opOf(last).ddls, [DROP], 'dropped by the last shard only');
    assert.deepEqual(opOf(k.putInfo(info('s2', 'd2', 't1', ADD_D, BASE, WITH_D), ++rev, published)).ddls, []);
    const end = k.putInfo(info('s1', 'd1', 't2', ADD_D, BASE, WITH_D), ++rev, published);
    assert.deepEqual(end[1]?.kind, 'delete-lock', 'resolved once every table has d and none has c');
  });

  describe('a replay of an info whose lock was resolved (its worker restarted before its checkpoint passed the DDL)', () => {
    // ADD COLUMN + ADD INDEX on every shard (the workers publish their schemas after each DDL).
    const ADDS = ['ALTER TABLE `m`.`t` ADD COLUMN c INT', 'ALTER TABLE `m`.`t` ADD INDEX idx_c (c)'];
    const both = (source: string, s: string, t: string): OptimismInfo => ({
      ...info(source, s, t, '', BASE, WITH_C),
      ddls: [...ADDS],
    });
    const pub = (a: SchemaColumn[], b: SchemaColumn[], c: SchemaColumn[]): SourceTables[] => [
      {
        task: 'tk',
        source: 's1',
        tables: { m: { t: { d1: { t1: { 'table-info': a }, t2: { 'table-info': b } } } } },
      },
      { task: 'tk', source: 's2', tables: { m: { t: { d2: { t1: { 'table-info': c } } } } } },
    ];
    // Once every table ran the DDLs.
    const published = pub(WITH_C, WITH_C, WITH_C);
    const resolvedLock = () => {
      const k = new OptimismKeeper();
      const ops: OptimismOperation[] = [];
      const put = (i: OptimismInfo, st: SourceTables[]) => {
        const a = k.putInfo(i, ++rev, st);
        ops.push(opOf(a));
        return a;
      };
      assert.deepEqual(opOf(put(both('s1', 'd1', 't1'), pub(BASE, BASE, BASE))).ddls, ADDS);
      assert.deepEqual(opOf(put(both('s1', 'd1', 't2'), pub(WITH_C, BASE, BASE))).ddls, []);
      const last = put(both('s2', 'd2', 't1'), pub(WITH_C, WITH_C, BASE));
      assert.deepEqual(
        last.map((a) => a.kind),
        ['put-op', 'delete-lock'],
      );
      assert.deepEqual(k.list(), []);
      return { k, ops };
    };

    it('is answered with nothing to run and opens no lock', () => {
      const { k } = resolvedLock();
      for (const [src, s, t] of [
        ['s2', 'd2', 't1'],
        ['s1', 'd1', 't1'],
      ] as const) {
        const r = ++rev;
        const a = k.putInfo(both(src, s, t), r, published);
        assert.deepEqual(
          a.map((x) => (x.kind === 'put-op' ? [x.op.ddls, x.op['info-revision']] : x.kind)),
          [[[], r]],
        );
        assert.deepEqual(k.list(), [], `no lock left behind by the replay of ${s}.${t}`);
      }
    });

    it('a new leader knows it from the operations left in etcd', () => {
      const { ops } = resolvedLock();
      const k = new OptimismKeeper();
      assert.deepEqual(
        k.restore([], () => published, ops),
        [],
      );
      opOf(k.putInfo(both('s1', 'd1', 't2'), ++rev, published));
      assert.deepEqual(k.list(), []);
    });

    it('does not hold up a lock opened since', () => {
      const { k } = resolvedLock();
      assert.deepEqual(opOf(k.putInfo(info('s1', 'd1', 't2', DROP, WITH_C, BASE), ++rev, published)).cols, [
        'c',
      ]);
      assert.deepEqual(opOf(k.putInfo(both('s2', 'd2', 't1'), ++rev, published)).ddls, []);
      assert.deepEqual(
        opOf(k.putInfo(info('s1', 'd1', 't1', DROP, WITH_C, BASE), ++rev, published)).ddls,
        [],
      );
      const last = k.putInfo(info('s2', 'd2', 't1', DROP, WITH_C, BASE), ++rev, published);
      assert.deepEqual(opOf(last).ddls, [DROP]);
      assert.deepEqual(
        last.map((a) => a.kind),
        ['put-op', 'delete-lock'],
        'resolved by the last DROP: the replayed ADD INDEX is not waited for again',
      );
    });

    it('a new DDL of the same table still opens a lock', () => {
      const { k } = resolvedLock();
      const AI = 'ALTER TABLE `m`.`t` ADD INDEX j (v)';
      assert.deepEqual(opOf(k.putInfo(info('s2', 'd2', 't1', AI, WITH_C, WITH_C), ++rev, published)).ddls, [
        AI,
      ]);
      assert.equal(k.list().length, 1);
    });
  });
});
