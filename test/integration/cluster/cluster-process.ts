import { join } from 'node:path';
import type { CtlResult, Proc } from '../../harness/index.js';
import { freePort, runProgram, spawnProgram, tempDir, until } from '../../harness/index.js';

/** Helpers for cluster tests: real dm-master / dm-worker programs (harness/programs.ts) and dmctl. */
export type { Proc } from '../../harness/index.js';
export { exited, until } from '../../harness/index.js';

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
export function dmctl(masterAddr: string, args: string[]): Promise<CtlResult> {
  return runProgram('dmctl', ['--master-addr', masterAddr, ...args]);
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

/** The master spec named `name` among `specs` (throws when there is none). */
export function specNamed(specs: MasterSpec[], name: string): MasterSpec {
  const s = specs.find((x) => x.name === name);
  if (!s) throw new Error(`no master ${name}`);
  return s;
}

/** The leader all running masters of `among` agree on (undefined while they disagree or none leads). */
export async function agreedLeader(among: MasterSpec[]): Promise<string | undefined> {
  const infos = await Promise.all(among.map((s) => masterInfo(s.addr)));
  const leaders = infos.filter((i) => i?.isLeader);
  const name = leaders[0]?.name;
  return leaders.length === 1 && infos.every((i) => i?.leader?.name === name) ? name : undefined;
}

/** A single dm-master (a one-member cluster), waited for until it leads; `base` is its HTTP root. */
export async function startSoloMaster(
  extra: string[] = [],
): Promise<{ spec: MasterSpec; proc: Proc; base: string }> {
  const [spec] = (await masterSpecs(1)) as [MasterSpec];
  const proc = spawnMaster(spec, `${spec.name}=${spec.peerUrl}`, extra);
  await until(async () => (await masterInfo(spec.addr))?.isLeader, 30_000, 'master elected');
  return { spec, proc, base: `http://${spec.addr}` };
}
