/**
 * Incremental-replication benchmark (DESIGN.md §8): our sync unit against a native MariaDB
 * parallel replica, applying the same sysbench binlog on the same machine.
 *
 *   npm run bench:incremental        (= node --import tsx scripts/bench-incremental.ts)
 *
 * Steps: three throwaway servers (upstream with ROW binlog, downstream A for us, downstream B
 * a native replica); `sysbench oltp_write_only prepare`, copied to A and B with mariadb-dump;
 * a catch-up test in rounds (each: a sysbench burst while both appliers are held back, then
 * each released in turn and timed to the upstream's final position; the order alternates
 * between rounds, and the median of the per-round ratios is reported, since one run on this
 * noisy VM varies by ±15–30 %); a lag test (rate-limited load, heartbeat rows
 * written upstream every 100 ms and looked for on both downstreams every 50 ms, the same
 * method for both, independent of our own lag figures); then CHECKSUM TABLE + COUNT(*) on
 * all three. Our unit runs in a child process (this file with `--child`) so that the
 * driver's polling never shares its event loop.
 *
 * Env: BENCH_ROWS (rows per table, 100000), BENCH_SECONDS (catch-up burst, 30),
 * BENCH_RATE (lag-test tx/s, 150), BENCH_LAG_SECONDS (30), BENCH_WORKERS (worker-count, 16),
 * BENCH_BATCH (100), BENCH_SLAVE_THREADS (native slave_parallel_threads, = workers),
 * BENCH_SAFE_MODE_DURATION (our safe-mode-duration; default as DM: 2 × flush interval),
 * BENCH_MULTIPLE_ROWS and BENCH_COMPACT (1/0: measure only that configuration; by default two
 * of ours side by side: DM's defaults, and compact + multiple-rows), BENCH_CATCHUP (`sequential`
 * default, or `together`), BENCH_ROUNDS (catch-up rounds, 3), BENCH_CPU_PROF (dir: run our unit under `node --cpu-prof`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { SYNCER_DEFAULTS, TASK_DEFAULTS } from '../src/pkg/config/defaults.js';
import type { SubTaskConfig } from '../src/pkg/config/types.js';
import { Applier } from '../src/sync/applier.js';
import { SyncUnit } from '../src/sync/sync-unit.js';
import { tableSums } from '../test/harness/checksum.js';
import { type MariadbInstance, startMariadb } from '../test/harness/mariadb.js';
import { stopChild, trackChild } from '../test/harness/processes.js';
import { tempDir } from '../test/harness/tmp.js';
import { syncConfig } from '../test/integration/sync/sync-helpers.js';

interface Pos {
  file: string;
  pos: number;
}

const env = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d);
const ROWS = env('BENCH_ROWS', 100_000);
const SECONDS = env('BENCH_SECONDS', 30);
const RATE = env('BENCH_RATE', 150);
const LAG_SECONDS = env('BENCH_LAG_SECONDS', 30);
const WORKERS = env('BENCH_WORKERS', SYNCER_DEFAULTS.workerCount);
const BATCH = env('BENCH_BATCH', SYNCER_DEFAULTS.batch);
const SLAVE_THREADS = env('BENCH_SLAVE_THREADS', WORKERS);
const SAFE_MODE_DURATION = process.env.BENCH_SAFE_MODE_DURATION ?? SYNCER_DEFAULTS.safeModeDuration;
/** Our syncer configurations measured side by side (each with its own downstream and process). */
interface OurConfig {
  label: string;
  compact: boolean;
  multipleRows: boolean;
}
const OUR_CONFIGS: OurConfig[] =
  process.env.BENCH_MULTIPLE_ROWS || process.env.BENCH_COMPACT
    ? [
        {
          label: 'ours',
          multipleRows: process.env.BENCH_MULTIPLE_ROWS
            ? process.env.BENCH_MULTIPLE_ROWS === '1'
            : SYNCER_DEFAULTS.multipleRows,
          compact: process.env.BENCH_COMPACT ? process.env.BENCH_COMPACT === '1' : SYNCER_DEFAULTS.compact,
        },
      ]
    : [
        {
          label: 'ours, DM defaults',
          compact: SYNCER_DEFAULTS.compact,
          multipleRows: SYNCER_DEFAULTS.multipleRows,
        },
        // DM's documented throughput switches (dm-tune-configuration): fold changes of one row
        // within a batch, merge same-kind changes of a table into multi-row statements.
        { label: 'ours, compact + multiple-rows', compact: true, multipleRows: true },
      ];
const TOGETHER = process.env.BENCH_CATCHUP === 'together';
const ROUNDS = Math.max(1, env('BENCH_ROUNDS', 3));
const TABLES = 4;
const SCHEMAS = ['sbtest', 'bench'];

const say = (s: string): void => void process.stdout.write(`${s}\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** a >= b in binlog order (files share a base name and differ by numeric suffix). */
function posGe(a: Pos, b: Pos): boolean {
  return a.file === b.file ? a.pos >= b.pos : a.file > b.file;
}

async function masterPos(db: MariadbInstance): Promise<Pos> {
  const [r] = await db.query<{ File: string; Position: string | number }>('SHOW MASTER STATUS');
  if (!r) throw new Error('upstream binlog is off');
  return { file: r.File, pos: Number(r.Position) };
}

/** CPU seconds (user + system) of a process, from /proc. */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

const serverPid = (db: MariadbInstance): number =>
  Number(readFileSync(join(db.dataDir, 'mariadbd.pid'), 'utf8').trim());

function sysbench(db: MariadbInstance, cmd: 'prepare' | 'run', extra: string[] = []): Promise<string> {
  const args = [
    'oltp_write_only',
    '--db-driver=mysql',
    '--mysql-host=127.0.0.1',
    `--mysql-port=${db.port}`,
    '--mysql-user=root',
    '--mysql-password=',
    '--mysql-db=sbtest',
    `--tables=${TABLES}`,
    `--table-size=${ROWS}`,
    ...extra,
    cmd,
  ];
  return new Promise((resolve, reject) => {
    const c = trackChild(spawn('sysbench', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    c.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.once('error', reject);
    c.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`sysbench ${cmd} exited ${code}:\n${out.slice(-2000)}`)),
    );
  });
}

/** mariadb-dump of the benchmark schemas from `up` piped into `down`. */
function copySchemas(up: MariadbInstance, down: MariadbInstance): Promise<void> {
  const cmd =
    `mariadb-dump -h127.0.0.1 -P${up.port} -uroot --single-transaction --databases ${SCHEMAS.join(' ')}` +
    ` | mariadb -h127.0.0.1 -P${down.port} -uroot`;
  return new Promise((resolve, reject) => {
    const c = trackChild(
      spawn('bash', ['-o', 'pipefail', '-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'] }),
    );
    let err = '';
    c.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`copy failed: ${err}`))));
  });
}

/** Our SubTaskConfig: product syncer defaults, incremental from `meta`, only the bench schemas. */
function ourConfig(
  up: MariadbInstance,
  down: MariadbInstance,
  start: Pos,
  oc: OurConfig,
  index: number,
): SubTaskConfig {
  return syncConfig(
    up,
    down,
    { binlogName: start.file, binlogPos: start.pos },
    {
      name: 'bench',
      metaSchema: TASK_DEFAULTS.metaSchema,
      serverId: 424_242 + index,
      blockAllowList: { doDbs: SCHEMAS, ignoreDbs: [], doTables: [], ignoreTables: [] },
      syncer: {
        ...SYNCER_DEFAULTS,
        workerCount: WORKERS,
        batch: BATCH,
        multipleRows: oc.multipleRows,
        compact: oc.compact,
        safeModeDuration: SAFE_MODE_DURATION,
      },
    },
  );
}

// ---- our unit in a child process ------------------------------------------------------

type ChildMsg = { step: string; [k: string]: unknown };

/** The driver's handle on the child running our SyncUnit (JSON lines both ways). */
class OurSync {
  private readonly waiters: { step: string; resolve: (m: ChildMsg) => void }[] = [];
  last: ChildMsg | undefined;
  private constructor(readonly child: ChildProcess) {
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.on('line', (line) => {
      let m: ChildMsg;
      try {
        m = JSON.parse(line) as ChildMsg;
      } catch {
        return;
      }
      if (m.step === 'status') this.last = m;
      if (m.step === 'failed') say(`  ours: FAILED ${JSON.stringify(m.errors)}`);
      for (const w of this.waiters.filter((x) => x.step === m.step || m.step === 'failed')) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
    });
  }

  static async start(cfg: SubTaskConfig, workDir: string): Promise<OurSync> {
    const prof = process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : [];
    const child = spawn(
      process.execPath,
      [
        ...process.execArgv,
        // As bin/dm-worker runs the worker (see the comment there).
        '--max-semi-space-size=32',
        ...prof,
        fileURLToPath(import.meta.url),
        '--child',
        JSON.stringify({ cfg, workDir }),
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    trackChild(child);
    const s = new OurSync(child);
    await s.expect('ready');
    return s;
  }

  expect(step: string): Promise<ChildMsg> {
    return new Promise((resolve, reject) => {
      this.waiters.push({
        step,
        resolve: (m) =>
          m.step === 'failed' ? reject(new Error(`our sync failed: ${JSON.stringify(m)}`)) : resolve(m),
      });
      this.child.once('exit', (code) => reject(new Error(`our sync child exited (${code}) before ${step}`)));
    });
  }

  send(m: Record<string, unknown>): void {
    this.child.stdin?.write(`${JSON.stringify(m)}\n`);
  }

  /** Resolves with the child's own elapsed ms when its applied position reaches `target`. */
  async reach(target: Pos): Promise<number> {
    const p = this.expect('reached');
    this.send({ cmd: 'reach', target });
    return Number((await p).ms);
  }

  async pause(): Promise<void> {
    const p = this.expect('paused');
    this.send({ cmd: 'pause' });
    await p;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const p = this.expect('done').catch(() => undefined);
    this.send({ cmd: 'stop' });
    await Promise.race([p, sleep(20_000)]);
    // Let it exit by itself (a --cpu-prof profile is written on exit), then make sure.
    const exited = new Promise((r) => this.child.once('exit', r));
    if (this.child.exitCode === null) await Promise.race([exited, sleep(10_000)]);
    await stopChild(this.child, 5000);
  }
}

/**
 * BENCH_DEBUG: wrap a few private methods (diagnostics, no behaviour change) to time the
 * applier round trips, the exit-safe horizon waits and the event-loop delay.
 */
function instrument(): () => string {
  const acc = { applies: 0, applyMs: 0, horizonMs: 0, horizonCalls: 0, queryMs: 0 };
  const wrap = (proto: object, name: string, on: (ms: number) => void): void => {
    const p = proto as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const orig = p[name];
    if (!orig) return;
    p[name] = async function (this: unknown, ...a: unknown[]) {
      const t = performance.now();
      try {
        return await orig.apply(this, a);
      } finally {
        on(performance.now() - t);
      }
    };
  };
  wrap(Applier.prototype, 'apply', (ms) => {
    acc.applies++;
    acc.applyMs += ms;
  });
  wrap(SyncUnit.prototype, 'ensureHorizon', (ms) => {
    acc.horizonCalls++;
    acc.horizonMs += ms;
  });
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  return () => {
    const r =
      `applies=${acc.applies} avgApplyMs=${(acc.applyMs / Math.max(1, acc.applies)).toFixed(1)}` +
      ` horizonWaitMs=${acc.horizonMs.toFixed(0)}/${acc.horizonCalls}` +
      ` loopDelay p50=${(h.percentile(50) / 1e6).toFixed(1)} max=${(h.max / 1e6).toFixed(1)}ms`;
    Object.assign(acc, { applies: 0, applyMs: 0, horizonMs: 0, horizonCalls: 0 });
    h.reset();
    return r;
  };
}

async function childMain(): Promise<void> {
  const arg = JSON.parse(process.argv[3] ?? '{}') as { cfg: SubTaskConfig; workDir: string };
  const out = (m: ChildMsg): void => void process.stdout.write(`${JSON.stringify(m)}\n`);
  const logger = pino({ level: process.env.BENCH_LOG ?? 'warn' }, pino.destination(2));
  const unit = new SyncUnit(arg.cfg, { logger, workDir: arg.workDir });
  await unit.init();
  let ac = new AbortController();
  let run: Promise<{ errors: unknown[] }> | undefined;
  let startedAt = 0;
  const begin = (): void => {
    if (run) return;
    startedAt = performance.now();
    const signal = ac.signal;
    run = unit.process(signal);
    run.then(
      (r) => {
        if (!signal.aborted) out({ step: 'failed', errors: r.errors.map(String) });
      },
      () => undefined,
    );
  };
  const diag = process.env.BENCH_DEBUG ? instrument() : undefined;
  const statusTimer = setInterval(() => {
    out({ step: 'status', ...unit.status() });
    if (diag) {
      // Diagnostics only: peeks at the appliers' queues (private) to see where time goes.
      const appliers = (unit as unknown as { pool: { appliers: { length: number }[] } }).pool.appliers;
      process.stderr.write(`  [ours] queues ${appliers.map((x) => x.length).join(' ')} ${diag()}\n`);
    }
  }, 1000);
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const m = JSON.parse(line) as { cmd: string; target?: Pos };
    if (m.cmd === 'reach' && m.target) {
      const target = m.target;
      begin();
      // Cheap in-process check of the applied position (status() costs ~2% of our CPU at 100/s).
      const t = setInterval(() => {
        const p = unit.appliedLocation;
        if (p && posGe(p, target)) {
          clearInterval(t);
          out({ step: 'reached', ms: performance.now() - startedAt, status: unit.status() });
        }
      }, 10);
    } else if (m.cmd === 'pause') {
      // Between rounds: stop processing (as pause-task does); the next 'reach' resumes.
      void (async () => {
        ac.abort();
        if (run) await run;
        run = undefined;
        ac = new AbortController();
        out({ step: 'paused' });
      })();
    } else if (m.cmd === 'stop') {
      clearInterval(statusTimer);
      ac.abort();
      void (async () => {
        const r = run ? await run : { errors: [] };
        await unit.close();
        out({ step: 'done', errors: r.errors.map(String) });
        rl.close();
        process.exit(0);
      })();
    }
  });
  out({ step: 'ready' });
}

// ---- measurements -----------------------------------------------------------------------

interface Measured {
  s: number;
  cpu: number[];
}

interface Round {
  txns: number;
  rowChanges: number;
  binlogMb: number;
  nat: Measured;
  /** One per OUR_CONFIGS entry. */
  ours: Measured[];
}

interface Side {
  catchupS: number;
  cpuS: number;
  lag: number[];
  lagMissing: number;
  equal: boolean;
}

/**
 * Wait until the given processes together use under 5 % of a core over 1 s (at most 60 s):
 * a catch-up then starts on a machine no leftover work is slowing down.
 */
async function settle(pids: number[]): Promise<void> {
  const total = (): number => pids.reduce((acc, p) => acc + (cpuSeconds(p) || 0), 0);
  const deadline = Date.now() + 60_000;
  let before = total();
  while (Date.now() < deadline) {
    await sleep(1000);
    const now = total();
    if (now - before < 0.05) return;
    before = now;
  }
  say('  (servers still busy after 60 s; measuring anyway)');
}

/** Hold the native replica back again (between rounds). */
async function stopNative(b: MariadbInstance): Promise<void> {
  await b.query('STOP SLAVE');
}

/** Native replica: START SLAVE, then MASTER_POS_WAIT to `target`; seconds elapsed. */
async function nativeCatchup(b: MariadbInstance, target: Pos): Promise<number> {
  const c = await b.connect();
  try {
    const t0 = performance.now();
    await c.query('START SLAVE');
    const [rows] = await c.query('SELECT MASTER_POS_WAIT(?, ?, 3600) AS r', [target.file, target.pos]);
    const r = (rows as { r: number | string | null }[])[0]?.r;
    const s = (performance.now() - t0) / 1000;
    if (r === null || Number(r) < 0) {
      const [st] = await c.query('SHOW SLAVE STATUS');
      throw new Error(`native replica did not reach the position: ${JSON.stringify(st)}`);
    }
    return s;
  } finally {
    await c.end();
  }
}

const quantile = (xs: number[], q: number): number => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};

/**
 * Lag test: a heartbeat row (id, upstream commit time) every 100 ms; both downstreams polled
 * every 50 ms for the highest id; lag = first time seen − time the upstream INSERT returned.
 */
async function lagTest(
  up: MariadbInstance,
  downs: MariadbInstance[],
): Promise<{ lag: number[][]; missing: number[] }> {
  const hb = await up.connect('bench');
  const polls = await Promise.all(downs.map((d) => d.connect('bench')));
  const committed = new Map<number, number>();
  const seen = downs.map(() => new Map<number, number>());
  const maxSeen = downs.map(() => 0);
  let id = 0;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      const next = ++id;
      const t = performance.now();
      await hb.query('INSERT INTO heartbeat (id, ts) VALUES (?, ?)', [next, Date.now()]);
      committed.set(next, performance.now());
      await sleep(Math.max(0, 100 - (performance.now() - t)));
    }
  })();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const t = performance.now();
      await Promise.all(
        polls.map(async (c, i) => {
          const [rows] = await c.query('SELECT COALESCE(MAX(id), 0) AS m FROM heartbeat');
          const m = Number((rows as { m: number | string }[])[0]?.m ?? 0);
          const now = performance.now();
          for (let k = (maxSeen[i] as number) + 1; k <= m; k++) seen[i]?.set(k, now);
          maxSeen[i] = Math.max(maxSeen[i] as number, m);
        }),
      );
      await sleep(Math.max(0, 50 - (performance.now() - t)));
    }
  })();
  const sb = await sysbench(up, 'run', [`--time=${LAG_SECONDS}`, '--threads=4', `--rate=${RATE}`]);
  writing = false;
  await writer;
  const deadline = Date.now() + 120_000;
  while (maxSeen.some((m) => m < id) && Date.now() < deadline) await sleep(100);
  polling = false;
  await poller;
  await Promise.all([hb.end(), ...polls.map((c) => c.end())]);
  say(`  lag load: ${sysbenchTps(sb)} tx/s offered at --rate=${RATE}, ${id} heartbeats`);
  const lag = seen.map((m) =>
    [...committed].filter(([k]) => m.has(k)).map(([k, t]) => Math.max(0, (m.get(k) as number) - t)),
  );
  return { lag, missing: seen.map((m) => id - m.size) };
}

/** BENCH_DEBUG: what the downstream's connections are doing (State counts). */
async function processlist(db: MariadbInstance): Promise<void> {
  const rows = await db
    .query<{ s: string; n: number }>(
      "SELECT CONCAT(COMMAND, ':', COALESCE(NULLIF(STATE, ''), '-')) AS s, COUNT(*) AS n FROM information_schema.PROCESSLIST GROUP BY s",
    )
    .catch(() => []);
  process.stderr.write(`  [down] ${rows.map((r) => `${r.s}=${r.n}`).join(' ')}\n`);
}

function sysbenchTps(out: string): string {
  return /transactions:\s+\d+\s+\(([\d.]+) per sec/.exec(out)?.[1] ?? '?';
}

async function rowCounters(up: MariadbInstance): Promise<number> {
  const rows = await up.query<{ Variable_name: string; Value: string }>(
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('Handler_write','Handler_update','Handler_delete')",
  );
  return rows.reduce((a, r) => a + Number(r.Value), 0);
}

// ---- driver -------------------------------------------------------------------------------

async function main(): Promise<void> {
  const servers: MariadbInstance[] = [];
  const syncs: OurSync[] = [];
  try {
    say(
      `bench:incremental  rows/table=${ROWS} tables=${TABLES} burst=${SECONDS}s lag=${LAG_SECONDS}s@${RATE}tx/s` +
        `  ours: worker-count=${WORKERS} batch=${BATCH}` +
        ` safe-mode-duration=${SAFE_MODE_DURATION || 'default (2 x checkpoint-flush-interval)'}; ` +
        OUR_CONFIGS.map((c) => `[${c.label}: compact=${c.compact} multiple-rows=${c.multipleRows}]`).join(
          ' ',
        ) +
        `  native: slave_parallel_threads=${SLAVE_THREADS} optimistic`,
    );
    const [up, b, ...downs] = await Promise.all([
      startMariadb({ bufferPool: '512M' }),
      startMariadb({ bufferPool: '512M', noBinlog: true }),
      ...OUR_CONFIGS.map(() => startMariadb({ bufferPool: '512M', noBinlog: true })),
    ]);
    if (!up || !b) throw new Error('servers did not start');
    servers.push(up, b, ...downs);
    const t = performance.now();
    await up.query(
      'CREATE DATABASE sbtest; CREATE DATABASE bench; CREATE TABLE bench.heartbeat (id INT PRIMARY KEY, ts BIGINT NOT NULL)',
    );
    await sysbench(up, 'prepare');
    await Promise.all([b, ...downs].map((d) => copySchemas(up, d)));
    const start = await masterPos(up);
    say(
      `  prepared and copied in ${((performance.now() - t) / 1000).toFixed(1)} s; start ${start.file}:${start.pos}`,
    );

    // Native replica configured but not started; ours initialised but not processing.
    await b.query(
      `SET GLOBAL slave_parallel_threads=${SLAVE_THREADS}; SET GLOBAL slave_parallel_mode='optimistic';` +
        `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${up.port}, MASTER_USER='root', MASTER_PASSWORD='',` +
        ` MASTER_LOG_FILE='${start.file}', MASTER_LOG_POS=${start.pos}`,
    );
    for (const [i, oc] of OUR_CONFIGS.entries()) {
      const down = downs[i] as MariadbInstance;
      syncs.push(await OurSync.start(ourConfig(up, down, start, oc, i), tempDir('dm-bench-inc-')));
    }

    /** Seconds and CPU seconds (applier + its downstream server) of one side's catch-up. */
    const measure = async (run: () => Promise<number>, cpu: () => number[]): Promise<Measured> => {
      const c0 = cpu();
      const s = await run();
      const c1 = cpu();
      return { s, cpu: c1.map((x, i) => x - (c0[i] as number)) };
    };
    const debug = process.env.BENCH_DEBUG
      ? setInterval(() => void processlist(downs[0] as MariadbInstance), 1000)
      : undefined;
    const rounds: Round[] = [];
    say(
      TOGETHER
        ? '  catch-up: all released at the same moment (they compete for the same 2 cores)'
        : '  catch-up: one after the other, each with the machine to itself; the order rotates every round',
    );
    // "Each with the machine to itself": first let every server finish its background work
    // (InnoDB purge and page flushing after a burst or a catch-up), else whoever goes next
    // pays for the previous one's leftovers.
    const quiet = () => settle([up, b, ...downs].map(serverPid).concat(syncs.map((x) => x.child.pid ?? 0)));
    for (let round = 1; round <= ROUNDS; round++) {
      // Every applier is held back (native: slave stopped; ours: not processing) during the burst.
      const from = await masterPos(up);
      const rows0 = await rowCounters(up);
      const burst = await sysbench(up, 'run', [`--time=${SECONDS}`, '--threads=4']);
      const target = await masterPos(up);
      const rowChanges = (await rowCounters(up)) - rows0;
      const txns = Number(/transactions:\s+(\d+)/.exec(burst)?.[1] ?? 0);
      const binlogMb = target.file === from.file ? (target.pos - from.pos) / 1e6 : Number.NaN;
      // Side 0 is the native replica, side i + 1 our configuration i.
      const runs: (() => Promise<Measured>)[] = [
        () =>
          measure(
            () => nativeCatchup(b, target),
            () => [0, cpuSeconds(serverPid(b))],
          ),
        ...syncs.map(
          (o, i) => () =>
            measure(
              async () => (await o.reach(target)) / 1000,
              () => [cpuSeconds(o.child.pid), cpuSeconds(serverPid(downs[i] as MariadbInstance))],
            ),
        ),
      ];
      const results: Measured[] = new Array(runs.length);
      if (TOGETHER) {
        await quiet();
        await Promise.all(
          runs.map(async (r, i) => {
            results[i] = await r();
          }),
        );
      } else {
        for (let k = 0; k < runs.length; k++) {
          const i = (k + round - 1) % runs.length;
          await quiet();
          results[i] = await (runs[i] as () => Promise<Measured>)();
        }
      }
      const nat = results[0] as Measured;
      const ours = results.slice(1);
      rounds.push({ txns, rowChanges, binlogMb, nat, ours });
      say(
        `  round ${round}: ${txns} transactions (${sysbenchTps(burst)}/s upstream), ${rowChanges} row changes,` +
          ` ${binlogMb.toFixed(1)} MB binlog; native ${nat.s.toFixed(2)} s (server CPU ${nat.cpu[1]?.toFixed(1)} s)` +
          ours
            .map(
              (o, i) =>
                `; ${OUR_CONFIGS[i]?.label} ${o.s.toFixed(2)} s (node CPU ${o.cpu[0]?.toFixed(1)} s +` +
                ` downstream server CPU ${o.cpu[1]?.toFixed(1)} s): ratio ${(o.s / nat.s).toFixed(2)}`,
            )
            .join(''),
      );
      if (round < ROUNDS) {
        await Promise.all([stopNative(b), ...syncs.map((o) => o.pause())]);
      }
    }
    clearInterval(debug);

    say('  lag test: every applier running, heartbeat every 100 ms, polled every 50 ms');
    const lag = await lagTest(up, [...downs, b]);

    // Verify: all at the upstream's final position, then server-side checksums.
    const end = await masterPos(up);
    await Promise.all([nativeCatchup(b, end), ...syncs.map((o) => o.reach(end))]);
    const sums = async (db: MariadbInstance) =>
      JSON.stringify(await Promise.all(SCHEMAS.map((s) => tableSums(db, s))));
    const su = await sums(up);
    const sb = await sums(b);
    const sd = await Promise.all(downs.map(sums));
    const sum = (f: (r: Round) => number): number => rounds.reduce((acc, r) => acc + f(r), 0);
    const native: Side = {
      catchupS: sum((r) => r.nat.s),
      cpuS: sum((r) => r.nat.cpu[1] as number),
      lag: lag.lag[downs.length] ?? [],
      lagMissing: lag.missing[downs.length] ?? 0,
      equal: sb === su,
    };
    let allEqual = native.equal;
    for (const [i, oc] of OUR_CONFIGS.entries()) {
      const side: Side = {
        catchupS: sum((r) => (r.ours[i] as Measured).s),
        cpuS: sum(
          (r) => ((r.ours[i] as Measured).cpu[0] as number) + ((r.ours[i] as Measured).cpu[1] as number),
        ),
        lag: lag.lag[i] ?? [],
        lagMissing: lag.missing[i] ?? 0,
        equal: sd[i] === su,
      };
      allEqual &&= side.equal;
      say(`\n== ${oc.label} (compact=${oc.compact}, multiple-rows=${oc.multipleRows}) vs native replica`);
      report(
        [side, native],
        sum((r) => r.txns),
        sum((r) => r.rowChanges),
        sum((r) => r.binlogMb),
      );
      const ratios = rounds.map((r) => (r.ours[i] as Measured).s / r.nat.s);
      say(
        `catch-up ratio per round: ${ratios.map((x) => x.toFixed(2)).join(', ')};` +
          ` median ${quantile(ratios, 0.5).toFixed(2)} (${ROUNDS} rounds)`,
      );
    }
    if (!allEqual) {
      say(`  up   ${su}\n  nat  ${sb}\n${sd.map((x, i) => `  ours[${i}] ${x}`).join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    await Promise.all(syncs.map((o) => o.stop().catch(() => undefined)));
    await Promise.all(servers.map((s) => s.destroy().catch(() => undefined)));
  }
}

function report(sides: Side[], txns: number, rows: number, mb: number): void {
  const [o, n] = sides as [Side, Side];
  const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const line = (name: string, a: string, b: string, r: string): void =>
    say(`${name.padEnd(30)}${a.padStart(14)}${b.padStart(16)}${r.padStart(14)}`);
  const ratio = (x: number, y: number): string => (y > 0 && Number.isFinite(x / y) ? f(x / y) : '-');
  say('');
  line('', 'ours (dm-ts)', 'native replica', 'ours/native');
  line('catch-up seconds', f(o.catchupS), f(n.catchupS), ratio(o.catchupS, n.catchupS));
  line('transactions/s', f(txns / o.catchupS, 0), f(txns / n.catchupS, 0), ratio(n.catchupS, o.catchupS));
  line('row changes/s', f(rows / o.catchupS, 0), f(rows / n.catchupS, 0), ratio(n.catchupS, o.catchupS));
  line('binlog MB/s', f(mb / o.catchupS, 1), f(mb / n.catchupS, 1), ratio(n.catchupS, o.catchupS));
  line('CPU s in catch-up (+its server)', f(o.cpuS, 1), f(n.cpuS, 1), ratio(o.cpuS, n.cpuS));
  for (const [q, name] of [
    [0.5, 'lag p50 ms'],
    [0.99, 'lag p99 ms'],
    [1, 'lag max ms'],
  ] as const) {
    const x = quantile(o.lag, q);
    const y = quantile(n.lag, q);
    line(name, f(x, 0), f(y, 0), ratio(x, y));
  }
  line('heartbeats seen / missing', `${o.lag.length}/${o.lagMissing}`, `${n.lag.length}/${n.lagMissing}`, '');
  line('CHECKSUM+COUNT equal to up', o.equal ? 'yes' : 'NO', n.equal ? 'yes' : 'NO', '');
  say('(catch-up ratio: time ours/native, goal <= 1.0; rates: ours/native, goal >= 1.0)');
  // Other work on the machine skews the ratio against a single-threaded applier: say how busy it was.
  say(
    `(machine load average at the end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on 2 cores)`,
  );
}

if (process.argv[2] === '--child') {
  await childMain();
} else {
  // The harness unrefs the processes it tracks; this timer keeps the loop alive meanwhile.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await main();
  clearInterval(keepAlive);
  process.exit();
}
