import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { BinlogClient, type BinlogClientOptions } from '../../../src/pkg/binlog/binlog-client.js';
import type { PositionedEvent } from '../../../src/pkg/binlog/types.js';
import type { MariadbInstance } from '../../harness/index.js';
import { startMariadb } from '../../harness/index.js';
import { chainProblem, collect, dmUserOptions, masterStatus, writtenIds } from './helpers.js';

/** A pino logger whose records land in `records` (to see reconnects happen). */
function captureLogger(records: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      records.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return pino({ level: 'info' }, sink);
}

async function insertRange(db: MariadbInstance, table: string, from: number, to: number): Promise<void> {
  const c = await db.connect();
  try {
    for (let i = from; i <= to; i++) await c.query(`INSERT INTO rc.${table} VALUES (?, ?)`, [i, `v${i}`]);
  } finally {
    await c.end();
  }
}

async function serverIds(db: MariadbInstance, table: string): Promise<number[]> {
  const rows = await db.query<{ id: number }>(`SELECT id FROM rc.${table} ORDER BY id`);
  return rows.map((r) => Number(r.id));
}

async function killDumpThreads(db: MariadbInstance): Promise<number> {
  const ids = await db.query<{ ID: number }>(
    "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'",
  );
  for (const { ID } of ids) await db.query(`KILL ${Number(ID)}`);
  return ids.length;
}

/** True once a write_rows event of `table` carrying `id` has been seen. */
const sawId = (table: string, id: number) => (e: PositionedEvent) =>
  e.event.type === 'write_rows' && e.event.table === table && e.event.rows.some((r) => Number(r[0]) === id);

describe('BinlogClient reconnects and resumes exactly', () => {
  let db: MariadbInstance;
  let base: Omit<BinlogClientOptions, 'start'>;
  let n = 0;

  before(async () => {
    db = await startMariadb();
    base = { ...dmUserOptions(db), serverId: 1_005_000 + (process.pid % 1000) };
    await db.query('CREATE DATABASE rc');
  });
  after(async () => {
    await db?.destroy();
  });

  /**
   * Insert 1..50, disrupt the upstream once row 50 was streamed, insert 51..100, and check
   * every row was seen exactly once and the (file, pos) chain has no gap or repeat.
   */
  async function scenario(
    disrupt: () => Promise<void>,
    start: 'position' | 'gtid',
  ): Promise<{ events: PositionedEvent[]; logs: Record<string, unknown>[] }> {
    const table = `t${++n}`;
    await db.query(`CREATE TABLE rc.${table} (id INT PRIMARY KEY, v VARCHAR(20))`);
    const at = await masterStatus(db);
    const logs: Record<string, unknown>[] = [];
    const client = new BinlogClient({
      ...base,
      logger: captureLogger(logs),
      start: start === 'gtid' ? { gtid: at.gtid } : { file: at.file, pos: at.pos },
    });
    const writer = insertRange(db, table, 1, 50);
    let disrupted = false;
    const events = await collect(client, sawId(table, 100), {
      onEvent: async (e) => {
        if (!disrupted && sawId(table, 50)(e)) {
          disrupted = true;
          await writer;
          await disrupt();
          await insertRange(db, table, 51, 100);
        }
      },
    });
    assert.ok(
      logs.some((l) => l.msg === 'binlog connection lost; reconnecting'),
      'the client should have lost its connection',
    );
    assert.deepEqual(writtenIds(events, table), await serverIds(db, table));
    assert.equal(writtenIds(events, table).length, 100);
    assert.equal(chainProblem(events), '');
    return { events, logs };
  }

  it('survives a graceful restart (stop/start, same port)', async () => {
    await scenario(async () => {
      await db.stop();
      await db.start();
    }, 'position');
  });

  it('survives kill -9 of the server', async () => {
    await scenario(async () => {
      await db.kill9();
      await db.start();
    }, 'position');
  });

  it('survives KILL of its binlog dump thread (by position)', async () => {
    await scenario(async () => {
      assert.equal(await killDumpThreads(db), 1);
    }, 'position');
  });

  it('survives KILL of its binlog dump thread and a restart (by GTID)', async () => {
    await scenario(async () => {
      assert.equal(await killDumpThreads(db), 1);
    }, 'gtid');
    await scenario(async () => {
      await db.kill9();
      await db.start();
    }, 'gtid');
  });

  for (const mode of ['position', 'gtid'] as const) {
    it(`resumes inside a big transaction cut by KILL (by ${mode})`, async () => {
      const table = `big_${mode}`;
      await db.query(`CREATE TABLE rc.${table} (id INT PRIMARY KEY, v VARCHAR(200))`);
      const at = await masterStatus(db);
      const logs: Record<string, unknown>[] = [];
      const client = new BinlogClient({
        ...base,
        logger: captureLogger(logs),
        // Small buffers so the server is still sending the transaction when we cut it.
        highWaterBytes: 16 * 1024,
        start: mode === 'gtid' ? { gtid: at.gtid } : { file: at.file, pos: at.pos },
      });
      const rows = 60_000;
      await db.query(`INSERT INTO rc.${table} SELECT seq, REPEAT('x', 150) FROM rc.seq_1_to_${rows}`);
      const end = await masterStatus(db);
      let trxStart = -1;
      let killed = false;
      let lostAt: number | undefined;
      const events = await collect(client, (e) => e.file === end.file && e.nextPos >= end.pos, {
        onEvent: async (e) => {
          if (trxStart < 0 && e.event.type === 'mariadb_gtid') trxStart = e.pos;
          if (!killed && e.event.type === 'write_rows') {
            killed = true;
            await killDumpThreads(db);
          }
          const lost = logs.find((l) => l.msg === 'binlog connection lost; reconnecting');
          if (lost && lostAt === undefined) lostAt = Number(lost.pos);
        },
      });
      assert.ok(lostAt !== undefined, 'the client should have lost its connection');
      assert.ok(lostAt > trxStart && lostAt < end.pos, `cut at ${lostAt}, not inside the transaction`);
      const ids = writtenIds(events, table);
      assert.equal(ids.length, rows);
      assert.deepEqual(ids, await serverIds(db, table));
      assert.equal(chainProblem(events), '');
    });
  }
});
