import { createServer, type Server } from 'node:http';
import type { Etcd3 } from 'etcd3';
import type { SubTaskStatus, WorkerStatusResponse } from '../../../src/pkg/api/worker-api.js';
import type { SourceConfig, SubTaskConfig } from '../../../src/pkg/config/index.js';
import { parseSourceConfig, parseTaskConfig, toSubTaskConfigs } from '../../../src/pkg/config/index.js';
import { Keys } from '../../../src/pkg/etcd/keys.js';
import type { MariadbInstance } from '../../harness/index.js';
import { exited, type Proc, until as poll, spawnProgram, tableSums } from '../../harness/index.js';

/** Helpers for worker integration tests: the real dm-worker program (harness/programs.ts), a poller. */
export type SpawnedWorker = Proc;

export function spawnWorker(args: string[], cwd?: string): SpawnedWorker {
  return spawnProgram('dm-worker', args, cwd);
}

/** `--name <name> --worker-addr 127.0.0.1:<port> --join <join>` and the `extra` flags. */
export function workerArgs(name: string, port: number, join: string, ...extra: string[]): string[] {
  return ['--name', name, '--worker-addr', `127.0.0.1:${port}`, '--join', join, ...extra];
}

/** Source `id` reading `up` as root without password; `extra` is more source YAML (lines ending in \n). */
export function upstreamSource(id: string, up: { port: number }, extra = ''): SourceConfig {
  return parseSourceConfig(
    `source-id: ${id}\n${extra}from:\n  host: 127.0.0.1\n  port: ${up.port}\n  user: root\n  password: ""\n`,
  );
}

/**
 * What dm-master writes for a subtask bound to `worker` (the test stands in for the master):
 * the source config, the subtask config made from `taskYaml`, its stage Running and the
 * binding of the source to the worker.
 */
export async function putBoundSubtask(
  client: Etcd3,
  source: SourceConfig,
  taskYaml: string,
  worker: string,
): Promise<SubTaskConfig> {
  const [sub] = toSubTaskConfigs(parseTaskConfig(taskYaml), new Map([[source.sourceId, source]]));
  if (!sub) throw new Error('no subtask config');
  await client.put(Keys.sourceConfig(source.sourceId)).value(JSON.stringify(source));
  await client.put(Keys.subtaskConfig(source.sourceId, sub.name)).value(JSON.stringify(sub));
  await client.put(Keys.subtaskStage(source.sourceId, sub.name)).value(JSON.stringify({ stage: 'Running' }));
  await client.put(Keys.boundWorker(worker)).value(JSON.stringify({ source: source.sourceId, worker }));
  return sub;
}

/** Poll `cond` every 50 ms until it returns a truthy value; throws after `ms`. */
export function until<T>(
  cond: () => Promise<T> | T,
  ms = 20_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  return poll(cond, ms, what, { intervalMs: 50 });
}

/** Exit code (or signal) of a child, waiting for it. */
export const exitOf = (c: Proc['child']) => exited(c, 120_000);

/**
 * A stand-in for dm-master's registration endpoint (used until the real master is wired into
 * these tests): answers `POST /api/internal/workers/register` with the given etcd endpoints
 * and records the requests. The etcd state the master would write is written by the test
 * itself into the real etcd.
 */
export async function startRegistrar(
  etcdEndpoints: string[],
): Promise<{ addr: string; requests: unknown[]; close(): Promise<void> }> {
  const requests: unknown[] = [];
  const srv: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/api/internal/workers/register') {
        requests.push(JSON.parse(body));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ result: true, msg: '', etcdEndpoints }));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const a = srv.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    addr: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
}

/** `GET <url>/status` (of one task when given) of a dm-worker, or undefined when it does not answer. */
export async function workerStatus(url: string, task?: string): Promise<WorkerStatusResponse | undefined> {
  try {
    const q = task === undefined ? '' : `?task=${task}`;
    return (await (await fetch(`${url}/status${q}`)).json()) as WorkerStatusResponse;
  } catch {
    return undefined;
  }
}

/**
 * Wait (60 s) until `down`'s `schema` equals what `up`'s is now (CHECKSUM TABLE + COUNT per
 * table); a Paused subtask ends the wait at once, and the worker's output tail goes in the error.
 */
export async function waitSchemaEqual(
  up: MariadbInstance,
  down: MariadbInstance,
  schema: string,
  sub: () => Promise<SubTaskStatus | undefined>,
  w: SpawnedWorker,
  what: string,
  tail = 3000,
): Promise<void> {
  const want = await tableSums(up, schema);
  await until(
    async () => {
      const s = await sub();
      if (s?.stage === 'Paused') throw new Error(`paused: ${JSON.stringify(s.result)}`);
      return JSON.stringify(await tableSums(down, schema).catch(() => [])) === JSON.stringify(want);
    },
    60_000,
    what,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${w.output().slice(-tail)}`);
  });
}
