import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BINLOG_MAGIC, crcOk, dummyEvent, fillHole, scanEvents } from './event-frame.js';
import { recoverRelayFile } from './relay-recovery.js';
import { syntheticFde } from './test-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'dm-relay-rec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** magic + FDE + n dummy events of `size` bytes; returns the bytes and event end offsets. */
function file(n: number, size = 100): { bytes: Buffer; ends: number[] } {
  const fde = syntheticFde();
  const parts = [BINLOG_MAGIC, fde];
  let pos = 4 + fde.length;
  const ends = [pos];
  for (let i = 0; i < n; i++) {
    pos += size;
    parts.push(dummyEvent(size, pos, 1, true));
    ends.push(pos);
  }
  return { bytes: Buffer.concat(parts), ends };
}

describe('event frames', () => {
  it('dummy events carry a valid CRC and the requested size', () => {
    const d = dummyEvent(64, 1000, 7, true);
    assert.equal(d.length, 64);
    assert.ok(crcOk(d));
    d[30] = (d[30] ?? 0) ^ 1;
    assert.ok(!crcOk(d));
  });

  it('fillHole covers the gap exactly with scannable events', () => {
    for (const gap of [29, 64, 1000, (1 << 20) + 10, (3 << 20) + 5]) {
      const evs = fillHole(500, 500 + gap, 1, true);
      const buf = Buffer.concat(evs);
      assert.equal(buf.length, gap);
      const r = scanEvents(buf, 500, 500, true);
      assert.equal(r.end, 500 + gap);
      assert.equal(r.torn, undefined);
      assert.equal(r.events, evs.length);
    }
  });
});

describe('recoverRelayFile', () => {
  it('keeps a clean file as it is', async () => {
    const { bytes } = file(5);
    const p = join(dir, 'clean.000001');
    writeFileSync(p, bytes);
    const r = await recoverRelayFile(p);
    assert.equal(r.cutBytes, 0);
    assert.equal(r.size, bytes.length);
    assert.ok(r.crc && r.hasFde);
  });

  it('cuts an incomplete last event', async () => {
    const { bytes, ends } = file(5);
    const p = join(dir, 'torn.000001');
    writeFileSync(p, bytes.subarray(0, bytes.length - 37));
    const r = await recoverRelayFile(p);
    assert.equal(r.size, ends[4]);
    assert.equal(r.torn, 'incomplete');
    assert.equal(statSync(p).size, ends[4]);
    assert.deepEqual(readFileSync(p), bytes.subarray(0, ends[4]));
  });

  it('cuts a last event whose CRC is wrong (torn page), also when the meta hint points before it', async () => {
    const { bytes, ends } = file(5);
    const bad = Buffer.from(bytes);
    bad[ends[4]! + 40] = (bad[ends[4]! + 40] ?? 0) ^ 0xff;
    const p = join(dir, 'badcrc.000001');
    writeFileSync(p, bad);
    const r = await recoverRelayFile(p, ends[2]);
    assert.equal(r.torn, 'bad-crc');
    assert.equal(r.size, ends[4]);
    assert.equal(statSync(p).size, ends[4]);
  });

  it('cuts a header fragment and ignores a hint that is not an event boundary', async () => {
    const { bytes, ends } = file(3);
    const p = join(dir, 'frag.000001');
    writeFileSync(p, Buffer.concat([bytes, Buffer.from([1, 2, 3, 4, 5])]));
    const r = await recoverRelayFile(p, ends[1]! + 3);
    assert.equal(r.size, bytes.length);
    assert.equal(r.cutBytes, 5);
  });

  it('reduces a file torn inside its FDE to the magic', async () => {
    const { bytes } = file(0);
    const p = join(dir, 'fde.000001');
    writeFileSync(p, bytes.subarray(0, 30));
    const r = await recoverRelayFile(p);
    assert.equal(r.size, 4);
    assert.equal(r.hasFde, false);
  });

  it('scans across chunk boundaries (a file larger than the 4 MiB read chunk)', async () => {
    const { bytes, ends } = file(700, 9000);
    const p = join(dir, 'big.000001');
    writeFileSync(p, bytes.subarray(0, bytes.length - 1));
    const r = await recoverRelayFile(p);
    assert.equal(r.size, ends[699]);
  });

  it('rejects a file that is not a binlog', async () => {
    const p = join(dir, 'junk.000001');
    writeFileSync(p, Buffer.from('hello world, not a binlog'));
    await assert.rejects(recoverRelayFile(p), /magic/);
  });
});
