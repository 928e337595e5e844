import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { until as poll, trackChild } from '../../harness/index.js';

/**
 * Helpers for worker integration tests: spawn the real dm-worker program (the TypeScript
 * source through tsx when the test runs from source, the built JS when it runs from dist),
 * and poll until a condition holds.
 */
const here = import.meta.url;
const fromSource = here.endsWith('.ts');
const entry = fileURLToPath(new URL(`../../../src/cmd/dm-worker.${fromSource ? 'ts' : 'js'}`, here));

export interface SpawnedWorker {
  child: ChildProcess;
  /** stderr + stdout collected so far (JSON log lines). */
  output(): string;
}

export function spawnWorker(args: string[], cwd?: string): SpawnedWorker {
  // Resolve tsx from here, not from the child's cwd (a temp dir in some tests).
  const nodeArgs = fromSource ? ['--import', import.meta.resolve('tsx'), entry, ...args] : [entry, ...args];
  const child = trackChild(
    spawn(process.execPath, nodeArgs, {
      cwd: cwd ?? process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    }),
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { child, output: () => out };
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
export function exitOf(c: ChildProcess): Promise<number | string | null> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c.exitCode ?? c.signalCode);
  return new Promise((resolve) => c.once('exit', (code, sig) => resolve(code ?? sig)));
}

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
