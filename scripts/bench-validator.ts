/**
 * `npm run bench:validator` — what the continuous validator costs replication (issue 13: never
 * below 90% of the speed without it), through the real programs: `bin/dm-master` +
 * `bin/dm-worker` driven by `bin/dmctl`.
 *
 * Setup: one upstream with the sysbench tables, copied with mariadb-dump to two downstreams;
 * one source and two `task-mode: incremental` tasks from the copy's binlog position with DM's
 * default syncer settings, alike but for the validator: `boff` (no validator) into downstream
 * A, `bfull` (`validators: mode: full`, worker-count 4) into downstream B. Both tasks run in the
 * same dm-worker.
 *
 * Each round (the bench-incremental.ts method): both downstreams held by a `FLUSH TABLES WITH
 * READ LOCK` session; a sysbench `oltp_write_only --threads=4` burst of BENCH_SECONDS; a marker
 * row upstream; then each side released in turn (`UNLOCK TABLES`) and timed until the marker
 * is visible downstream, the other still held, so the two never compete for the machine. The
 * order alternates between rounds; when the validator's side went first, its deferred checks
 * must be done before the other side is released, and before the next round the validator must
 * have no pending rows left. Prints rows/s of each side, the CPU seconds the dm-worker and that
 * downstream spent during each catch-up (less sensitive to other load on a shared machine than
 * wall time), and the median ratios with/without; checks the three databases by CHECKSUM
 * TABLE + COUNT(*) and that the validator found no error rows.
 *
 * Env: BENCH_VALIDATOR (the second task's mode: full, fast, or none for a control run that shows
 * how much the two downstream servers differ alone), BENCH_ROWS (rows per sysbench table,
 * 100000; 4 tables), BENCH_SECONDS (burst, 30),
 * BENCH_ROUNDS (3), BENCH_CPU_PROF (a directory: the dm-worker writes its CPU profile there).
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { dmctl, subtaskStatus, waitUntil } from '../test/harness/cluster.js';
import type { MariadbInstance } from '../test/harness/mariadb.js';
import {
  allSeen,
  type BenchCluster,
  catchUpSize,
  checkEqual,
  copyUpstream,
  cpuOf,
  type Held,
  hold,
  median,
  type Pos,
  say,
  serverPid,
  settle,
  sh,
  startBenchCluster,
  startThree,
  sysbench,
  sysbenchRowChanges,
  taskHead,
} from './bench-common.js';

const { rows: ROWS, seconds: SECONDS, rounds: ROUNDS } = catchUpSize();
/**
 * The validator mode of the second task (BENCH_VALIDATOR, default full). `none` is the control
 * run: two tasks alike, so the ratio shows what the two downstream servers differ by alone.
 */
const MODE = process.env.BENCH_VALIDATOR ?? 'full';
const CONTROL = MODE === 'none';

/** One side's catch-up: wall seconds and the CPU seconds of the dm-worker and of its downstream. */
interface Side {
  s: number;
  cpu: number;
  worker: number;
  down: number;
  /** What the downstream did meanwhile (statement and InnoDB row counters). */
  work: string;
}

/** Statement and row counters of a server (SHOW GLOBAL STATUS), to tell what its CPU went to. */
async function serverCounts(db: MariadbInstance): Promise<Record<string, number>> {
  const rows = await db.query<{ Variable_name: string; Value: string }>(
    `SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_select', 'Com_insert', 'Com_update', 'Com_delete', 'Com_replace', 'Com_commit', 'Innodb_rows_read', 'Innodb_rows_inserted', 'Innodb_rows_updated', 'Innodb_rows_deleted')`,
  );
  return Object.fromEntries(
    rows.map((r) => [r.Variable_name.replace(/^Innodb_rows_/, 'rows_'), Number(r.Value)]),
  );
}

function cpuText(x: Side): string {
  return `${x.cpu.toFixed(1)} CPU-s: dm-worker ${x.worker.toFixed(1)} + downstream ${x.down.toFixed(1)}`;
}

function taskYaml(name: string, down: MariadbInstance, start: Pos, validator: boolean): string {
  return `${taskHead(name, 'incremental', down)}${validator ? '    validator-config-name: "v"\n' : ''}    meta:
      binlog-name: "${start.file}"
      binlog-pos: ${start.pos}
block-allow-list:
  bal:
    do-dbs: ["sbtest", "bench"]
${validator ? `validators:\n  v:\n    mode: ${MODE}\n    worker-count: 4\n` : ''}`;
}

interface Validation {
  stage?: string;
  processedRowsStatus?: string;
  pendingRowsStatus?: string;
  errorRowsStatus?: string;
}

async function validation(ctl: string): Promise<Validation | undefined> {
  return (await subtaskStatus(ctl, 'bfull'))?.validation as Validation | undefined;
}

async function main(): Promise<void> {
  const [up, a, b] = await startThree(71);
  let cl: BenchCluster | undefined;
  try {
    const start = await copyUpstream(up, [a, b], ROWS);

    cl = await startBenchCluster(up, 'bv');
    const { ctl, dir } = cl;
    for (const [name, down, v] of [
      ['boff', a, false],
      ['bfull', b, true],
    ] as const) {
      writeFileSync(join(dir, `${name}.yaml`), taskYaml(name, down, start, v));
      const st = await dmctl(ctl, 'start-task', join(dir, `${name}.yaml`));
      if (st.json.result !== true) throw new Error(`start-task ${name}: ${st.stdout}`);
      await waitUntil(
        async () => (await subtaskStatus(ctl, name))?.unit === 'Sync',
        120_000,
        `${name} in Sync`,
      );
    }
    if (!CONTROL) {
      await waitUntil(async () => (await validation(ctl))?.stage === 'Running', 60_000, 'validator Running');
    }
    // Both tasks leave the start-up safe-mode window (DM's default: 2 × checkpoint-flush-interval
    // = 60 s) before the first burst: otherwise the side released first replays in safe mode
    // (REPLACE) and the other partly not, and round 1 compares two different apply modes.
    const safeModeEnds = Date.now() + 62_000;

    let marker = 0;
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const workerPid = Number(cl.worker.child.pid);
    const [pidA, pidB] = await Promise.all([serverPid(a), serverPid(b)]);
    const noPending = 'insert/update/delete: 0/0/0';
    for (let round = 0; round < ROUNDS; round++) {
      await allSeen(up, [a, b], ++marker);
      if (round === 0) await delay(Math.max(0, safeModeEnds - Date.now() - SECONDS * 1000));
      await waitUntil(
        async () => CONTROL || (await validation(ctl))?.pendingRowsStatus === noPending,
        120_000,
        'validator without pending rows',
      );
      const holdA = await hold(a, () => marker);
      const holdB = await hold(b, () => marker);
      const out = await sysbench(up, 'run', ROWS, SECONDS);
      const changes = sysbenchRowChanges(out);
      ++marker;
      await up.query('INSERT INTO bench.marker VALUES (?, ?)', [marker, Date.now()]);
      await settle(up);
      // Wall seconds until the marker is seen, and the CPU seconds the dm-worker and that
      // downstream spent meanwhile (the other task is held: the worker's CPU is this task's).
      const release = async (h: Held, pid: number, db: MariadbInstance): Promise<Side> => {
        const st0 = await serverCounts(db);
        const w0 = cpuOf(workerPid);
        const d0 = cpuOf(pid);
        const s = await h.release();
        const worker = cpuOf(workerPid) - w0;
        const down = cpuOf(pid) - d0;
        const st1 = await serverCounts(db);
        const work = Object.keys(st1)
          .map((k) => `${k} ${(st1[k] ?? 0) - (st0[k] ?? 0)}`)
          .join(', ');
        return { s, cpu: worker + down, worker, down, work };
      };
      let off: Side;
      let full: Side;
      if (round % 2 === 0) {
        off = await release(holdA, pidA, a);
        await settle(a);
        full = await release(holdB, pidB, b);
      } else {
        full = await release(holdB, pidB, b);
        // The validator's deferred checks run now: let them finish before the other side goes.
        await waitUntil(
          async () => CONTROL || (await validation(ctl))?.pendingRowsStatus === noPending,
          120_000,
          'validator without pending rows',
        );
        await settle(b);
        off = await release(holdA, pidA, a);
      }
      // Speed with the validator relative to without: time without / time with.
      const ratio = off.s / full.s;
      ratios.push(ratio);
      cpuRatios.push(off.cpu / full.cpu);
      say(`  downstream work, validators off: ${off.work}`);
      say(`  downstream work, mode full: ${full.work}`);
      say(
        `round ${round + 1} (${round % 2 === 0 ? 'off first' : 'full first'}): ${changes} row changes; validators off ${off.s.toFixed(1)} s (${(changes / off.s).toFixed(0)} rows/s, ${cpuText(off)}), mode full ${full.s.toFixed(1)} s (${(changes / full.s).toFixed(0)} rows/s, ${cpuText(full)}); full/off speed ${ratio.toFixed(2)}, by CPU ${(off.cpu / full.cpu).toFixed(2)}; load ${(await sh('cut -d" " -f1-3 /proc/loadavg')).trim()}`,
      );
    }
    await waitUntil(
      async () => CONTROL || (await validation(ctl))?.pendingRowsStatus === noPending,
      120_000,
      'validator without pending rows',
    );
    await checkEqual(
      up,
      [
        ['validators off', a],
        ['mode full', b],
      ],
      ['sbtest', 'bench'],
    );
    say(`\ndata: upstream and both downstreams equal by CHECKSUM TABLE + COUNT(*)`);
    if (CONTROL) say('control run (BENCH_VALIDATOR=none): both tasks without a validator');
    else {
      const v = await validation(ctl);
      say(`validator: ${v?.processedRowsStatus} processed, ${v?.errorRowsStatus} error rows`);
    }
    say(
      `validator overhead: speed with mode full / without, median of ${ROUNDS}: ${median(ratios).toFixed(2)} (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')}; target ≥ 0.90); by CPU-s (dm-worker + downstream) ${median(cpuRatios).toFixed(2)} (rounds ${cpuRatios.map((r) => r.toFixed(2)).join(', ')})`,
    );
    // The side released first tends to be slower (a control run without validator work showed
    // it): rounds alternate, so with an odd count one order has one more round. The geometric
    // mean of the two orders' means cancels that.
    const byOrder = [0, 1].map((o) => ratios.filter((_, i) => i % 2 === o));
    if (byOrder[0]!.length > 0 && byOrder[1]!.length > 0) {
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const balanced = Math.sqrt(mean(byOrder[0]!) * mean(byOrder[1]!));
      say(
        `order-balanced: ${balanced.toFixed(2)} (off first ${byOrder[0]!.map((r) => r.toFixed(2)).join(', ')}; full first ${byOrder[1]!.map((r) => r.toFixed(2)).join(', ')})`,
      );
    }
    say(`load: ${(await sh('uptime')).trim()}`);
  } finally {
    await cl?.worker.stop();
    await cl?.master.stop();
    await Promise.all([up.destroy(), a.destroy(), b.destroy()]);
  }
}

await main();
