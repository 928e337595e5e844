import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { FatalWait, until } from './poll.js';
import { freePort } from './ports.js';
import { killChild, stopChild, trackChild } from './processes.js';
import { tempDir } from './tmp.js';

/**
 * Real dm-master / dm-worker processes (the built `bin/*` programs) and a `dmctl` runner,
 * for end-to-end tests that drive the cluster exactly as a user does.
 */
const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const bin = (name: string) => join(ROOT, 'bin', name);

export interface DmProcess {
  readonly name: string;
  readonly addr: string;
  readonly dir: string;
  readonly logFile: string;
  child: ChildProcess;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  kill9(): Promise<void>;
  /** Start again with the same flags (after stop/kill9). */
  restart(): Promise<void>;
  log(): string;
}

function startProc(binName: string, args: string[], dir: string, name: string, addr: string): DmProcess {
  const logFile = join(dir, `${name}.log`);
  const spawnIt = () => {
    const out = openSync(logFile, 'a');
    return trackChild(spawn(bin(binName), args, { stdio: ['ignore', out, out], cwd: dir }));
  };
  const p: DmProcess = {
    name,
    addr,
    dir,
    logFile,
    child: spawnIt(),
    stop: () => stopChild(p.child, 15_000),
    kill9: () => killChild(p.child),
    async restart() {
      p.child = spawnIt();
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  };
  return p;
}

export interface MasterProcess extends DmProcess {
  readonly peerUrl: string;
}

/** Start one dm-master (supervising its own etcd) on free ports. Wait with `waitMasterReady`. */
export async function startMaster(
  opts: {
    name?: string;
    initialCluster?: string;
    peerPort?: number;
    clientPort?: number;
    /** The supervised etcd's client port (default: peer port + 1, which may be taken). */
    etcdClientPort?: number;
  } = {},
): Promise<MasterProcess> {
  const name = opts.name ?? `master${process.pid}`;
  const dir = tempDir('dm-master-');
  const clientPort = opts.clientPort ?? (await freePort());
  const peerPort = opts.peerPort ?? (await freePort());
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const addr = `127.0.0.1:${clientPort}`;
  const args = [
    '--name',
    name,
    '--master-addr',
    addr,
    '--peer-urls',
    peerUrl,
    '--data-dir',
    join(dir, 'data'),
    '-L',
    'debug',
  ];
  if (opts.initialCluster) args.push('--initial-cluster', opts.initialCluster);
  if (opts.etcdClientPort) args.push('--etcd-client-urls', `http://127.0.0.1:${opts.etcdClientPort}`);
  return Object.assign(startProc('dm-master', args, dir, name, addr), { peerUrl });
}

/** Start one dm-worker joining `masters`. */
export async function startWorker(name: string, masters: string, extra: string[] = []): Promise<DmProcess> {
  const dir = tempDir('dm-worker-');
  const addr = `127.0.0.1:${await freePort()}`;
  const args = [
    '--name',
    name,
    '--worker-addr',
    addr,
    '--join',
    masters,
    '--work-dir',
    dir,
    '-L',
    'debug',
    ...extra,
  ];
  return startProc('dm-worker', args, dir, name, addr);
}

export interface CtlResult {
  code: number;
  json: Record<string, unknown>;
  stdout: string;
  stderr: string;
}

/** Run `bin/dmctl --master-addr <master> args…`; parse its JSON stdout. */
export async function dmctl(master: string, ...args: string[]): Promise<CtlResult> {
  try {
    const { stdout, stderr } = await run(bin('dmctl'), ['--master-addr', master, ...args], {
      maxBuffer: 1 << 24,
      timeout: 60_000,
    });
    return { code: 0, json: parseJson(stdout), stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      json: parseJson(e.stdout ?? ''),
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    };
  }
}

function parseJson(s: string): Record<string, unknown> {
  try {
    return JSON.parse(s) as Record<string, unknown>;
  } catch {
    return {};
  }
}

export { FatalWait } from './poll.js';

/** Poll until `check` returns true (exceptions count as false, except FatalWait). */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  ms: number,
  what: string,
): Promise<void> {
  await until(check, ms, what, {
    intervalMs: 300,
    retryErrors: true,
    message: (last) => `timed out after ${ms / 1000}s waiting for ${what}${last ? `: ${String(last)}` : ''}`,
  });
}

export async function waitMasterReady(master: string): Promise<void> {
  await waitUntil(
    async () => (await dmctl(master, 'list-member', '--leader')).json.result === true,
    60_000,
    `dm-master ${master}`,
  );
}

export async function waitWorkerRegistered(master: string, worker: string): Promise<void> {
  await waitUntil(
    async () => JSON.stringify((await dmctl(master, 'list-member', '--worker')).json).includes(`"${worker}"`),
    60_000,
    `worker ${worker} registered`,
  );
}

/** A worker as `list-member --worker` shows it. */
export interface WorkerRow {
  name: string;
  stage: string;
  source: string;
}

/** The workers `list-member --worker` lists. */
export async function listWorkers(master: string): Promise<WorkerRow[]> {
  const r = await dmctl(master, 'list-member', '--worker');
  const members = r.json.members as { worker?: { workers: WorkerRow[] } }[] | undefined;
  return members?.find((m) => m.worker)?.worker?.workers ?? [];
}

/** The first subtask status of `task` from query-status, or undefined. */
export async function subtaskStatus(
  master: string,
  task: string,
): Promise<Record<string, unknown> | undefined> {
  const r = await dmctl(master, 'query-status', task);
  const sources = r.json.sources as { subTaskStatus?: Record<string, unknown>[] }[] | undefined;
  return sources?.[0]?.subTaskStatus?.[0];
}

/** Wait until the task's (single-source) subtask is in Sync and synced. */
export async function waitSynced(master: string, task: string, ms = 180_000): Promise<void> {
  let last: Record<string, unknown> | undefined;
  await waitUntil(
    async () => {
      last = await subtaskStatus(master, task);
      const sync = last?.sync as { synced?: boolean } | undefined;
      if (last?.stage === 'Paused') throw new FatalWait(`task paused: ${JSON.stringify(last.result)}`);
      return last?.unit === 'Sync' && sync?.synced === true;
    },
    ms,
    `task ${task} synced (last status ${JSON.stringify(last)})`,
  );
}

/** What {@link startCluster} starts. */
export interface ClusterOptions {
  /** The dm-master's name (default `m1`). */
  master?: string;
  /** dm-workers to start, in order, each waited for until the master lists it. */
  workers?: string[];
  /** Extra flags for every worker (e.g. `['--keepalive-ttl', '3']`). */
  workerArgs?: string[];
  /** Source config files to create (`operate-source create`) once the workers are registered. */
  sources?: string[];
}

/** One dm-master with its workers, driven through bin/dmctl. */
export interface DmCluster {
  readonly master: MasterProcess;
  readonly workers: DmProcess[];
  /** The first worker. */
  readonly worker: DmProcess;
  /** The master's client address (`--master-addr`). */
  readonly addr: string;
  /** `dmctl --master-addr <master> args…`. */
  ctl(...args: string[]): Promise<CtlResult>;
  /** The first subtask status of `task` (query-status), or undefined. */
  status(task: string): Promise<Record<string, unknown> | undefined>;
  /** Wait until the task's (single-source) subtask is in Sync and synced. */
  waitSynced(task: string, ms?: number): Promise<void>;
  /** The workers `list-member --worker` lists. */
  workerList(): Promise<WorkerRow[]>;
  /** `operate-source create <file>`; throws when dm-master refuses it. */
  createSource(file: string, ...args: string[]): Promise<CtlResult>;
  /** Start one more worker and wait until it is registered. */
  addWorker(name: string, args?: string[]): Promise<DmProcess>;
  /** SIGTERM the workers, then the master. */
  stop(): Promise<void>;
}

/**
 * The one cluster start-up of the end-to-end tests: a dm-master (with its etcd), the workers
 * registered with it, and the sources created.
 */
export async function startCluster(o: ClusterOptions = {}): Promise<DmCluster> {
  const master = await startMaster({ name: o.master ?? 'm1' });
  await waitMasterReady(master.addr);
  const addr = master.addr;
  const workers: DmProcess[] = [];
  const dm: DmCluster = {
    master,
    workers,
    get worker(): DmProcess {
      const w = workers[0];
      if (!w) throw new Error('the cluster has no worker');
      return w;
    },
    addr,
    ctl: (...args) => dmctl(addr, ...args),
    status: (task) => subtaskStatus(addr, task),
    waitSynced: (task, ms) => waitSynced(addr, task, ms),
    workerList: () => listWorkers(addr),
    async createSource(file, ...args) {
      const r = await dmctl(addr, 'operate-source', 'create', file, ...args);
      if (r.json.result !== true) throw new Error(`operate-source create ${file}: ${r.stdout}${r.stderr}`);
      return r;
    },
    async addWorker(name, args = o.workerArgs ?? []) {
      const w = await startWorker(name, addr, args);
      workers.push(w);
      await waitWorkerRegistered(addr, name);
      return w;
    },
    async stop() {
      for (const w of workers) await w.stop();
      await master.stop();
    },
  };
  try {
    for (const name of o.workers ?? []) await dm.addWorker(name);
    for (const file of o.sources ?? []) await dm.createSource(file);
  } catch (err) {
    await dm.stop();
    throw err;
  }
  return dm;
}
