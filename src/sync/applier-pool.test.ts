import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../pkg/log/logger.js';
import { ApplierPool } from './applier-pool.js';
import { changeKeys } from './causality.js';
import { CheckpointStore } from './checkpoint.js';
import type { DmlJob, Location } from './job.js';
import { loc, plainCfg, ScriptedDownstream, trackerWithTables } from './test-plain.js';

const tracker = trackerWithTables();
let seq = 0;

/** An insert of (a, b) into db.<table> from the ROWS event at [pos, end). */
function job(table: 'k' | 'nk', a: number, pos: number, end: number, safe = false): DmlJob {
  const t = tracker.get('db', table);
  assert.ok(t);
  const name = { schema: 'db', table };
  const change = { type: 'insert' as const, source: name, target: name, table: t, after: [a, a * 10] };
  return {
    seq: ++seq,
    change,
    keys: changeKeys(change),
    eventPos: loc(pos),
    eventEnd: loc(end),
    safe,
    noKey: table === 'nk',
  };
}

function setup(down: ScriptedDownstream, workerCount = 1, backlog?: () => boolean, fillWaitMs?: number) {
  const log: string[] = [];
  const applied: DmlJob[][] = [];
  const pool = new ApplierPool({
    cfg: plainCfg({ workerCount, batch: 100 }),
    backlog,
    fillWaitMs,
    store: new CheckpointStore('dm_meta', 't', 's1'),
    logger: silentLogger,
    io: () => down,
    beforeCommit: async (end: Location) => {
      log.push(`horizon ${end.pos} (committed ${down.committed.length})`);
    },
    onApplied: (jobs) => {
      log.push(`applied ${jobs.map((j) => j.seq).join(',')} (committed ${down.committed.length})`);
      applied.push(jobs);
    },
  });
  return { pool, log, applied };
}

describe('ApplierPool: what is committed, and when the applied position may move', () => {
  it('persists the exit-safe horizon before each commit and reports a batch only after it', async () => {
    const down = new ScriptedDownstream();
    const { pool, log } = setup(down);
    const failed: string[] = [];
    const runs = pool.start(() => failed.push('failed'));
    const j1 = job('k', 1, 100, 200);
    const j2 = job('k', 2, 200, 300);
    assert.equal(pool.dispatch(j1), undefined, 'room in the queue: no promise');
    assert.equal(pool.dispatch(j2), undefined);
    assert.equal(pool.lowestPending(), j1.seq, 'nothing applied yet: the position may not pass j1');
    await pool.drain();
    assert.equal(pool.lowestPending(), Number.POSITIVE_INFINITY);
    assert.ok(pool.idle);
    assert.equal(down.committed.length, 1, 'one transaction for the two changes');
    assert.deepEqual(log, [`horizon 300 (committed 0)`, `applied ${j1.seq},${j2.seq} (committed 1)`]);
    pool.stop();
    await runs;
    assert.deepEqual(failed, []);
  });

  it('writes a keyless table checkpoint in the same transaction as its rows', async () => {
    const down = new ScriptedDownstream();
    const { pool } = setup(down);
    const runs = pool.start(() => undefined);
    // Both queued before the applier wakes: one transaction.
    await Promise.all([pool.dispatch(job('nk', 1, 100, 200)), pool.dispatch(job('nk', 2, 200, 300))]);
    await pool.drain();
    pool.stop();
    await runs;
    assert.equal(down.committed.length, 1);
    const batch = down.committed[0] ?? '';
    assert.match(batch, /^BEGIN;INSERT INTO `db`\.`nk`/);
    assert.match(batch, /_syncer_checkpoint.*'db', 'nk', 'bin\.000001', 300, '\{\}', 0\)/s);
    assert.match(batch, /;COMMIT$/);
  });

  it('replay after a lost COMMIT: keyless rows covered by their checkpoint are not re-applied, keyed rows are, in safe mode', async () => {
    const down = new ScriptedDownstream();
    const { pool, applied } = setup(down);
    const runs = pool.start(() => undefined);
    down.failNext = 'lost-after-commit';
    // What the lost transaction wrote: the keyless table's checkpoint at the batch end.
    down.tableCheckpoints = [{ cp_schema: 'db', cp_table: 'nk', binlog_name: 'bin.000001', binlog_pos: 300 }];
    const keyed = job('k', 7, 100, 200);
    const keyless = job('nk', 8, 200, 300);
    await Promise.all([pool.dispatch(keyed), pool.dispatch(keyless)]);
    await pool.drain();
    pool.stop();
    await runs;
    assert.equal(pool.firstError(), undefined);
    assert.equal(down.committed.length, 2, 'the lost batch, then the retry');
    const retry = down.committed[1] ?? '';
    assert.doesNotMatch(retry, /`nk`/, 'the keyless insert is not applied twice');
    assert.match(retry, /^BEGIN;REPLACE INTO `db`\.`k`/, 'the keyed change replays idempotently');
    assert.deepEqual(
      applied.flat().map((j) => j.seq),
      [keyed.seq, keyless.seq],
      'both count as applied once, after the retry',
    );
  });

  it('a failed batch is never reported applied: the position stays before it', async () => {
    const down = new ScriptedDownstream();
    const { pool, applied } = setup(down);
    const failed: string[] = [];
    const runs = pool.start(() => failed.push('failed'));
    down.failNext = 'fail';
    const j = job('k', 1, 100, 200);
    await pool.dispatch(j);
    await assert.rejects(pool.drain(), /execute downstream statement failed at binlog \(bin\.000001, 100\)/);
    await runs;
    assert.deepEqual(failed, ['failed']);
    assert.deepEqual(applied, []);
    assert.equal(down.committed.length, 0);
    assert.ok(pool.firstError());
    assert.equal(pool.lowestPending(), j.seq, 'the failed job is still pending');
  });

  it('changes of one row stay on one applier in binlog order; distinct rows spread', async () => {
    const down = new ScriptedDownstream();
    const { pool, applied } = setup(down, 4);
    const runs = pool.start(() => undefined);
    const a1 = job('k', 1, 100, 200);
    const b = job('k', 2, 200, 300);
    const a2 = { ...job('k', 1, 300, 400), keys: a1.keys };
    for (const j of [a1, b, a2]) await pool.dispatch(j);
    await pool.drain();
    pool.stop();
    await runs;
    const order = applied.flat().map((j) => j.seq);
    assert.ok(order.indexOf(a1.seq) < order.indexOf(a2.seq), 'same row: in binlog order');
    assert.equal(down.committed.length >= 1, true);
  });

  it('while catching up, a short batch waits for more jobs; a drain ends the wait at once', async () => {
    const down = new ScriptedDownstream();
    const { pool, applied } = setup(down, 1, () => true, 10_000);
    const runs = pool.start(() => undefined);
    await pool.dispatch(job('k', 1, 100, 200));
    // Arrives after the applier woke for the first job, during its fill wait.
    await new Promise((r) => setTimeout(r, 20));
    await pool.dispatch(job('k', 2, 200, 300));
    const t0 = performance.now();
    await pool.drain();
    assert.ok(performance.now() - t0 < 5_000, 'the drain did not wait out the 10 s fill');
    assert.deepEqual(
      applied.map((b) => b.length),
      [2],
      'one transaction for both',
    );
    pool.stop();
    await runs;
  });
});
