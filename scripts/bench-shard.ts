/**
 * Incremental throughput of a sharded merge vs the same rows from one source, through the
 * real programs (dm-master, dm-workers, dmctl). Each side: the task is started and synced,
 * paused; ROWS rows are written upstream (single-row INSERTs, 20 per transaction); the task
 * is resumed and timed until the downstream COUNT(*) reaches the total (then the data is
 * checked by server-computed CRC32 aggregates).
 *
 *   A: one source, one table `bench_db_1`.`t` → `merged`.`t` (no shard-mode)
 *   C: one source, four shard tables → `merged`.`t` (shard-mode: pessimistic)
 *   B0/B: two sources × two shard tables → `merged`.`t` without / with shard-mode: pessimistic
 *
 * Usage: node dist/scripts/bench-shard.js [ROWS] (default 60000). Prints the times and ratios.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crcSum } from '../test/harness/checksum.js';
import { type DmCluster, startCluster, waitUntil } from '../test/harness/cluster.js';
import { type MariadbInstance, startMariadb } from '../test/harness/mariadb.js';
import { tempDir } from '../test/harness/tmp.js';

const ROWS = Number(process.argv[2] ?? 60_000);

interface Side {
  name: string;
  shardMode: string;
  /** [source index, schema, table] of the tables written. */
  tables: [number, string, string][];
}

async function writeRows(
  up: MariadbInstance,
  schema: string,
  table: string,
  from: number,
  n: number,
): Promise<void> {
  const c = await up.connect();
  try {
    for (let i = 0; i < n; i += 20) {
      let sql = 'BEGIN;';
      for (let k = i; k < Math.min(n, i + 20); k++)
        sql += `INSERT INTO ${schema}.${table} VALUES (${from + k}, 'row${k}', ${k});`;
      await c.query(`${sql}COMMIT;`);
    }
  } finally {
    await c.end();
  }
}

async function runSide(side: Side): Promise<number> {
  const dir = tempDir('dm-bench-shard-');
  const nSources = Math.max(...side.tables.map((t) => t[0])) + 1;
  const ups = await Promise.all(
    Array.from({ length: nSources }, (_, i) => startMariadb({ serverId: 91 + i })),
  );
  const down = await startMariadb({ serverId: 99, noBinlog: true });
  let dm: DmCluster | undefined;
  try {
    for (const [i, s, t] of side.tables) {
      await ups[i]?.query(
        `CREATE DATABASE IF NOT EXISTS ${s}; CREATE TABLE ${s}.${t} (id INT PRIMARY KEY, v VARCHAR(32), n INT)`,
      );
    }
    const cluster = await startCluster({ master: 'mb' });
    dm = cluster;
    for (let i = 0; i < nSources; i++) {
      await cluster.addWorker(`wb${i}`);
      const f = join(dir, `s${i}.yaml`);
      writeFileSync(
        f,
        `source-id: "src-${i + 1}"\nenable-gtid: false\nfrom:\n  host: "127.0.0.1"\n  port: ${ups[i]?.port}\n  user: "root"\n  password: ""\n`,
      );
      await cluster.createSource(f);
    }
    const inst = Array.from(
      { length: nSources },
      (_, i) =>
        `  - source-id: "src-${i + 1}"\n    block-allow-list: "bal"\n    route-rules: ["r-t", "r-s"]\n`,
    ).join('');
    const task = join(dir, 'task.yaml');
    writeFileSync(
      task,
      `name: "bench"\ntask-mode: "all"\n${side.shardMode ? `shard-mode: "${side.shardMode}"\n` : ''}target-database:\n  host: "127.0.0.1"\n  port: ${down.port}\n  user: "root"\n  password: ""\n` +
        `mysql-instances:\n${inst}block-allow-list:\n  bal:\n    do-dbs: ["~^bench_db_"]\n` +
        `routes:\n  r-t:\n    schema-pattern: "bench_db_*"\n    table-pattern: "t*"\n    target-schema: "merged"\n    target-table: "t"\n` +
        `  r-s:\n    schema-pattern: "bench_db_*"\n    target-schema: "merged"\n`,
    );
    assert.equal((await cluster.ctl('start-task', task)).json.result, true);
    const count = async () =>
      Number((await down.query<{ n: string }>('SELECT COUNT(*) AS n FROM merged.t'))[0]?.n ?? -1);
    await waitUntil(async () => (await count()) === 0, 120_000, 'task running');
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await cluster.ctl('pause-task', 'bench')).json.result, true);
    const per = Math.floor(ROWS / side.tables.length);
    await Promise.all(
      side.tables.map(([i, s, t], k) => writeRows(ups[i] as MariadbInstance, s, t, k * 10_000_000, per)),
    );
    const total = per * side.tables.length;
    const t0 = Date.now();
    assert.equal((await cluster.ctl('resume-task', 'bench')).json.result, true);
    await waitUntil(async () => (await count()) === total, 600_000, `${total} rows downstream`);
    const ms = Date.now() - t0;
    let crc = 0n;
    let n = 0;
    for (const [i, s, t] of side.tables) {
      const r = await crcSum(ups[i] as MariadbInstance, s, t);
      crc ^= BigInt(r.crc);
      n += r.count;
    }
    const d = await crcSum(down, 'merged', 't');
    assert.deepEqual(d, { count: n, crc: crc.toString() }, 'merged table equals the union');
    return ms;
  } finally {
    await dm?.stop();
    await Promise.all([...ups.map((u) => u.destroy()), down.destroy()]);
  }
}

const a = await runSide({ name: 'one source', shardMode: '', tables: [[0, 'bench_db_1', 't']] });
const c = await runSide({
  name: '4 shards on one source',
  shardMode: 'pessimistic',
  tables: [
    [0, 'bench_db_1', 't1'],
    [0, 'bench_db_1', 't2'],
    [0, 'bench_db_1', 't3'],
    [0, 'bench_db_1', 't4'],
  ],
});
const b0 = await runSide({
  name: '2 sources x 2 tables, no shard-mode',
  shardMode: '',
  tables: [
    [0, 'bench_db_1', 't1'],
    [0, 'bench_db_1', 't2'],
    [1, 'bench_db_2', 't1'],
    [1, 'bench_db_2', 't2'],
  ],
});
const b = await runSide({
  name: '2 sources x 2 tables, pessimistic',
  shardMode: 'pessimistic',
  tables: [
    [0, 'bench_db_1', 't1'],
    [0, 'bench_db_1', 't2'],
    [1, 'bench_db_2', 't1'],
    [1, 'bench_db_2', 't2'],
  ],
});
console.log(
  JSON.stringify({
    rows: ROWS,
    oneSourceMs: a,
    fourShardsOneSourceMs: c,
    twoSourcesNoShardModeMs: b0,
    twoSourcesPessimisticMs: b,
    ratioOneSource: Number((c / a).toFixed(2)),
    ratioTwoSourcesVsOne: Number((b / a).toFixed(2)),
    ratioShardModeTwoSources: Number((b / b0).toFixed(2)),
  }),
);
process.exit(0);
