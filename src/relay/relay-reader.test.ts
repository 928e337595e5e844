import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildEvent } from '../pkg/binlog/test-events.js';
import type { PositionedEvent } from '../pkg/binlog/types.js';
import { E, isDmError } from '../pkg/errors/index.js';
import { BINLOG_MAGIC, dummyEvent, EventType } from './event-frame.js';
import { RelayReader } from './relay-reader.js';
import { syntheticFde } from './test-bytes.js';

const root = mkdtempSync(join(tmpdir(), 'dm-relay-reader-'));
after(() => rmSync(root, { recursive: true, force: true }));
const SUB = 'uuid-1.000001';

/** A relay dir with bin.000001 = magic + FDE + `events` (each [size] dummy events). */
function relayDir(name: string, sizes: number[]): { dir: string; file: string; ends: number[] } {
  const dir = join(root, name);
  mkdirSync(join(dir, SUB), { recursive: true });
  writeFileSync(join(dir, 'server-uuid.index'), `${SUB}\n`);
  const fde = syntheticFde();
  let pos = 4 + fde.length;
  const parts = [BINLOG_MAGIC, fde];
  const ends = [pos];
  for (const s of sizes) {
    pos += s;
    parts.push(dummyEvent(s, pos, 1, true));
    ends.push(pos);
  }
  const file = join(dir, SUB, 'bin.000001');
  writeFileSync(file, Buffer.concat(parts));
  return { dir, file, ends };
}

/** Reads events until `n` arrived (or 2 s passed), leaving the reader running. */
async function take(it: AsyncGenerator<PositionedEvent>, n: number): Promise<PositionedEvent[]> {
  const out: PositionedEvent[] = [];
  while (out.length < n) {
    const r = await Promise.race([
      it.next(),
      new Promise<'timeout'>((res) => setTimeout(res, 2000, 'timeout')),
    ]);
    if (r === 'timeout' || r.done) break;
    out.push(r.value);
  }
  return out;
}

/** Whether another event arrives within `ms` (it must not: no partial event is yielded). */
async function nothingWithin(
  it: AsyncGenerator<PositionedEvent>,
  ms: number,
): Promise<{ next: Promise<IteratorResult<PositionedEvent>> }> {
  const next = it.next();
  const r = await Promise.race([next, new Promise<'quiet'>((res) => setTimeout(res, ms, 'quiet'))]);
  assert.equal(r, 'quiet', 'an event was yielded before it was complete');
  return { next }; // wrapped: an async function would wait for a returned promise
}

describe('RelayReader: what a consumer restarting at its checkpoint reads again', () => {
  it('tails the file: complete events only, each once, positions equal to the upstream', async () => {
    const r = relayDir('tail', [100, 100]);
    const ctl = new AbortController();
    const it = new RelayReader({ relayDir: r.dir, start: { file: 'bin.000001', pos: 4 }, pollMs: 10 }).events(
      ctl.signal,
    );
    const first = await take(it, 3);
    assert.deepEqual(
      first.map((e) => [e.event.type, e.pos, e.nextPos]),
      [
        ['format_description', 4, r.ends[0]],
        ['user_var', r.ends[0], r.ends[1]],
        ['user_var', r.ends[1], r.ends[2]],
      ],
    );
    // The writer has written half of the next event: nothing yet.
    const end2 = r.ends[2] ?? 0;
    const third = dummyEvent(120, end2 + 120, 1, true);
    appendFileSync(r.file, third.subarray(0, 50));
    const pending = await nothingWithin(it, 100);
    appendFileSync(r.file, third.subarray(50));
    const got = await pending.next;
    assert.deepEqual([got.value.pos, got.value.nextPos], [end2, end2 + 120]);
    ctl.abort();
    await it.return(undefined);
  });

  it('a restart at a checkpointed position reads from exactly there (the FDE primes, is not yielded)', async () => {
    const r = relayDir('resume', [100, 100, 100]);
    const ctl = new AbortController();
    const from = r.ends[2] ?? 0;
    const it = new RelayReader({
      relayDir: r.dir,
      start: { file: 'bin.000001', pos: from },
      pollMs: 10,
    }).events(ctl.signal);
    const got = await take(it, 1);
    assert.deepEqual(
      got.map((e) => [e.event.type, e.pos]),
      [['user_var', from]],
    );
    await nothingWithin(it, 50);
    ctl.abort();
    await it.return(undefined);
  });

  it('follows a ROTATE into the next file', async () => {
    const r = relayDir('rotate', [100]);
    const end1 = r.ends[1] ?? 0;
    const body = Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('bin.000002')]);
    appendFileSync(r.file, buildEvent(EventType.ROTATE, body, { logPos: end1 + 19 + body.length + 4 }));
    const fde = syntheticFde();
    const next = 4 + fde.length;
    writeFileSync(
      join(r.dir, SUB, 'bin.000002'),
      Buffer.concat([BINLOG_MAGIC, fde, dummyEvent(90, next + 90, 1, true)]),
    );
    const ctl = new AbortController();
    const it = new RelayReader({
      relayDir: r.dir,
      start: { file: 'bin.000001', pos: end1 },
      pollMs: 10,
    }).events(ctl.signal);
    const got = await take(it, 3);
    assert.deepEqual(
      got.map((e) => [e.event.type, e.file, e.pos]),
      [
        ['rotate', 'bin.000001', end1],
        ['format_description', 'bin.000002', 4],
        ['user_var', 'bin.000002', next],
      ],
    );
    ctl.abort();
    await it.return(undefined);
  });

  it('a start file already purged (older than every file) is an error, not a silent skip', async () => {
    const r = relayDir('purged', [100]);
    writeFileSync(join(r.dir, SUB, 'bin.000003'), Buffer.concat([BINLOG_MAGIC, syntheticFde()]));
    const it = new RelayReader({ relayDir: r.dir, start: { file: 'bin.000000', pos: 4 } }).events(
      new AbortController().signal,
    );
    await assert.rejects(it.next(), (e) => isDmError(e, E.relayNotFound));
  });

  it('batches: one read yields several events in one array; order and positions as one by one', async () => {
    const sizes = Array.from({ length: 20 }, (_, i) => 40 + i * 7);
    const r = relayDir('batches', sizes);
    const expected = [
      ['format_description', 4, r.ends[0]],
      ...sizes.map((_, i) => ['user_var', r.ends[i], r.ends[i + 1]]),
    ];
    for (const max of [512, 3]) {
      const ctl = new AbortController();
      const reader = new RelayReader({ relayDir: r.dir, start: { file: 'bin.000001', pos: 4 }, pollMs: 10 });
      const it = reader.batches(ctl.signal, max);
      const batches: PositionedEvent[][] = [];
      let n = 0;
      while (n < expected.length) {
        const b = await it.next();
        assert.ok(!b.done);
        batches.push(b.value);
        n += b.value.length;
      }
      assert.ok(batches.every((b) => b.length > 0 && b.length <= max));
      assert.ok(
        batches.some((b) => b.length > 1),
        'every event came alone',
      );
      if (max === 512) assert.equal(batches.length, 1, 'one read, one array');
      assert.deepEqual(
        batches.flat().map((e) => [e.event.type, e.pos, e.nextPos]),
        expected,
      );
      assert.equal(reader.position.pos, r.ends[sizes.length]);
      ctl.abort();
      await it.return(undefined);
    }
  });
});
