import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readIndex } from '../../../src/relay/relay-layout.js';
import type { MariadbInstance } from '../../harness/index.js';
import { killChild, startMariadb, stopChild, tempDir, trackChild } from '../../harness/index.js';
import { binlogSettled, binlogs, mariadbBinlog, masterPos, waitFor, writeLoad } from './helpers.js';

let db: MariadbInstance;

before(async () => {
  db = await startMariadb();
  await db.query(
    'CREATE DATABASE rc; CREATE TABLE rc.t (id INT PRIMARY KEY, v VARCHAR(100), b VARBINARY(100))',
  );
});
after(async () => {
  await db?.destroy();
});

/** The runner fixture: compiled JS beside this file under dist, else the TS source via tsx. */
function spawnRunner(relayDir: string, startFile: string): ChildProcess {
  const here = fileURLToPath(import.meta.url);
  const ext = here.endsWith('.ts') ? 'ts' : 'js';
  const runner = join(dirname(here), '..', '..', 'fixtures', `relay-runner.${ext}`);
  const args = ext === 'ts' ? ['--import', 'tsx', runner] : [runner];
  args.push('--port', String(db.port), '--relay-dir', relayDir, '--start-file', startFile);
  const child = trackChild(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] }));
  // trackChild unrefs it; we wait for its exit after SIGKILL, so keep the loop alive meanwhile.
  child.ref();
  return child;
}

function relayBytes(relayDir: string): number {
  const sub = readIndex(relayDir)[0];
  if (!sub) return 0;
  let n = 0;
  for (const f of ['mariadb-bin.000001', 'mariadb-bin.000002', 'mariadb-bin.000003', 'mariadb-bin.000004']) {
    const p = join(relayDir, sub.name, f);
    if (existsSync(p)) n += statSync(p).size;
  }
  return n;
}

describe('relay writer killed with SIGKILL mid-stream', () => {
  it('resumes after each kill and ends byte-identical to upstream', async () => {
    const relayDir = join(tempDir('dm-relay-crash-'), 'relay');
    const first = (await binlogs(db))[0]!;
    // A load round (then a rotation) during each runner's life, so every runner has new
    // events to copy before it is killed (a load running free of the kills could end before a
    // later runner starts, leaving it nothing to make progress on).
    let rows = 0;
    let killed = 0;
    for (let i = 0; i < 3; i++) {
      const child = spawnRunner(relayDir, first);
      const before = relayBytes(relayDir);
      const round = writeLoad(db, 'rc', 250, rows).then(async (n) => {
        await db.query('FLUSH BINARY LOGS');
        return n;
      });
      try {
        await waitFor('relay progress', () => relayBytes(relayDir) > before + 20_000, 60_000);
      } finally {
        // Also on a failed wait: a live runner would keep this test process running.
        await killChild(child);
      }
      killed++;
      rows += await round;
    }
    assert.equal(rows, 750);
    const child = spawnRunner(relayDir, first);
    try {
      const sub = () => readIndex(relayDir)[0]!.name;
      // The last rotation's Binlog_checkpoint is written by a background thread: the current
      // file can grow by it (45 bytes) after SHOW MASTER STATUS, so wait for it first.
      await binlogSettled(db);
      await waitFor(
        'relay to catch up',
        async () => {
          const m = await masterPos(db);
          const p = join(relayDir, sub(), m.file);
          return existsSync(p) && statSync(p).size === m.pos;
        },
        60_000,
      );
      const files = await binlogs(db);
      assert.equal(readIndex(relayDir).length, 1, 'one sub-dir: same upstream');
      for (const f of files) {
        const up = readFileSync(join(db.dataDir, f));
        const mine = readFileSync(join(relayDir, sub(), f));
        assert.equal(mine.length, up.length, `${f} size`);
        if (!mine.equals(up)) {
          let at = 0;
          while (at < up.length && mine[at] === up[at]) at++;
          assert.fail(
            `${f} differs first at offset ${at}: relay ${mine.subarray(at, at + 8).toString('hex')} upstream ${up.subarray(at, at + 8).toString('hex')}`,
          );
        }
        const mb = await mariadbBinlog(join(relayDir, sub(), f));
        assert.equal(mb.code, 0, mb.err);
      }
      assert.equal(killed, 3);
    } finally {
      await stopChild(child, 10_000);
    }
  });
});
