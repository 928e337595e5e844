import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, tempDir, trackChild } from '../../harness/index.js';

/**
 * Helpers for cluster tests: spawn real dm-master / dm-worker programs and run dmctl (the
 * TypeScript sources through tsx when the test runs from source, the built JS from dist).
 */
const here = import.meta.url;
const fromSource = here.endsWith('.ts');
const entry = (name: string): string =>
  fileURLToPath(new URL(`../../../src/cmd/${name}.${fromSource ? 'ts' : 'js'}`, here));
const nodeArgs = (name: string, args: string[]): string[] =>
  fromSource ? ['--import', 'tsx', entry(name), ...args] : [entry(name), ...args];

export interface Proc {
  child: ChildProcess;
  output(): string;
}

function spawnProgram(name: string, args: string[]): Proc {
  const child = trackChild(
    spawn(process.execPath, nodeArgs(name, args), {
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

export interface MasterSpec {
  name: string;
  addr: string;
  peerUrl: string;
  dataDir: string;
  etcdClientUrl: string;
}

/** Free ports and a private data dir for `n` masters named m1…mn. */
export async function masterSpecs(n: number): Promise<MasterSpec[]> {
  const base = tempDir('dm-master-');
  const specs: MasterSpec[] = [];
  for (let i = 1; i <= n; i++) {
    const peerPort = await freePort();
    // The etcd client URL is given explicitly: peer port + 1 (the default) may be taken.
    specs.push({
      etcdClientUrl: `http://127.0.0.1:${await freePort()}`,
      name: `m${i}`,
      addr: `127.0.0.1:${await freePort()}`,
      peerUrl: `http://127.0.0.1:${peerPort}`,
      dataDir: join(base, `m${i}`),
    });
  }
  return specs;
}

export function spawnMaster(spec: MasterSpec, initialCluster: string, extra: string[] = []): Proc {
  return spawnProgram('dm-master', [
    '--name',
    spec.name,
    '--master-addr',
    spec.addr,
    '--peer-urls',
    spec.peerUrl,
    '--initial-cluster',
    initialCluster,
    '--data-dir',
    spec.dataDir,
    '--etcd-client-urls',
    spec.etcdClientUrl,
    '--election-ttl',
    '3',
    ...extra,
  ]);
}

export async function spawnWorker(name: string, join: string, ttl = 2): Promise<Proc & { addr: string }> {
  const addr = `127.0.0.1:${await freePort()}`;
  const p = spawnProgram('dm-worker', [
    '--name',
    name,
    '--worker-addr',
    addr,
    '--join',
    join,
    '--keepalive-ttl',
    String(ttl),
    '--work-dir',
    tempDir('dm-worker-wd-'),
  ]);
  return { ...p, addr };
}

/** Run dmctl; resolves with its exit code, stdout parsed as JSON (when it is JSON) and raw text. */
export function dmctl(
  masterAddr: string,
  args: string[],
): Promise<{ code: number; json: Record<string, unknown>; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      nodeArgs('dmctl', ['--master-addr', masterAddr, ...args]),
      { env: { ...process.env, NODE_OPTIONS: '' }, timeout: 120_000 },
      (err, stdout, stderr) => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(stdout) as Record<string, unknown>;
        } catch {
          // not JSON (e.g. encrypt, -p)
        }
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, json, stdout, stderr });
      },
    );
  });
}

/** `GET /api/internal/info` of a master, or undefined when it does not answer. */
export async function masterInfo(
  addr: string,
): Promise<
  | { name: string; isLeader: boolean; leader: { name: string; addr: string } | null; etcdPid: number | null }
  | undefined
> {
  try {
    const res = await fetch(`http://${addr}/api/internal/info`, { signal: AbortSignal.timeout(2_000) });
    return (await res.json()) as Awaited<ReturnType<typeof masterInfo>>;
  } catch {
    return undefined;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Poll `cond` every 100 ms until it returns a truthy value; throws after `ms`. */
export { until } from '../../harness/poll.js';

/**
 * Wait for a child's exit. Children from trackChild are unref'd, so a timer keeps the event
 * loop alive meanwhile (else the test runner sees an empty loop and cancels the test).
 */
export async function exited(c: ChildProcess, ms = 30_000): Promise<number | string | null> {
  if (c.exitCode !== null || c.signalCode !== null) return c.exitCode ?? c.signalCode;
  const keep = setInterval(() => undefined, 1_000);
  try {
    return await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`process ${c.pid} did not exit within ${ms} ms`)), ms);
      c.once('exit', (code, sig) => {
        clearTimeout(t);
        resolve(code ?? sig);
      });
    });
  } finally {
    clearInterval(keep);
  }
}
