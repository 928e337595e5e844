import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readBinlogFile } from '../../../src/pkg/binlog/file-reader.js';
import type { PositionedEvent } from '../../../src/pkg/binlog/types.js';
import { silentLogger } from '../../../src/pkg/log/logger.js';
import { readIndex } from '../../../src/relay/relay-layout.js';
import { RelayReader } from '../../../src/relay/relay-reader.js';
import { Relay } from '../../../src/relay/relay-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { startMariadb, tempDir } from '../../harness/index.js';
import { binlogs, mariadbBinlog, masterPos, sourceFor, waitFor, writeLoad } from './helpers.js';

let db: MariadbInstance;

before(async () => {
  db = await startMariadb();
  await db.query(
    'CREATE DATABASE r1; CREATE TABLE r1.t (id INT PRIMARY KEY, v VARCHAR(100), b VARBINARY(100))',
  );
});
/** Relay runs still going: a failed assertion must not leave one reconnecting forever (the file would never exit). */
const running: AbortController[] = [];
after(async () => {
  for (const ac of running) ac.abort();
  await db?.destroy();
});

/** Run a Relay unit in the background; returns a stopper. */
async function runRelay(relay: Relay): Promise<{ stop: () => Promise<void>; done: Promise<unknown> }> {
  await relay.init();
  const ac = new AbortController();
  running.push(ac);
  const done = relay.process(ac.signal);
  return {
    done,
    stop: async () => {
      ac.abort();
      const r = await done;
      await relay.close();
      assert.deepEqual((r as { errors: unknown[] }).errors, []);
    },
  };
}

async function caughtUp(relay: Relay): Promise<boolean> {
  const m = await masterPos(db);
  const s = relay.status();
  return s.relayBinlog === `(${m.file}, ${m.pos})`;
}

describe('relay from pos 4 under a write load', () => {
  it('copies every upstream file byte for byte, mariadb-binlog reads the copies, a reader sees each event once', async () => {
    const relayDir = join(tempDir('dm-relay-copy-'), 'relay');
    const first = (await binlogs(db))[0]!;
    const relay = new Relay({
      source: sourceFor(db, relayDir, { relayBinlogName: first }),
      deps: { logger: silentLogger, workDir: relayDir },
    });
    const run = await runRelay(relay);
    await waitFor('relay index', () => readIndex(relayDir).length === 1);

    // A reader tailing the relay while it is written.
    const seen: PositionedEvent[] = [];
    const rac = new AbortController();
    running.push(rac);
    const reader = new RelayReader({ relayDir, start: { file: first, pos: 4 }, pollMs: 20 });
    const reading = (async () => {
      for await (const ev of reader.events(rac.signal)) seen.push({ ...ev, raw: Buffer.alloc(0) });
    })();

    let id = 0;
    for (let round = 0; round < 3; round++) {
      id += await writeLoad(db, 'r1', 150, id);
      await db.query('FLUSH BINARY LOGS');
    }
    await db.query('INSERT INTO r1.t VALUES (100000, "after last flush", NULL)');
    await waitFor('relay to catch up', () => caughtUp(relay));
    const sub = readIndex(relayDir)[0]!.name;

    // 1. Byte identity for every upstream file (the active one included, up to its end).
    const files = await binlogs(db);
    assert.ok(files.length >= 4);
    for (const f of files) {
      const up = readFileSync(join(db.dataDir, f));
      const mine = readFileSync(join(relayDir, sub, f));
      assert.equal(mine.length, up.length, `${f} size`);
      assert.ok(
        mine.equals(up),
        `${f} bytes differ first at offset ${firstDiff(mine, up)}: mine ${mine[firstDiff(mine, up)]} up ${up[firstDiff(mine, up)]}`,
      );
      const mb = await mariadbBinlog(join(relayDir, sub, f));
      assert.equal(mb.code, 0, mb.err);
    }

    // 3. The reader saw every event of every file exactly once, in order.
    await waitFor('reader to catch up', () => {
      const last = seen[seen.length - 1];
      return (
        !!last &&
        last.file === files[files.length - 1] &&
        last.nextPos === readFileSync(join(db.dataDir, last.file)).length
      );
    });
    const expected: string[] = [];
    for (const f of files) {
      for await (const ev of readBinlogFile(join(db.dataDir, f)))
        expected.push(`${ev.file}:${ev.pos}:${ev.event.type}`);
    }
    // MariaDB appends a BINLOG_CHECKPOINT after commits on its own time: the upstream file may
    // have grown by one after the wait above; give the relay and reader time to deliver it.
    await waitFor('reader to see every upstream event', () => seen.length >= expected.length);
    rac.abort();
    await reading;
    assert.deepEqual(
      seen.slice(0, expected.length).map((e) => `${e.file}:${e.pos}:${e.event.type}`),
      expected,
    );
    const rows = seen.filter((e) => e.event.type === 'write_rows').length;
    assert.equal(rows, 451);

    const st = relay.status();
    assert.equal(st.relaySubDir, sub);
    assert.equal(st.stage, 'Running');
    await run.stop();
  });
});

function firstDiff(a: Buffer, b: Buffer): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return Math.min(a.length, b.length);
}
