import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BinlogClient, type BinlogClientOptions } from '../../../src/pkg/binlog/binlog-client.js';
import { isDmError } from '../../../src/pkg/errors/dm-error.js';
import { E } from '../../../src/pkg/errors/index.js';
import type { MariadbInstance } from '../../harness/index.js';
import { startMariadb } from '../../harness/index.js';
import { chainProblem, collect, isArtificial, masterStatus, summary, writtenIds } from './helpers.js';

describe('BinlogClient against a real MariaDB', () => {
  let db: MariadbInstance;
  let opts: Omit<BinlogClientOptions, 'start'>;

  before(async () => {
    db = await startMariadb();
    opts = {
      host: db.host,
      port: db.port,
      user: 'dm',
      password: 'dmpass',
      serverId: 1_004_000 + (process.pid % 1000),
    };
    await db.query('CREATE DATABASE bc; CREATE TABLE bc.t (id INT PRIMARY KEY, v VARCHAR(64), b BLOB)');
  });
  after(async () => {
    await db?.destroy();
  });

  it('streams from pos 4 while rows are inserted; real events are byte-identical to the file', async () => {
    const client = new BinlogClient({ ...opts, start: { file: 'mariadb-bin.000001', pos: 4 } });
    const writer = (async () => {
      const c = await db.connect();
      try {
        for (let i = 1; i <= 300; i += 3) {
          await c.query('INSERT INTO bc.t VALUES (?, ?, REPEAT("x", ?)), (?, "b", NULL), (?, "c", "")', [
            i,
            `row ${i}`,
            i * 10,
            i + 1,
            i + 2,
          ]);
        }
        await c.query('UPDATE bc.t SET v = "u" WHERE id < 50');
        await c.query('FLUSH BINARY LOGS');
      } finally {
        await c.end();
      }
    })();
    // `location` is after the event in hand, not after events the client read ahead.
    const behind: string[] = [];
    const events = await collect(
      client,
      (e) => e.event.type === 'rotate' && !e.event.fake && e.file === 'mariadb-bin.000001',
      {
        onEvent: (e) => {
          const at = client.location;
          const want =
            e.event.type === 'rotate'
              ? { file: e.event.nextFile, pos: e.event.position }
              : { file: e.file, pos: e.nextPos };
          if (at.file !== want.file || at.pos !== want.pos)
            behind.push(`${e.event.type}@${e.file}:${e.pos} → ${at.file}:${at.pos}`);
        },
      },
    );
    await writer;
    assert.deepEqual(behind.slice(0, 5), []);
    assert.equal(client.flavor, 'mariadb');
    assert.match(client.serverUuid, /^0-\d+$/);
    // The first events: the fake rotate naming the file, then the real FDE at 4.
    assert.equal(events[0]?.event.type, 'rotate');
    assert.ok(events[0]?.event.type === 'rotate' && events[0].event.fake);
    assert.deepEqual([events[1]?.event.type, events[1]?.pos], ['format_description', 4], summary(events));
    assert.equal(chainProblem(events), '');
    assert.deepEqual(
      writtenIds(events, 't'),
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    const file = readFileSync(join(db.dataDir, 'mariadb-bin.000001'));
    const streamed = Buffer.concat(events.filter((e) => !isArtificial(e)).map((e) => e.raw));
    assert.equal(streamed.length, file.length - 4);
    assert.ok(streamed.equals(file.subarray(4)), 'streamed bytes differ from the binlog file');
    assert.deepEqual(client.location.file, 'mariadb-bin.000002');
    assert.deepEqual(client.location.pos, 4);
  });

  it('nonBlocking ends at the current end of the binlog', async () => {
    await db.query('INSERT INTO bc.t VALUES (1000, "nb", NULL)');
    const end = await masterStatus(db);
    const client = new BinlogClient({ ...opts, start: { file: end.file, pos: 4 }, nonBlocking: true });
    const events = await collect(client, () => false, { timeoutMs: 20_000 });
    const last = events.at(-1)!;
    assert.equal(last.file, end.file);
    assert.equal(last.nextPos, end.pos);
    assert.deepEqual(writtenIds(events, 't'), [1000]);
    assert.deepEqual(client.location, { file: end.file, pos: end.pos, gtid: end.gtid });
  });

  it('starting mid-file, the artificial FDE gets pos = nextPos = the start position', async () => {
    const mid = await masterStatus(db);
    await db.query('INSERT INTO bc.t VALUES (1001, "mid", NULL)');
    const client = new BinlogClient({ ...opts, start: { file: mid.file, pos: mid.pos }, nonBlocking: true });
    const events = await collect(client, () => false, { timeoutMs: 20_000 });
    assert.deepEqual(
      events.slice(0, 2).map((e) => [e.event.type, e.pos, e.nextPos, e.event.header.logPos]),
      [
        ['rotate', mid.pos, mid.pos, 0],
        ['format_description', mid.pos, mid.pos, 0],
      ],
    );
    assert.equal(events[2]?.pos, mid.pos);
    assert.equal(chainProblem(events), '');
    assert.deepEqual(writtenIds(events, 't'), [1001]);
  });

  it('starts from a MariaDB GTID: the first row event is the next transaction', async () => {
    await db.query('CREATE TABLE bc.g (id INT PRIMARY KEY)');
    let middle = '';
    for (let i = 1; i <= 10; i++) {
      await db.query('INSERT INTO bc.g VALUES (?)', [i]);
      if (i === 5) middle = (await masterStatus(db)).gtid;
    }
    const client = new BinlogClient({ ...opts, start: { gtid: middle }, nonBlocking: true });
    const events = await collect(client, () => false, { timeoutMs: 20_000 });
    assert.deepEqual(writtenIds(events, 'g'), [6, 7, 8, 9, 10]);
    const firstRows = events.find((e) => e.event.type === 'write_rows');
    assert.ok(firstRows?.event.type === 'write_rows' && firstRows.event.table === 'g');
    const [d, s, n] = middle.split('-');
    assert.equal(client.location.gtid, `${d}-${s}-${Number(n) + 5}`);
    // The server skips what precedes the start GTID (after the file's header events) and says
    // so with an artificial GTID_LIST carrying the position it skipped to.
    const firstGtid = events.findIndex((e) => e.event.type === 'mariadb_gtid');
    assert.equal(
      events[firstGtid]?.event.type === 'mariadb_gtid' && events[firstGtid].event.seqNo,
      String(Number(n) + 1),
    );
    const fakeList = events[firstGtid - 1];
    assert.equal(fakeList?.event.type, 'mariadb_gtid_list');
    assert.equal(fakeList?.nextPos, events[firstGtid]?.pos);
    // Before it, while skipping, the server still sends events outside transactions (binlog
    // checkpoints): gaps are expected there.
    assert.equal(chainProblem(events.slice(firstGtid - 1)), '');
  });

  it('reports a wrong password as E.authFailed without hanging or retrying', async () => {
    const t0 = Date.now();
    const client = new BinlogClient({
      ...opts,
      password: 'wrong',
      start: { file: 'mariadb-bin.000001', pos: 4 },
    });
    await assert.rejects(
      collect(client, () => true),
      (e) => isDmError(e, E.authFailed),
    );
    assert.ok(Date.now() - t0 < 5000);
  });

  it('reports a missing binlog file (error 1236) as E.binlogPurged, not retried', async () => {
    const t0 = Date.now();
    const client = new BinlogClient({ ...opts, start: { file: 'mariadb-bin.999999', pos: 4 } });
    await assert.rejects(
      collect(client, () => true),
      (e) => isDmError(e, E.binlogPurged),
    );
    assert.ok(Date.now() - t0 < 5000);
  });

  it('sends heartbeats when idle', async () => {
    const end = await masterStatus(db);
    const client = new BinlogClient({ ...opts, start: { file: end.file, pos: end.pos }, heartbeatMs: 200 });
    const t0 = Date.now();
    const events = await collect(
      client,
      (_e, all) => all.filter((x) => x.event.type === 'heartbeat').length >= 3,
      {
        timeoutMs: 10_000,
      },
    );
    assert.ok(Date.now() - t0 < 5000, 'three heartbeats at 200 ms should take well under 5 s');
    const hb = events.find((e) => e.event.type === 'heartbeat');
    assert.ok(hb?.event.type === 'heartbeat');
    assert.equal(hb.event.logIdent, end.file);
    assert.equal(hb.file, end.file);
  });

  it('ends quietly and promptly when the signal aborts while waiting for events', async () => {
    const end = await masterStatus(db);
    const client = new BinlogClient({ ...opts, start: { file: end.file, pos: end.pos } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const t0 = Date.now();
    let n = 0;
    for await (const _ of client.events(ac.signal)) n++;
    assert.ok(n >= 2, 'the fake rotate and FDE arrive first');
    assert.ok(Date.now() - t0 < 2000);
  });

  it('propagates a decode error (corrupt event checksum) out of events(), without retrying', async () => {
    await db.query('FLUSH BINARY LOGS');
    const { file } = await masterStatus(db);
    await db.query('INSERT INTO bc.t VALUES (2000, "corrupt me", NULL)');
    await db.query('FLUSH BINARY LOGS');
    // Find the row event with an independent scan of the closed file and flip a body byte.
    const path = join(db.dataDir, file);
    const bytes = readFileSync(path);
    let off = 4;
    let target = -1;
    while (off < bytes.length) {
      const size = bytes.readUInt32LE(off + 9);
      if (bytes[off + 4] === 0x17 || bytes[off + 4] === 0x1e) target = off + 19 + 8;
      off += size;
    }
    assert.ok(target > 0, 'no rows event in the file');
    bytes[target] = bytes[target]! ^ 0xff;
    writeFileSync(path, bytes);
    const t0 = Date.now();
    const client = new BinlogClient({ ...opts, start: { file, pos: 4 } });
    await assert.rejects(
      collect(client, () => false, { timeoutMs: 20_000 }),
      (e) => isDmError(e, E.binlogChecksumMismatch),
    );
    assert.ok(Date.now() - t0 < 5000);
  });
});
