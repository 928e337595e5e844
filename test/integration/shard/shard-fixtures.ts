/**
 * Two upstream MariaDB servers, each with two shard tables `shard_db_N`.`t1`/`t2` merged by a
 * route into `merged`.`t` downstream, plus one unsharded table per source (`other_N`); a
 * writer on every table; the merge check by server-computed CRC32 aggregates.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { crcSum } from '../../harness/checksum.js';
import * as cluster from '../../harness/cluster.js';
import { type DmProcess, dmctl, FatalWait, type MasterProcess, waitUntil } from '../../harness/cluster.js';
import { type MariadbInstance, startMariadb } from '../../harness/mariadb.js';
import { tempDir } from '../../harness/tmp.js';

export const SHARDS = [
  { src: 0, db: 'shard_db_1', table: 't1', base: 1_000_000 },
  { src: 0, db: 'shard_db_1', table: 't2', base: 2_000_000 },
  { src: 1, db: 'shard_db_2', table: 't1', base: 3_000_000 },
  { src: 1, db: 'shard_db_2', table: 't2', base: 4_000_000 },
] as const;

export type Shard = (typeof SHARDS)[number];

/** Create the shard tables (with a few rows each) and the unsharded table on each source. */
export async function prepareShards(ups: MariadbInstance[]): Promise<void> {
  for (const [i, up] of ups.entries()) {
    const db = `shard_db_${i + 1}`;
    let sql = `CREATE DATABASE ${db}; CREATE TABLE ${db}.other_${i + 1} (id INT PRIMARY KEY, v VARCHAR(32));`;
    for (const s of SHARDS.filter((x) => x.src === i)) {
      sql += `CREATE TABLE ${db}.${s.table} (id INT PRIMARY KEY, v VARCHAR(32), n INT NOT NULL DEFAULT 0);`;
      const rows = Array.from({ length: 200 }, (_, k) => `(${s.base + k}, 'init${k}', ${k})`).join(',');
      sql += `INSERT INTO ${db}.${s.table} (id, v, n) VALUES ${rows};`;
    }
    await up.query(sql);
  }
}

export function writeShardSources(dir: string, ups: MariadbInstance[]): string[] {
  return ups.map((up, i) => {
    const f = join(dir, `src-${i + 1}.yaml`);
    writeFileSync(
      f,
      `source-id: "src-${i + 1}"\nenable-gtid: false\nfrom:\n  host: "127.0.0.1"\n  port: ${up.port}\n  user: "root"\n  password: ""\n`,
    );
    return f;
  });
}

export function writeShardTask(
  dir: string,
  name: string,
  down: MariadbInstance,
  extra = '',
  mode: 'pessimistic' | 'optimistic' = 'pessimistic',
): string {
  const f = join(dir, `${name}.yaml`);
  const inst = (i: number) =>
    `  - source-id: "src-${i}"\n    block-allow-list: "bal"\n    route-rules: ["shard-table", "shard-schema"]\n    syncer-config-name: "fast"\n`;
  writeFileSync(
    f,
    `name: "${name}"\ntask-mode: "all"\nshard-mode: "${mode}"\n${extra}target-database:\n  host: "127.0.0.1"\n  port: ${down.port}\n  user: "root"\n  password: ""\n` +
      `mysql-instances:\n${inst(1)}${inst(2)}` +
      `block-allow-list:\n  bal:\n    do-dbs: ["shard_db_1", "shard_db_2"]\n` +
      `routes:\n  shard-table:\n    schema-pattern: "shard_db_*"\n    table-pattern: "t*"\n    target-schema: "merged"\n    target-table: "t"\n` +
      `  shard-schema:\n    schema-pattern: "shard_db_*"\n    target-schema: "merged"\n` +
      `syncers:\n  fast:\n    worker-count: 4\n    batch: 50\n    checkpoint-flush-interval: 1\n`,
  );
  return f;
}

/**
 * Writes to every shard table (inserts with an explicit column list, so they work before and
 * after an ADD COLUMN with a default; updates; deletes) and to the unsharded tables.
 */
export function startShardWriter(ups: MariadbInstance[], offset: number): { stop: () => Promise<number> } {
  let on = true;
  let n = 0;
  const loops = ups.map(async (up, i) => {
    const c = await up.connect();
    try {
      const mine = SHARDS.filter((s) => s.src === i);
      while (on) {
        n++;
        for (const s of mine) {
          const id = s.base + offset + n;
          await c.query(`INSERT INTO ${s.db}.${s.table} (id, v, n) VALUES (?, ?, ?)`, [id, `w${n}`, n]);
          if (n % 3 === 0) await c.query(`UPDATE ${s.db}.${s.table} SET n = n + 1 WHERE id = ?`, [id - 1]);
          if (n % 5 === 0) await c.query(`DELETE FROM ${s.db}.${s.table} WHERE id = ?`, [id - 2]);
        }
        await c.query(`REPLACE INTO shard_db_${i + 1}.other_${i + 1} VALUES (?, ?)`, [n % 300, `o${n}`]);
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await c.end();
    }
  });
  return {
    stop: async () => {
      on = false;
      await Promise.all(loops);
      return n;
    },
  };
}

/** The union of the four shards, by server-computed COUNT(*) and XOR of per-row CRC32. */
export async function unionSum(ups: MariadbInstance[]): Promise<{ count: number; crc: string }> {
  let count = 0;
  let crc = 0n;
  for (const s of SHARDS) {
    const r = await crcSum(ups[s.src] as MariadbInstance, s.db, s.table);
    count += r.count;
    crc ^= BigInt(r.crc);
  }
  return { count, crc: crc.toString() };
}

/** Wait until `merged`.`t` equals the union of the shards and each `other_N` its source. */
export async function waitMergedEqual(
  ups: MariadbInstance[],
  down: MariadbInstance,
  ms = 90_000,
): Promise<void> {
  let a: unknown;
  let b: unknown;
  await waitUntil(
    async () => {
      a = await unionSum(ups);
      b = await crcSum(down, 'merged', 't');
      if (JSON.stringify(a) !== JSON.stringify(b)) return false;
      for (const [i, up] of ups.entries()) {
        const x = await crcSum(up, `shard_db_${i + 1}`, `other_${i + 1}`);
        const y = await crcSum(down, 'merged', `other_${i + 1}`);
        if (JSON.stringify(x) !== JSON.stringify(y)) return false;
      }
      return true;
    },
    ms,
    'merged table equal to the union of the shards',
  ).catch((err) => {
    throw new Error(`${(err as Error).message}\nunion: ${JSON.stringify(a)}\nmerged: ${JSON.stringify(b)}`);
  });
}

export interface SubStatus {
  source: string;
  stage?: string;
  unit?: string;
  unresolvedDDLLockID?: string;
  result?: unknown;
  sync?: {
    synced?: boolean;
    blockingDDLs?: string[];
    unresolvedGroups?: {
      target: string;
      DDLs: string[];
      firstLocation: string;
      synced: string[];
      unsynced: string[];
    }[];
  };
}

/** Each source's subtask status of `task`. */
export async function statuses(master: string, task: string): Promise<SubStatus[]> {
  const r = await dmctl(master, 'query-status', task);
  const sources = (r.json.sources ?? []) as {
    sourceStatus: { source: string };
    subTaskStatus?: Omit<SubStatus, 'source'>[];
  }[];
  return sources.map((s) => ({ source: s.sourceStatus.source, ...(s.subTaskStatus?.[0] ?? {}) }));
}

/** Wait until every source's subtask runs Sync and is synced (fails at once on Paused). */
export async function waitAllSynced(master: string, task: string, ms = 120_000): Promise<void> {
  let last: SubStatus[] = [];
  await waitUntil(
    async () => {
      last = await statuses(master, task);
      const paused = last.find((s) => s.stage === 'Paused');
      if (paused) throw new FatalWait(`task paused: ${JSON.stringify(paused.result)}`);
      return last.length === 2 && last.every((s) => s.unit === 'Sync' && s.sync?.synced === true);
    },
    ms,
    `task ${task} synced on every source (last ${JSON.stringify(last)})`,
  );
}

/** `shard-ddl-lock [task]` locks. */
export async function locks(master: string, task: string): Promise<Record<string, unknown>[]> {
  const r = await dmctl(master, 'shard-ddl-lock', task);
  assert.equal(r.json.result, true, r.stdout);
  return (r.json.locks ?? []) as Record<string, unknown>[];
}

/** The downstream columns of `merged`.`t`. */
export async function mergedColumns(down: MariadbInstance): Promise<string[]> {
  const rows = await down.query<{ c: string }>(
    "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'merged' AND TABLE_NAME = 't' ORDER BY ORDINAL_POSITION",
  );
  return rows.map((r) => r.c);
}

export async function alter(ups: MariadbInstance[], s: Shard, clause: string): Promise<void> {
  await (ups[s.src] as MariadbInstance).query(`ALTER TABLE ${s.db}.${s.table} ${clause}`);
}

export interface ShardClusterOptions {
  task: string;
  /** Server IDs of the two upstreams and the downstream (unique per test file). */
  serverIds: readonly [number, number, number];
  mode?: 'pessimistic' | 'optimistic';
  /** Extra top-level task keys (YAML lines). */
  extra?: string;
  workers?: readonly string[];
  workerArgs?: string[];
  /** `DM_SHARD_HELD_MEMORY_ROWS` of the workers (set while the cluster runs). */
  heldMemoryRows?: number;
}

/** The test setup every shard test shares: servers, master, workers, sources, the task synced. */
export interface ShardCluster {
  ups: MariadbInstance[];
  down: MariadbInstance;
  master: MasterProcess;
  workers: Map<string, DmProcess>;
  dir: string;
  /** The task file (for start-task again). */
  taskFile: string;
  /** The worker process bound to a source now. */
  workerOf(source: string): Promise<DmProcess>;
  /** kill -9 of the (only) master, started again and ready. */
  killMaster(): Promise<void>;
  /** `transfer-source` of `source` to a worker bound to no source; its name once bound. */
  transferToFreeWorker(source: string): Promise<string>;
  /** A source's subtask status. */
  sub(source: string): Promise<SubStatus & { sync?: Record<string, unknown> }>;
  /** `start-task` of the task file, asserted. */
  startTask(): Promise<void>;
  /** The fixtures of this file, bound to this cluster and its task. */
  locks(): Promise<Record<string, unknown>[]>;
  statuses(): Promise<SubStatus[]>;
  waitSynced(): Promise<void>;
  waitMerged(): Promise<void>;
  columns(): Promise<string[]>;
  alter(s: Shard, clause: string): Promise<void>;
  writer(offset: number): { stop: () => Promise<number> };
  stop(): Promise<void>;
}

export async function startShardCluster(o: ShardClusterOptions): Promise<ShardCluster> {
  const [a, b, d] = o.serverIds;
  const ups = await Promise.all([startMariadb({ serverId: a }), startMariadb({ serverId: b })]);
  const down = await startMariadb({ serverId: d, noBinlog: true });
  await prepareShards(ups);
  const master = await cluster.startMaster({ name: 'm1' });
  await cluster.waitMasterReady(master.addr);
  const workers = new Map<string, DmProcess>();
  if (o.heldMemoryRows !== undefined) process.env.DM_SHARD_HELD_MEMORY_ROWS = String(o.heldMemoryRows);
  for (const w of o.workers ?? ['w1', 'w2']) {
    workers.set(w, await cluster.startWorker(w, master.addr, o.workerArgs ?? []));
    await cluster.waitWorkerRegistered(master.addr, w);
  }
  const dir = tempDir(`dm-shard-${o.task}-`);
  for (const f of writeShardSources(dir, ups)) {
    const r = await dmctl(master.addr, 'operate-source', 'create', f);
    assert.equal(r.json.result, true, r.stdout);
  }
  const taskFile = writeShardTask(dir, o.task, down, o.extra ?? '', o.mode ?? 'pessimistic');
  const c: ShardCluster = {
    ups,
    down,
    master,
    workers,
    dir,
    taskFile,
    async workerOf(source) {
      const r = await dmctl(master.addr, 'query-status', o.task);
      const s = (r.json.sources as { sourceStatus: { source: string; worker: string } }[]).find(
        (x) => x.sourceStatus.source === source,
      );
      const w = workers.get(s?.sourceStatus.worker ?? '');
      assert.ok(w, `worker of ${source}: ${r.stdout}`);
      return w;
    },
    async killMaster() {
      await master.kill9();
      await new Promise((r) => setTimeout(r, 500));
      await master.restart();
      await cluster.waitMasterReady(master.addr);
    },
    async transferToFreeWorker(source) {
      const from = await c.workerOf(source);
      const r = await dmctl(master.addr, 'query-status', o.task);
      const used = (r.json.sources as { sourceStatus: { worker: string } }[]).map(
        (x) => x.sourceStatus.worker,
      );
      const target = [...workers.keys()].find((n) => !used.includes(n));
      assert.ok(target && target !== from.name, `a free worker: ${r.stdout}`);
      const t = await dmctl(master.addr, 'transfer-source', source, target);
      assert.equal(t.json.result, true, t.stdout);
      await waitUntil(
        async () => (await c.workerOf(source)).name === target,
        60_000,
        `${source} on ${target}`,
      );
      return target;
    },
    async sub(source) {
      const s = (await statuses(master.addr, o.task)).find((x) => x.source === source);
      assert.ok(s, `status of ${source}`);
      return s as SubStatus & { sync?: Record<string, unknown> };
    },
    async startTask() {
      const t = await dmctl(master.addr, 'start-task', taskFile);
      assert.equal(t.json.result, true, t.stdout);
    },
    locks: () => locks(master.addr, o.task),
    statuses: () => statuses(master.addr, o.task),
    waitSynced: () => waitAllSynced(master.addr, o.task),
    waitMerged: () => waitMergedEqual(ups, down),
    columns: () => mergedColumns(down),
    alter: (sh, clause) => alter(ups, sh, clause),
    writer: (offset) => startShardWriter(ups, offset),
    async stop() {
      if (o.heldMemoryRows !== undefined) delete process.env.DM_SHARD_HELD_MEMORY_ROWS;
      for (const w of workers.values()) await w.stop();
      await master.stop();
      await Promise.all([...ups.map((u) => u.destroy()), down.destroy()]);
    },
  };
  await c.startTask();
  await waitAllSynced(master.addr, o.task);
  return c;
}

/**
 * In a `describe`: start the cluster before its tests and stop it after them. The object
 * returned is filled in by the `before` hook.
 */
export function useShardCluster(o: ShardClusterOptions): ShardCluster {
  const c = {} as ShardCluster;
  before(async () => {
    Object.assign(c, await startShardCluster(o));
  });
  after(async () => {
    await c.stop?.();
  });
  return c;
}
