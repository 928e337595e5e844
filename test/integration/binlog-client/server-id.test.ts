import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BinlogClient, type BinlogClientOptions } from '../../../src/pkg/binlog/binlog-client.js';
import type { PositionedEvent } from '../../../src/pkg/binlog/types.js';
import { DmError, E } from '../../../src/pkg/errors/index.js';
import type { MariadbInstance } from '../../harness/index.js';
import { startMariadb } from '../../harness/index.js';
import { chainProblem, collect, dmUserOptions, masterStatus, writtenIds } from './helpers.js';

/**
 * Readers of one upstream need distinct replica server ids: the server kills the older dump
 * of two with the same id (MariaDB error 4052). A client without a given id picks a free one
 * and, evicted anyway, reconnects under a fresh one; a client with a given id reports it.
 */
describe('BinlogClient server ids', () => {
  let db: MariadbInstance;
  let base: Omit<BinlogClientOptions, 'start'>;

  before(async () => {
    db = await startMariadb();
    base = dmUserOptions(db);
    await db.query('CREATE DATABASE sid');
  });
  after(async () => {
    await db?.destroy();
  });

  async function slaveHostIds(): Promise<number[]> {
    const rows = await db.query<{ Server_id: number }>('SHOW SLAVE HOSTS');
    return rows.map((r) => Number(r.Server_id)).sort();
  }

  const sawId = (table: string, id: number) => (e: PositionedEvent) =>
    e.event.type === 'write_rows' && e.event.table === table && e.event.rows.some((r) => Number(r[0]) === id);

  it('two clients without an id stream side by side under distinct free ids', async () => {
    await db.query('CREATE TABLE sid.t1 (id INT PRIMARY KEY)');
    const at = await masterStatus(db);
    const a = new BinlogClient({ ...base, start: { file: at.file, pos: at.pos } });
    const b = new BinlogClient({ ...base, start: { file: at.file, pos: at.pos } });
    let registered: number[] = [];
    const both = Promise.all([
      collect(a, sawId('t1', 40)),
      collect(b, sawId('t1', 40), {
        onEvent: async (e) => {
          if (sawId('t1', 20)(e) && registered.length === 0) registered = await slaveHostIds();
        },
      }),
    ]);
    for (let i = 1; i <= 40; i++) await db.query(`INSERT INTO sid.t1 VALUES (${i})`);
    const [ea, eb] = await both;
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    assert.deepEqual(writtenIds(ea, 't1'), ids);
    assert.deepEqual(writtenIds(eb, 't1'), ids);
    assert.equal(chainProblem(ea), '');
    assert.equal(chainProblem(eb), '');
    assert.notEqual(a.serverId, 0);
    assert.notEqual(a.serverId, b.serverId);
    const own = Number((await db.query<{ id: number }>('SELECT @@server_id AS id'))[0]?.id);
    assert.ok(a.serverId !== own && b.serverId !== own);
    assert.ok(registered.includes(a.serverId) || registered.includes(b.serverId), `${registered}`);
  });

  it('a picked id never equals a registered replica or a reserved id', async () => {
    await db.query('CREATE TABLE sid.t2 (id INT PRIMARY KEY)');
    const at = await masterStatus(db);
    // Hold one registration open (fixed id) and reserve another.
    const holder = new BinlogClient({ ...base, serverId: 4242, start: { file: at.file, pos: at.pos } });
    const held = collect(holder, sawId('t2', 1));
    await waitFor(async () => (await slaveHostIds()).includes(4242));
    const c = new BinlogClient({ ...base, reservedServerIds: [777], start: { file: at.file, pos: at.pos } });
    const seen = collect(c, sawId('t2', 1));
    await db.query('INSERT INTO sid.t2 VALUES (1)');
    await Promise.all([held, seen]);
    assert.ok(![4242, 777].includes(c.serverId));
  });

  it('a client without an id that another replica evicts reconnects under a fresh id, losing nothing', async () => {
    await db.query('CREATE TABLE sid.t3 (id INT PRIMARY KEY)');
    const at = await masterStatus(db);
    const victim = new BinlogClient({ ...base, start: { file: at.file, pos: at.pos } });
    let firstId = 0;
    let intruder: Promise<unknown> | undefined;
    const intruderAc = new AbortController();
    const events = collect(victim, sawId('t3', 60), {
      onEvent: async (e) => {
        if (firstId === 0 && sawId('t3', 30)(e)) {
          firstId = victim.serverId;
          // Another reader registers with the victim's id: the server kills the victim's dump.
          const other = new BinlogClient({
            ...base,
            serverId: firstId,
            start: { file: at.file, pos: at.pos },
          });
          intruder = (async () => {
            for await (const _ of other.events(intruderAc.signal)) {
              /* keep the registration alive */
            }
          })();
          await waitFor(async () => (await slaveHostIds()).filter((id) => id === firstId).length > 0);
        }
      },
    });
    for (let i = 1; i <= 30; i++) await db.query(`INSERT INTO sid.t3 VALUES (${i})`);
    await waitFor(async () => firstId !== 0 && victim.serverId !== firstId);
    for (let i = 31; i <= 60; i++) await db.query(`INSERT INTO sid.t3 VALUES (${i})`);
    const ev = await events;
    intruderAc.abort();
    await intruder;
    assert.notEqual(victim.serverId, firstId);
    assert.deepEqual(
      writtenIds(ev, 't3'),
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    assert.equal(chainProblem(ev), '');
  });

  it('a client with a given id that another replica evicts fails with binlogDumpFailed', async () => {
    const at = await masterStatus(db);
    const victim = new BinlogClient({ ...base, serverId: 5151, start: { file: at.file, pos: at.pos } });
    const ac = new AbortController();
    const failed = (async () => {
      for await (const _ of victim.events(ac.signal)) {
        /* wait for the eviction */
      }
    })();
    await waitFor(async () => (await slaveHostIds()).includes(5151));
    const intruderAc = new AbortController();
    const other = new BinlogClient({ ...base, serverId: 5151, start: { file: at.file, pos: at.pos } });
    const intruder = (async () => {
      for await (const _ of other.events(intruderAc.signal)) {
        /* keep the registration alive */
      }
    })();
    await assert.rejects(failed, (err: unknown) => {
      assert.ok(err instanceof DmError);
      assert.equal(err.code, E.binlogDumpFailed.code);
      assert.match(err.message, /server-id 5151/);
      return true;
    });
    intruderAc.abort();
    ac.abort();
    await intruder;
  });
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
