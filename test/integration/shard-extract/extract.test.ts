import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DmCluster, MariadbInstance, WriteLoop } from '../../harness/index.js';
import { FatalWait, startCluster, startMariadb, tempDir, waitUntil, writeLoop } from '../../harness/index.js';
import { writeSourceYaml } from '../e2e/fixtures.js';

/**
 * Route extraction (DM 5.4+ extract-table / extract-schema / extract-source) through the real
 * programs: two sources, one shard table each (`shard_1.t_1` on src-01, `shard_2.t_2` on
 * src-02, whose ids collide), merged into `merged.t` by one route that fills `c_table`,
 * `c_schema` and `c_source`; a writer on each shard throughout; task-mode all. The merged
 * table must equal the union of the shards with the extracted constants, checked by the
 * servers: per source, the upstream rows plus the expected constants (INSERT … SELECT into
 * a scratch table upstream) against that source's rows of the merged table (the same into a
 * scratch table downstream), by CHECKSUM TABLE and COUNT(*).
 */

const COLS = 'id INT NOT NULL, v VARCHAR(64), n INT, note TEXT';
const MERGED = `(${COLS}, c_table VARCHAR(64) NOT NULL, c_schema VARCHAR(64) NOT NULL, c_source VARCHAR(64) NOT NULL, PRIMARY KEY (id, c_table, c_schema, c_source))`;
const ROWS = 3000;

interface Shard {
  db: MariadbInstance;
  source: string;
  schema: string;
  table: string;
  /** The values DM extracts: table "t_(.*)", schema "shard_(.*)", source "src-(.*)". */
  expect: [string, string, string];
}

async function seed(s: Shard): Promise<void> {
  await s.db.query(
    `CREATE DATABASE ${s.schema}; CREATE TABLE ${s.schema}.${s.table} (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64), n INT, note TEXT)`,
  );
  const c = await s.db.connect();
  try {
    for (let start = 0; start < ROWS; start += 1000) {
      const rows: unknown[][] = [];
      for (let i = start; i < start + 1000; i++)
        rows.push([`${s.source} row ${i} ✓`, i, i % 9 === 0 ? null : `n'${i}`]);
      await c.query(`INSERT INTO ${s.schema}.${s.table} (v, n, note) VALUES ?`, [rows]);
    }
  } finally {
    await c.end();
  }
}

/** Inserts (colliding auto ids across shards), updates by id (the same ids in both shards), deletes. */
function startWriter(s: Shard): WriteLoop {
  const t = `${s.schema}.${s.table}`;
  return writeLoop(
    () => s.db.connect(),
    async (c, n) => {
      await c.query(`INSERT INTO ${t} (v, n, note) VALUES (?, ?, 'live')`, [`live ${n}`, n]);
      await c.query(`UPDATE ${t} SET n = n + 1, v = CONCAT('u', ?) WHERE id = ?`, [n, 1 + ((n * 7) % ROWS)]);
      if (n % 3 === 0) await c.query(`DELETE FROM ${t} WHERE id = ?`, [1 + ((n * 13) % ROWS)]);
      if (n % 5 === 0)
        await c.query(`UPDATE IGNORE ${t} SET id = id + 100000 WHERE id = ?`, [1 + ((n * 17) % ROWS)]);
    },
  );
}

async function sumOf(db: MariadbInstance, table: string): Promise<{ count: number; checksum: string }> {
  const [c] = await db.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${table}`);
  const [s] = await db.query<{ Checksum: string | number | null }>(`CHECKSUM TABLE ${table}`);
  return { count: Number(c?.n ?? -1), checksum: String(s?.Checksum) };
}

/** Server-computed sums of one shard with its expected constants, and of its rows downstream. */
async function compareShard(s: Shard, down: MariadbInstance) {
  const [ct, cs, cso] = s.expect;
  await s.db.query(
    `CREATE DATABASE IF NOT EXISTS scratch; DROP TABLE IF EXISTS scratch.exp; CREATE TABLE scratch.exp ${MERGED};
     INSERT INTO scratch.exp SELECT id, v, n, note, ?, ?, ? FROM ${s.schema}.${s.table}`,
    [ct, cs, cso],
  );
  const got = `scratch.got_${cso}`;
  await down.query(
    `CREATE DATABASE IF NOT EXISTS scratch; DROP TABLE IF EXISTS ${got}; CREATE TABLE ${got} ${MERGED};
     INSERT INTO ${got} SELECT id, v, n, note, c_table, c_schema, c_source FROM merged.t WHERE c_source = ?`,
    [cso],
  );
  return { up: await sumOf(s.db, 'scratch.exp'), down: await sumOf(down, got) };
}

describe('shard merge with extract-table / extract-schema / extract-source (real programs)', () => {
  let up1: MariadbInstance;
  let up2: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  let shards: Shard[];
  const dir = tempDir('dm-extract-');

  const taskYaml = (name: string, mergedTable = 't') => {
    const f = join(dir, `${name}.yaml`);
    const inst = (id: string) =>
      `  - source-id: "${id}"\n    block-allow-list: "bal"\n    route-rules: ["shards", "dbs"]\n    syncer-config-name: "fast"\n`;
    writeFileSync(
      f,
      `name: "${name}"\ntask-mode: all\nshard-mode: pessimistic\n` +
        `target-database:\n  host: "127.0.0.1"\n  port: ${down.port}\n  user: "root"\n  password: ""\n` +
        `mysql-instances:\n${inst('src-01')}${inst('src-02')}` +
        `block-allow-list:\n  bal:\n    do-dbs: ["~^shard_"]\n` +
        `routes:\n  shards:\n    schema-pattern: "shard_*"\n    table-pattern: "t_*"\n    target-schema: "merged"\n    target-table: "${mergedTable}"\n` +
        `    extract-table:\n      table-regexp: "t_(.*)"\n      target-column: "c_table"\n` +
        `    extract-schema:\n      schema-regexp: "shard_(.*)"\n      target-column: "c_schema"\n` +
        `    extract-source:\n      source-regexp: "src-(.*)"\n      target-column: "c_source"\n` +
        `  dbs:\n    schema-pattern: "shard_*"\n    target-schema: "merged"\n` +
        `syncers:\n  fast:\n    worker-count: 4\n    batch: 50\n    checkpoint-flush-interval: 1\n`,
    );
    return f;
  };

  before(async () => {
    [up1, up2, down] = await Promise.all([
      startMariadb({ serverId: 21 }),
      startMariadb({ serverId: 22 }),
      startMariadb({ serverId: 23, noBinlog: true }),
    ]);
    shards = [
      { db: up1, source: 'src-01', schema: 'shard_1', table: 't_1', expect: ['1', '1', '01'] },
      { db: up2, source: 'src-02', schema: 'shard_2', table: 't_2', expect: ['2', '2', '02'] },
    ];
    await Promise.all(shards.map(seed));
    // DM requires the merged table to exist with its extended columns before the task.
    await down.query(
      `CREATE DATABASE merged; CREATE TABLE merged.t ${MERGED}; CREATE TABLE merged.lacking (${COLS}, c_table VARCHAR(64), PRIMARY KEY (id))`,
    );
    dm = await startCluster({
      workers: ['w1', 'w2'],
      sources: shards.map((s) => writeSourceYaml(dir, s.source, s.db)),
    });
  });

  after(async () => {
    await dm?.stop();
    await Promise.all([up1?.destroy(), up2?.destroy(), down?.destroy()]);
  });

  it('check-task reports the shard group: auto-increment keys warn with DM advice (check passes)', async () => {
    const r = await dm.ctl('check-task', taskYaml('ext'));
    assert.equal(r.json.result, true, r.stdout);
    assert.match(r.stdout, /sharding table `merged`\.`t` consistency checking/);
    assert.match(r.stdout, /have auto-increment key, please make sure them don't conflict in target table!/);
    assert.match(r.stdout, /If happen conflict, please handle it by yourself/);
  });

  it('a merged table without the extended columns makes the task pause with a coded error', async () => {
    const r = await dm.ctl('start-task', taskYaml('bad', 'lacking'));
    assert.equal(r.json.result, true, r.stdout);
    let last = '';
    await waitUntil(
      async () => {
        const q = await dm.ctl('query-status', 'bad');
        last = q.stdout;
        return (
          /34003/.test(last) && /must contain extended columns \[\\"c_schema\\",\\"c_source\\"\]/.test(last)
        );
      },
      60_000,
      'task bad paused with 34003',
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n${last}`);
    });
    const [n] = await down.query<{ n: string }>('SELECT COUNT(*) AS n FROM merged.lacking');
    assert.equal(n?.n, '0', 'nothing loaded into a table that cannot take the rows');
    const s = await dm.ctl('stop-task', 'bad');
    assert.equal(s.json.result, true, s.stdout);
  });

  it('task-mode all with writers: merged table = union of the shards with the extracted values', async () => {
    const writers = shards.map(startWriter);
    let ops: number[] = [];
    try {
      const r = await dm.ctl('start-task', taskYaml('ext'));
      assert.equal(r.json.result, true, r.stdout);
      await waitUntil(
        async () => {
          const q = await dm.ctl('query-status', 'ext');
          const subs = (
            (q.json.sources as { subTaskStatus?: Record<string, unknown>[] }[] | undefined) ?? []
          ).map((s) => s.subTaskStatus?.[0]);
          for (const st of subs) {
            if (st?.stage === 'Paused') throw new FatalWait(`paused: ${JSON.stringify(st.result)}`);
          }
          return subs.length === 2 && subs.every((st) => st?.unit === 'Sync');
        },
        120_000,
        'both subtasks in Sync',
      );
      // Let the writers run into the incremental phase (past the start-up safe mode too).
      await new Promise((res) => setTimeout(res, 4000));
    } finally {
      ops = await Promise.all(writers.map((w) => w.stop()));
    }
    assert.ok(
      ops.every((n) => n > 20),
      `writers made ${ops.join(', ')} changes`,
    );
    let last: unknown;
    await waitUntil(
      async () => {
        const sums = await Promise.all(shards.map((s) => compareShard(s, down)));
        last = sums;
        return sums.every((x) => x.up.count === x.down.count && x.up.checksum === x.down.checksum);
      },
      90_000,
      'every shard equal downstream',
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n${JSON.stringify(last)}`);
    });
    const [total] = await down.query<{ n: string }>('SELECT COUNT(*) AS n FROM merged.t');
    const [a] = await up1.query<{ n: string }>('SELECT COUNT(*) AS n FROM shard_1.t_1');
    const [b] = await up2.query<{ n: string }>('SELECT COUNT(*) AS n FROM shard_2.t_2');
    assert.equal(Number(total?.n), Number(a?.n) + Number(b?.n), 'no row with other extracted values');
    const [shared] = await down.query<{ n: string }>(
      'SELECT COUNT(*) AS n FROM (SELECT id FROM merged.t GROUP BY id HAVING COUNT(*) = 2) x',
    );
    assert.ok(Number(shared?.n) > 1000, 'ids shared by both shards are kept apart by the extracted columns');
  });
});
