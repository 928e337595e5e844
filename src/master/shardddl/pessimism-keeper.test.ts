import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PessimismInfo, PessimismOperation } from '../../pkg/shardddl/pessimism/types.js';
import { type KeeperAction, PessimismKeeper, parseLockTarget } from './pessimism-keeper.js';

const DDL = 'ALTER TABLE `db`.`t` ADD COLUMN c INT';
const info = (source: string, ddls = [DDL]): PessimismInfo => ({
  task: 'tk',
  source,
  schema: 'db',
  table: 't',
  ddls,
});
const ID = 'tk-`db`.`t`';
const SOURCES = ['s1', 's2', 's3'];
const ops = (a: KeeperAction[]): PessimismOperation[] =>
  a.flatMap((x) => (x.kind === 'put-op' ? [x.op] : []));
const done = (o: PessimismOperation): PessimismOperation => ({ ...o, done: true });

describe('PessimismKeeper', () => {
  it('locks on the first info, execs on the owner once all are synced, then skips, then deletes', () => {
    const k = new PessimismKeeper();
    assert.deepEqual(k.putInfo(info('s2'), SOURCES), []);
    assert.deepEqual(k.list(), [
      {
        ID,
        task: 'tk',
        mode: 'pessimistic',
        owner: 's2',
        DDLs: [DDL],
        synced: ['s2'],
        unsynced: ['s1', 's3'],
      },
    ]);
    assert.deepEqual(k.putInfo(info('s1'), SOURCES), []);
    const [exec] = ops(k.putInfo(info('s3'), SOURCES));
    assert.deepEqual(exec, { id: ID, task: 'tk', source: 's2', ddls: [DDL], exec: true, done: false });
    assert.ok(exec);
    // The keeper's own write echoes back: nothing new.
    assert.deepEqual(k.putOperation(exec), []);
    const skips = ops(k.putOperation(done(exec)));
    assert.deepEqual(skips.map((o) => [o.source, o.exec]).sort(), [
      ['s1', false],
      ['s3', false],
    ]);
    assert.deepEqual(k.putOperation(done(skips[0] as PessimismOperation)), []);
    const last = k.putOperation(done(skips[1] as PessimismOperation));
    assert.deepEqual(last, [
      { kind: 'delete-lock', id: ID, task: 'tk', sources: ['s2', 's1', 's3'], infos: false },
    ]);
    assert.deepEqual(k.list(), []);
  });

  it('answers a source with different DDLs with a conflict operation (DM 38016) and keeps the lock', () => {
    const k = new PessimismKeeper();
    k.putInfo(info('s1'), SOURCES);
    const [c] = ops(k.putInfo(info('s2', ['ALTER TABLE `db`.`t` ADD COLUMN d INT']), SOURCES));
    assert.equal(c?.source, 's2');
    assert.match(String(c?.conflictMsg), /is different with/);
    assert.deepEqual(k.list()[0]?.synced, ['s1']);
  });

  it('rebuilds from etcd: an exec operation names the owner, done sources count as synced', () => {
    const k = new PessimismKeeper();
    // s1 (owner) executed and deleted its info; s2's info is there, its skip not sent yet.
    const actions = k.restore(
      [info('s2')],
      [{ id: ID, task: 'tk', source: 's1', ddls: [DDL], exec: true, done: true }],
      () => ['s1', 's2'],
    );
    assert.deepEqual(ops(actions), [
      { id: ID, task: 'tk', source: 's2', ddls: [DDL], exec: false, done: false },
    ]);
    assert.equal(k.list()[0]?.owner, 's1');
  });

  it('rebuild with every source synced and no operation yet sends the exec again', () => {
    const k = new PessimismKeeper();
    const a = k.restore([info('s1'), info('s2')], [], () => ['s1', 's2']);
    assert.deepEqual(
      ops(a).map((o) => [o.source, o.exec]),
      [['s1', true]],
    );
  });

  it('unlock: a new owner executes without the unsynced sources; force-remove deletes', () => {
    const k = new PessimismKeeper();
    k.putInfo(info('s1'), SOURCES);
    k.putInfo(info('s2'), SOURCES);
    assert.equal(k.unlock(ID, { owner: 's3' }), undefined, 'an unsynced source cannot own it');
    const [exec] = ops(k.unlock(ID, { owner: 's2' }) ?? []);
    assert.deepEqual([exec?.source, exec?.exec], ['s2', true]);
    const [skip] = ops(k.putOperation(done(exec as PessimismOperation)));
    assert.deepEqual([skip?.source, skip?.exec], ['s1', false]);
    assert.equal(k.putOperation(done(skip as PessimismOperation))[0]?.kind, 'delete-lock');

    const k2 = new PessimismKeeper();
    k2.putInfo(info('s1'), SOURCES);
    assert.deepEqual(k2.unlock(ID, { forceRemove: true }), [
      { kind: 'delete-lock', id: ID, task: 'tk', sources: ['s1', 's2', 's3'], infos: true },
    ]);
    assert.equal(k2.unlock(ID, {}), undefined);
  });

  it('unlock --action skip: the owner skips too', () => {
    const k = new PessimismKeeper();
    k.putInfo(info('s1'), SOURCES);
    assert.deepEqual(
      ops(k.unlock(ID, { action: 'skip' }) ?? []).map((o) => o.exec),
      [false],
    );
  });

  it('parses DM lock IDs', () => {
    assert.deepEqual(parseLockTarget('tk-`db`.`t`', 'tk'), ['db', 't']);
    assert.deepEqual(parseLockTarget('a-b-`d``b`.`t.x`', 'a-b'), ['d`b', 't.x']);
    assert.deepEqual(parseLockTarget('garbage', 'tk'), []);
  });

  it('a source reporting its next DDL before the others finished this lock waits for the next lock', () => {
    const k = new PessimismKeeper();
    const NEXT = 'ALTER TABLE `db`.`t` ADD COLUMN d INT';
    k.putInfo(info('s1'), ['s1', 's2']);
    const [exec] = ops(k.putInfo(info('s2'), ['s1', 's2']));
    const [skip] = ops(k.putOperation(done(exec as PessimismOperation)));
    // s1 (owner, done) already reports its next DDL: not a conflict, queued.
    assert.deepEqual(k.putInfo(info('s1', [NEXT]), ['s1', 's2']), []);
    const after = k.putOperation(done(skip as PessimismOperation));
    assert.equal(after[0]?.kind, 'delete-lock');
    assert.deepEqual(k.list()[0]?.DDLs, [NEXT]);
    assert.deepEqual(k.list()[0]?.synced, ['s1']);
  });

  it("rebuild: operations of the lock in progress, and a done source's next DDL queued", () => {
    const k = new PessimismKeeper();
    const NEXT = 'ALTER TABLE `db`.`t` ADD COLUMN d INT';
    const a = k.restore(
      [info('s2'), info('s1', [NEXT])],
      [
        { id: ID, task: 'tk', source: 's1', ddls: [DDL], exec: true, done: true },
        { id: ID, task: 'tk', source: 's2', ddls: [DDL], exec: false, done: false },
      ],
      () => ['s1', 's2'],
    );
    assert.deepEqual(a, []);
    assert.deepEqual(k.list()[0]?.DDLs, [DDL]);
    const after = k.putOperation({ id: ID, task: 'tk', source: 's2', ddls: [DDL], exec: false, done: true });
    assert.equal(after[0]?.kind, 'delete-lock');
    assert.deepEqual(k.list()[0]?.DDLs, [NEXT]);
    assert.deepEqual(k.list()[0]?.unsynced, ['s2']);
  });
});
