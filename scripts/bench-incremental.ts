/**
 * `npm run bench:incremental` — binlog catch-up as users run it: `bin/dm-master` +
 * `bin/dm-worker` driven by `bin/dmctl`, against a native MariaDB parallel replica applying the
 * same binlog on the same machine (DESIGN.md §8).
 *
 * Setup: an upstream with ROW binlog, downstream A (ours) and B (the native replica), the
 * sysbench tables copied to both with mariadb-dump. Ours: one source, a task in
 * `task-mode: incremental` from the copy's binlog position with the DEFAULT syncer settings (DM's,
 * except `multiple-rows`, on by default here; `BENCH_SYNCER="multiple-rows: false"` for DM's)
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
 * `query-status` must say synced). The order alternates between rounds; the median ratio is reported. The
 * whole run is done with relay off, then again with relay on (`start-relay`). The three
 * databases are compared by CHECKSUM TABLE + COUNT(*) at the end.
 *
 * Env: BENCH_ROWS (rows per sysbench table, 100000; 4 tables), BENCH_SECONDS (burst, 30),
 * BENCH_ROUNDS (3), BENCH_SLAVE_THREADS (4), BENCH_FLUSH (checkpoint-flush-interval, 30),
 * BENCH_SYNCER (extra syncer keys, comma separated), BENCH_RELAY ("off,on": which relay settings to measure), BENCH_CPU_PROF (dir: the dm-worker
 * runs under `node --cpu-prof`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableSums } from '../test/harness/checksum.js';
import {
  type DmProcess,
  dmctl,
  type MasterProcess,
  startMaster,
  startWorker,
  subtaskStatus,
  waitMasterReady,
  waitUntil,
  waitWorkerRegistered,
} from '../test/harness/cluster.js';
import { type MariadbInstance, startMariadb } from '../test/harness/mariadb.js';
import { tempDir } from '../test/harness/tmp.js';
import {
  markerSeen,
  masterPos,
  median,
  say,
  settle,
  sh,
  sysbench,
  withWorkerProfile,
} from './bench-common.js';

const env = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d);
const ROWS = env('BENCH_ROWS', 100_000);
const SECONDS = env('BENCH_SECONDS', 30);
const ROUNDS = env('BENCH_ROUNDS', 3);
const SLAVE_THREADS = env('BENCH_SLAVE_THREADS', 4);
const FLUSH = env('BENCH_FLUSH', 30);
/** Extra `syncers.defaults` keys for experiments, e.g. "multiple-rows: true,compact: true" (default none: our defaults). */
const SYNCER_EXTRA = (process.env.BENCH_SYNCER ?? '')
  .split(',')
  .filter(Boolean)
  .map((kv) => `    ${kv.trim()}\n`)
  .join('');
const RELAY = (process.env.BENCH_RELAY ?? 'off,on').split(',').map((s) => s.trim() === 'on');
const SCHEMAS = ['sbtest', 'bench'];

async function main(): Promise<void> {
  const [up, a, b] = await Promise.all([
    startMariadb({ serverId: 61, bufferPool: '512M' }),
    startMariadb({ serverId: 62, noBinlog: true, bufferPool: '512M' }),
    startMariadb({ serverId: 63, noBinlog: true, bufferPool: '512M' }),
  ]);
  let master: MasterProcess | undefined;
  let worker: DmProcess | undefined;
  try {
    await up.query(
      'CREATE DATABASE sbtest; CREATE DATABASE bench; CREATE TABLE bench.marker (id INT PRIMARY KEY, ts BIGINT NOT NULL)',
    );
    await sysbench(up, 'prepare', ROWS, SECONDS);
    const dump = `mariadb-dump -h127.0.0.1 -P${up.port} -uroot --single-transaction --databases ${SCHEMAS.join(' ')}`;
    await Promise.all([a, b].map((d) => sh(`${dump} | mariadb -h127.0.0.1 -P${d.port} -uroot`)));
    const start = await masterPos(up);
    say(
      `sysbench 4 × ${ROWS} rows copied to both downstreams; replication starts at ${start.file}:${start.pos}`,
    );
    say(
      `native replica: slave_parallel_threads=${SLAVE_THREADS}, slave_parallel_mode=optimistic; ours: default syncer settings (worker-count 16, batch 100, multiple-rows on, compact off), checkpoint-flush-interval ${FLUSH}${SYNCER_EXTRA ? `, plus ${SYNCER_EXTRA.trim().replace(/\s*\n\s*/g, ', ')}` : ''}`,
    );
    await b.query(
      `SET GLOBAL slave_parallel_threads=${SLAVE_THREADS}; SET GLOBAL slave_parallel_mode='optimistic';` +
        `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${up.port}, MASTER_USER='root', MASTER_PASSWORD='',` +
        ` MASTER_LOG_FILE='${start.file}', MASTER_LOG_POS=${start.pos}; START SLAVE`,
    );

    const dir = tempDir('dm-bench-inc-');
    master = await startMaster({ name: 'bim' });
    await waitMasterReady(master.addr);
    const addr = master.addr;
    worker = await withWorkerProfile(() => startWorker('biw', addr));
    await waitWorkerRegistered(master.addr, 'biw');
    const ctl = master.addr;
    writeFileSync(
      join(dir, 'source.yaml'),
      `source-id: "bench"\nfrom:\n  host: "127.0.0.1"\n  port: ${up.port}\n  user: "root"\n  password: ""\n`,
    );
    const src = await dmctl(ctl, 'operate-source', 'create', join(dir, 'source.yaml'));
    if (src.json.result !== true) throw new Error(`operate-source: ${src.stdout}`);
    writeFileSync(
      join(dir, 'task.yaml'),
      `name: binc
task-mode: incremental
target-database:
  host: "127.0.0.1"
  port: ${a.port}
  user: "root"
  password: ""
mysql-instances:
  - source-id: "bench"
    block-allow-list: "bal"
    syncer-config-name: "defaults"
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

    let marker = 0;
    const summary: string[] = [];
    for (const relay of RELAY) {
      if (relay) {
        const r = await dmctl(ctl, 'start-relay', '-s', 'bench');
        if (r.json.result !== true) throw new Error(`start-relay: ${r.stdout}`);
      }
      say(`\n== relay ${relay ? 'on' : 'off'}`);
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Both caught up, then both held back.
        const warm = ++marker;
        await up.query('INSERT INTO bench.marker VALUES (?, ?)', [warm, Date.now()]);
        await Promise.all([
          markerSeen(a, warm, process.hrtime.bigint()),
          markerSeen(b, warm, process.hrtime.bigint()),
        ]);
        const holdA = await a.connect();
        const holdB = await b.connect();
        await holdA.query('FLUSH TABLES WITH READ LOCK');
        await holdB.query('FLUSH TABLES WITH READ LOCK');
        const before = await masterPos(up);
        const out = await sysbench(up, 'run', ROWS, SECONDS);
        const tx = Number(/transactions:\s+(\d+)/.exec(out)?.[1] ?? 0);
        const m = ++marker;
        await up.query('INSERT INTO bench.marker VALUES (?, ?)', [m, Date.now()]);
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
        const release = async (hold: typeof holdA, db: MariadbInstance): Promise<number> => {
          const t0 = process.hrtime.bigint();
          await hold.query('UNLOCK TABLES');
          await hold.end();
          return markerSeen(db, m, t0);
        };
        const ours = () => release(holdA, a);
        const native = () => release(holdB, b);
        let tOurs: number;
        let tNative: number;
        if (round % 2 === 0) {
          tOurs = await ours();
          await settle(a);
          tNative = await native();
        } else {
          tNative = await native();
          await settle(b);
          tOurs = await ours();
        }
        await waitUntil(
          async () =>
            ((await subtaskStatus(ctl, 'binc'))?.sync as { synced?: boolean } | undefined)?.synced === true,
          60_000,
          'query-status synced',
        );
        const changes = tx * 4;
        const ratio = tOurs / tNative;
        ratios.push(ratio);
        say(
          `round ${round + 1} (${round % 2 === 0 ? 'ours first' : 'native first'}): ${tx} tx ≈ ${changes} row changes, ${((end.pos - before.pos) / 1048576).toFixed(0)} MiB binlog; ours ${tOurs.toFixed(1)} s (${(changes / tOurs).toFixed(0)} rows/s), native ${tNative.toFixed(1)} s (${(changes / tNative).toFixed(0)} rows/s); ratio ${ratio.toFixed(2)}`,
        );
      }
      const line = `relay ${relay ? 'on' : 'off'}: catch-up ratio ours/native, median of ${ROUNDS}: ${median(ratios).toFixed(2)} (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')}; target ≤ 0.8)`;
      summary.push(line);
      say(line);
    }
    for (const s of SCHEMAS) {
      const [u, x, y] = await Promise.all([tableSums(up, s), tableSums(a, s), tableSums(b, s)]);
      if (JSON.stringify(u) !== JSON.stringify(x)) throw new Error(`ours: ${s} differs from upstream`);
      if (JSON.stringify(u) !== JSON.stringify(y)) throw new Error(`native: ${s} differs from upstream`);
    }
    say('\ndata: upstream, ours and the native replica equal by CHECKSUM TABLE + COUNT(*)');
    for (const s of summary) say(s);
  } finally {
    await worker?.stop();
    await master?.stop();
    await Promise.all([up.destroy(), a.destroy(), b.destroy()]);
  }
}

await main();
