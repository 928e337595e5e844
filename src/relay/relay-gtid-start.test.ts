import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BINLOG_MAGIC, EventType } from '../pkg/binlog/event-type.js';
import { buildEvent, buildFde } from '../pkg/binlog/test-events.js';
import type { PositionedEvent } from '../pkg/binlog/types.js';
import { relayEventsAfterGtid } from './relay-gtid-start.js';

/** Synthetic MariaDB relay files: FDE, GTID_LIST, then (GTID, XID) per transaction. */
function gtidList(seq: number | undefined): Buffer {
  const b = Buffer.alloc(4 + (seq === undefined ? 0 : 16));
  if (seq !== undefined) {
    b.writeUInt32LE(1, 0);
    b.writeUInt32LE(0, 4); // domain
    b.writeUInt32LE(1, 8); // server
    b.writeBigUInt64LE(BigInt(seq), 12);
  }
  return buildEvent(EventType.MARIADB_GTID_LIST, b);
}
function trx(seq: number): Buffer[] {
  const g = Buffer.alloc(19);
  g.writeBigUInt64LE(BigInt(seq), 0);
  return [buildEvent(EventType.MARIADB_GTID, g), buildEvent(EventType.XID, Buffer.alloc(8))];
}
function file(listSeq: number | undefined, seqs: number[]): Buffer {
  return Buffer.concat([BINLOG_MAGIC, buildFde({ alg: 1 }), gtidList(listSeq), ...seqs.flatMap(trx)]);
}

async function relayDir(): Promise<{ dir: string; sub: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'dm-gtid-start-'));
  const sub = 'uuid-1.000001';
  mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'server-uuid.index'), `${sub}\n`);
  return { dir, sub };
}

/** The first event after `gtid` that is a GTID event, with its file and position. */
async function firstGtid(dir: string, gtid: string, ms = 5000): Promise<PositionedEvent | undefined> {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), ms);
  try {
    for await (const pe of relayEventsAfterGtid(
      { relayDir: dir, gtid, flavor: 'mariadb', pollMs: 10 },
      ac.signal,
    )) {
      if (pe.event.type === 'mariadb_gtid') return pe;
    }
    return undefined;
  } finally {
    clearTimeout(t);
    ac.abort();
  }
}

describe('relayEventsAfterGtid', () => {
  it('starts at the first transaction after the set, in the newest file whose list it contains', async () => {
    const { dir, sub } = await relayDir();
    writeFileSync(join(dir, sub, 'bin.000001'), file(undefined, [1, 2, 3]));
    appendFileSync(
      join(dir, sub, 'bin.000001'),
      buildEvent(EventType.ROTATE, Buffer.from('\x04\0\0\0\0\0\0\0bin.000002')),
    );
    writeFileSync(join(dir, sub, 'bin.000002'), file(3, [4, 5, 6]));
    let pe = await firstGtid(dir, '0-1-4');
    assert.equal(pe?.file, 'bin.000002');
    assert.equal(pe?.event.type === 'mariadb_gtid' && pe.event.gtid, '0-1-5');
    pe = await firstGtid(dir, '0-1-1');
    assert.equal(pe?.file, 'bin.000001');
    assert.equal(pe?.event.type === 'mariadb_gtid' && pe.event.gtid, '0-1-2');
    // All of file 1 applied: the next transaction is the first of file 2.
    pe = await firstGtid(dir, '0-1-3');
    assert.equal(pe?.event.type === 'mariadb_gtid' && pe.event.gtid, '0-1-4');
  });

  it('waits for transactions the relay has not written yet, through a file created empty', async () => {
    const { dir, sub } = await relayDir();
    writeFileSync(join(dir, sub, 'bin.000001'), file(undefined, [1, 2]));
    // The writer creates the next file before writing its magic.
    writeFileSync(join(dir, sub, 'bin.000002'), Buffer.alloc(0));
    const pending = firstGtid(dir, '0-1-3');
    await new Promise((r) => setTimeout(r, 200));
    appendFileSync(join(dir, sub, 'bin.000002'), file(2, [3, 4]));
    const pe = await pending;
    assert.equal(pe?.file, 'bin.000002');
    assert.equal(pe?.event.type === 'mariadb_gtid' && pe.event.gtid, '0-1-4');
  });

  it('fails when the relay starts after the set (it lacks transactions)', async () => {
    const { dir, sub } = await relayDir();
    writeFileSync(join(dir, sub, 'bin.000005'), file(10, [11, 12]));
    await assert.rejects(firstGtid(dir, '0-1-3'), /starts after GTID set 0-1-3/);
  });
});
