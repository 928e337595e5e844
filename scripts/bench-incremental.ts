/**
 * `npm run bench:incremental` — binlog catch-up as users run it: `bin/dm-master` +
 * `bin/dm-worker` driven by `bin/dmctl`, against a native MariaDB parallel replica applying the
 * same binlog on the same machine (DESIGN.md §8).
 *
 * Setup: an upstream with ROW binlog, downstream A (ours) and B (the native replica), the
 * sysbench tables copied to both with mariadb-dump. Ours: one source, a task in
 * `task-mode: incremental` from the copy's binlog position with the DEFAULT syncer settings (DM's,
 * except `multiple-rows` and `compact`, on by default here; `BENCH_SYNCER="multiple-rows: false,compact: false"` for DM's)
 * (worker-count 16, batch 100; `checkpoint-flush-interval` as BENCH_FLUSH, default DM's 30).
 * Native: `slave_parallel_threads=BENCH_SLAVE_THREADS` (default 4), `slave_parallel_mode=optimistic`.
 *
 * Each round: both downstreams held back the same way, by a `FLUSH TABLES WITH READ LOCK`
 * session on each (our appliers and the replica's SQL thread wait; reading the binlog goes on
 * until our bounded queues are full — no pause/resume, so no restart and no start-up safe
 * mode on our side); a sysbench `oltp_write_only --threads=4` burst of BENCH_SECONDS; a marker
 * row written upstream; once both sides have fetched the binlog (the replica's IO thread;
 * with relay on, our relay), each side is released in turn (`UNLOCK TABLES`) and timed until
 * the marker is visible downstream (polled every 50 ms, the same way for both; then
 * `query-status` must say synced). The order alternates between rounds; the median ratio is reported.
 * Then the lag (bench-lag.ts): both sides live, sysbench at half the saturating write rate
 * (the fastest burst's tx/s, when the downstreams were held and the upstream ran alone), the
 * p50/p99/max of a 50 ms heartbeat's lag on each side. The whole run is done with relay off,
 * then again with relay on (`start-relay`). The three databases are compared by CHECKSUM
 * TABLE + COUNT(*) at the end.
 *
 * Env: BENCH_ROWS (rows per sysbench table, 100000; 4 tables), BENCH_SECONDS (burst, 30),
 * BENCH_ROUNDS (3), BENCH_SLAVE_THREADS (4), BENCH_FLUSH (checkpoint-flush-interval, 30),
 * BENCH_SYNCER (extra syncer keys, comma separated), BENCH_RELAY ("off,on": which relay
 * settings to measure, in that order), BENCH_LAG_SECONDS (lag phase, 30; 0 skips it),
 * BENCH_LAG_RATE (tx/s of the lag phase instead of half the fastest burst's),
 * BENCH_CPU_PROF (dir: the dm-worker runs under the CPU profiler), BENCH_TRACE=1 (while the
 * sides are released, sample our downstream's commits, its busy sessions' states, the
 * upstream's binlog dump state and the dm-worker's CPU every 250 ms, and print the samples of
 * a round in which ours took over 1.5× the replica: to see where a slow round waits; the
 * sampling queries run on our side's servers, so it is off by default).
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dmctl, subtaskStatus, waitUntil } from '../test/harness/cluster.js';
import type { MariadbInstance } from '../test/harness/mariadb.js';
import {
  allSeen,
  type BenchCluster,
  binlogBytes,
  catchUpSize,
  checkEqual,
  copyUpstream,
  cpuOf,
  envNum,
  hold,
  masterPos,
  median,
  releaseInTurn,
  type Side,
  say,
  serverPid,
  settle,
  startBenchCluster,
  startThree,
  sysbench,
  sysbenchRowChanges,
  taskHead,
} from './bench-common.js';
import { createHeartbeat, measureLag } from './bench-lag.js';

const { rows: ROWS, seconds: SECONDS, rounds: ROUNDS } = catchUpSize();
const SLAVE_THREADS = envNum('BENCH_SLAVE_THREADS', 4);
const FLUSH = envNum('BENCH_FLUSH', 30);
const LAG_SECONDS = envNum('BENCH_LAG_SECONDS', 30);
const LAG_RATE = envNum('BENCH_LAG_RATE', 0);
/** Extra `syncers.defaults` keys for experiments, e.g. "multiple-rows: false,compact: false" (default none: our defaults). */
const SYNCER_EXTRA = (process.env.BENCH_SYNCER ?? '')
  .split(',')
  .filter(Boolean)
  .map((kv) => `    ${kv.trim()}\n`)
  .join('');
const RELAY = (process.env.BENCH_RELAY ?? 'off,on').split(',').map((s) => s.trim() === 'on');

/** Downstream counters printed per round (what our statements cost the target). */
const STATUS_KEYS = [
  'Com_insert',
  'Com_replace',
  'Com_update',
  'Com_delete',
  'Com_commit',
  'Handler_write',
  'Handler_update',
  'Handler_delete',
  'Handler_read_key',
  // Waits a catch-up can stall on without using CPU (redo log full, no free page).
  'Innodb_log_waits',
  'Innodb_buffer_pool_wait_free',
  'Innodb_data_fsyncs',
];

async function statusOf(db: MariadbInstance): Promise<Record<string, number>> {
  const rows = await db.query<{ Variable_name: string; Value: string }>('SHOW GLOBAL STATUS');
  return Object.fromEntries(rows.map((r) => [r.Variable_name, Number(r.Value)]));
}

const TRACE = process.env.BENCH_TRACE === '1';

/** One 250 ms sample of where our side is (BENCH_TRACE). */
interface TraceSample {
  t: number;
  commits: number;
  cpu: number;
  down: string;
  dump: string;
}

/** States of the non-idle sessions of `db` (besides this one), counted: "state ×n, …". */
async function busyStates(db: MariadbInstance, only?: RegExp): Promise<string> {
  const rows = await db.query<{ Id: number; Command: string; State: string | null; Info: string | null }>(
    'SELECT ID AS Id, COMMAND AS Command, STATE AS State, INFO AS Info FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()',
  );
  const n = new Map<string, number>();
  for (const r of rows) {
    if (r.Command === 'Sleep' || r.Command === 'Daemon') continue;
    if (only && !only.test(r.Command)) continue;
    const k = `${r.Command}/${r.State ?? ''}`;
    n.set(k, (n.get(k) ?? 0) + 1);
  }
  return [...n].map(([k, c]) => `${k} ×${c}`).join(', ') || '-';
}

/** Sample our side every 250 ms until the returned stop() is called. */
function startTrace(
  down: MariadbInstance,
  up: MariadbInstance,
  workerPid: number,
): () => Promise<TraceSample[]> {
  const out: TraceSample[] = [];
  const t0 = Date.now();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const st = await down.query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Com_commit'");
      out.push({
        t: (Date.now() - t0) / 1000,
        commits: Number(st[0]?.Value ?? 0),
        cpu: cpuOf(workerPid),
        down: await busyStates(down),
        dump: await busyStates(up, /Binlog Dump/),
      });
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return out;
  };
}

/** The samples as lines: time, commits and worker CPU since the previous one, the states. */
function traceLines(samples: TraceSample[]): string[] {
  return samples.slice(1).map((s, i) => {
    const p = samples[i] as TraceSample;
    return `  ${s.t.toFixed(2)} s: +${s.commits - p.commits} commits, worker +${(s.cpu - p.cpu).toFixed(2)} CPU-s; downstream: ${s.down}; upstream dump: ${s.dump}`;
  });
}

async function main(): Promise<void> {
  const [up, a, b] = await startThree(61);
  let cl: BenchCluster | undefined;
  try {
    const start = await copyUpstream(up, [a, b], ROWS);
    say(
      `native replica: slave_parallel_threads=${SLAVE_THREADS}, slave_parallel_mode=optimistic; ours: default syncer settings (worker-count 16, batch 100, multiple-rows on, compact on), checkpoint-flush-interval ${FLUSH}${SYNCER_EXTRA ? `, plus ${SYNCER_EXTRA.trim().replace(/\s*\n\s*/g, ', ')}` : ''}`,
    );
    await b.query(
      `SET GLOBAL slave_parallel_threads=${SLAVE_THREADS}; SET GLOBAL slave_parallel_mode='optimistic';` +
        `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${up.port}, MASTER_USER='root', MASTER_PASSWORD='',` +
        ` MASTER_LOG_FILE='${start.file}', MASTER_LOG_POS=${start.pos}; START SLAVE`,
    );

    cl = await startBenchCluster(up, 'bi');
    const [pidUp, pidA, pidB] = await Promise.all([serverPid(up), serverPid(a), serverPid(b)]);
    const { ctl, dir } = cl;
    writeFileSync(
      join(dir, 'task.yaml'),
      `${taskHead('binc', 'incremental', a)}    syncer-config-name: "defaults"
    meta:
      binlog-name: "${start.file}"
      binlog-pos: ${start.pos}
block-allow-list:
  bal:
    do-dbs: ["sbtest", "bench"]
syncers:
  defaults:
    checkpoint-flush-interval: ${FLUSH}
${SYNCER_EXTRA}`,
    );
    const st = await dmctl(ctl, 'start-task', join(dir, 'task.yaml'));
    if (st.json.result !== true) throw new Error(`start-task: ${st.stdout}`);
    await waitUntil(async () => (await subtaskStatus(ctl, 'binc'))?.unit === 'Sync', 120_000, 'task in Sync');
    await createHeartbeat(up);

    let marker = 0;
    const summary: string[] = [];
    for (const relay of RELAY) {
      if (relay) {
        const r = await dmctl(ctl, 'start-relay', '-s', 'bench');
        if (r.json.result !== true) throw new Error(`start-relay: ${r.stdout}`);
      }
      say(`\n== relay ${relay ? 'on' : 'off'}`);
      const ratios: number[] = [];
      let maxTps = 0;
      const caughtUp = async (): Promise<void> => {
        await allSeen(up, [a, b], ++marker);
      };
      for (let round = 0; round < ROUNDS; round++) {
        // Both caught up, then both held back.
        await caughtUp();
        const holdA = await hold(a, () => marker);
        const holdB = await hold(b, () => marker);
        const before = await masterPos(up);
        const out = await sysbench(up, 'run', ROWS, SECONDS);
        const changes = sysbenchRowChanges(out);
        maxTps = Math.max(maxTps, changes / 4 / SECONDS);
        ++marker;
        await up.query('INSERT INTO bench.marker VALUES (?, ?)', [marker, Date.now()]);
        const end = await masterPos(up);
        // Both sides fetch the binlog before the timing starts (the replica's IO thread; our relay).
        await waitUntil(
          async () => {
            const [s] = await b.query<{ Read_Master_Log_Pos: number; Master_Log_File: string }>(
              'SHOW SLAVE STATUS',
            );
            return s?.Master_Log_File === end.file && Number(s.Read_Master_Log_Pos) >= end.pos;
          },
          120_000,
          'replica IO thread caught up',
        );
        if (relay) {
          await waitUntil(
            async () => {
              const r = await dmctl(ctl, 'query-status', 'binc');
              const s = (
                r.json.sources as { sourceStatus: { relayStatus?: { relayCatchUpMaster?: boolean } } }[]
              )?.[0];
              return s?.sourceStatus.relayStatus?.relayCatchUpMaster === true;
            },
            120_000,
            'relay caught up',
          );
        }
        await settle(up);
        // CPU of each side's catch-up: ours is the dm-worker, its downstream and the upstream
        // (which serves our binlog reads when the relay is off); the replica is one server
        // (its IO thread fetched the burst before the clock started).
        const st0 = await statusOf(a);
        const ours: Side = { held: holdA, db: a, pids: [Number(cl.worker.child.pid), pidA, pidUp] };
        const stopTrace = TRACE ? startTrace(a, up, Number(cl.worker.child.pid)) : undefined;
        const [tOurs, tNative, cOurs, cNative] = await releaseInTurn(round, ours, {
          held: holdB,
          db: b,
          pids: [pidB],
        });
        const trace = await stopTrace?.();
        const split = (ours.cpu ?? []).map((c) => c.toFixed(1));
        const st1 = await statusOf(a);
        await waitUntil(
          async () =>
            ((await subtaskStatus(ctl, 'binc'))?.sync as { synced?: boolean } | undefined)?.synced === true,
          60_000,
          'query-status synced',
        );
        const ratio = tOurs / tNative;
        ratios.push(ratio);
        say(
          `round ${round + 1} (${round % 2 === 0 ? 'ours first' : 'native first'}): ${changes / 4} tx ≈ ${changes} row changes, ${((await binlogBytes(up, before, end)) / 1048576).toFixed(0)} MiB binlog; ours ${tOurs.toFixed(1)} s (${(changes / tOurs).toFixed(0)} rows/s), native ${tNative.toFixed(1)} s (${(changes / tNative).toFixed(0)} rows/s); ratio ${ratio.toFixed(2)}; CPU-s ours ${cOurs.toFixed(1)} (dm-worker ${split[0]} + downstream ${split[1]} + upstream ${split[2]}), native ${cNative.toFixed(1)}`,
        );
        say(
          `  our downstream: ${STATUS_KEYS.map((k) => `${k} ${(st1[k] ?? 0) - (st0[k] ?? 0)}`).join(', ')}`,
        );
        if (trace && ratio > 1.5) for (const l of traceLines(trace)) say(l);
      }
      const line = `relay ${relay ? 'on' : 'off'}: catch-up ratio ours/native, median of ${ROUNDS}: ${median(ratios).toFixed(2)} (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')}; target ≤ 0.8)`;
      summary.push(line);
      say(line);
      if (LAG_SECONDS > 0) {
        await caughtUp();
        const rate = LAG_RATE || Math.floor(maxTps / 2);
        const [ours, native] = await measureLag(up, [a, b], ROWS, LAG_SECONDS, rate);
        const fmt = (l: typeof ours) =>
          `p50 ${l?.p50} ms, p99 ${l?.p99} ms, max ${l?.max} ms (${l?.samples} samples)`;
        const lag = `relay ${relay ? 'on' : 'off'}: lag at ${rate} tx/s (${LAG_RATE ? 'BENCH_LAG_RATE' : `half the fastest burst's ${maxTps.toFixed(0)} tx/s`}) for ${LAG_SECONDS} s: ours ${fmt(ours)}; native ${fmt(native)} (target p99 ≤ 500 ms)`;
        summary.push(lag);
        say(lag);
        await caughtUp();
      }
    }
    await checkEqual(
      up,
      [
        ['ours', a],
        ['native', b],
      ],
      ['sbtest', 'bench'],
    );
    say('\ndata: upstream, ours and the native replica equal by CHECKSUM TABLE + COUNT(*)');
    for (const s of summary) say(s);
  } finally {
    await cl?.worker.stop();
    await cl?.master.stop();
    await Promise.all([up.destroy(), a.destroy(), b.destroy()]);
  }
}

await main();
