/**
 * Supervises this master's etcd member: the real `etcd` binary, started with the master's
 * peer/client URLs and its data under `<data-dir>/etcd`, restarted with backoff when it
 * dies, and stopped with the master. Where util-linux `setpriv` exists the child also gets
 * `PDEATHSIG=KILL`, so even a `kill -9` of dm-master leaves no orphan etcd (the member dies
 * with its master, exactly like DM's embedded etcd).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { dmError, E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { Backoff, sleep } from '../pkg/retry/backoff.js';
import { clusterFetch } from '../pkg/tls/cluster-http.js';
import { type ClusterTlsPaths, tlsEnabled } from '../pkg/tls/cluster-tls.js';

export interface EtcdMemberOptions {
  name: string;
  /** More etcd flags (`--name=value`), from dm-master's etcd keys; last, so they win. */
  extraFlags?: readonly string[];
  /** The master's data dir; etcd uses `<dataDir>/etcd`, its log `<dataDir>/etcd.log`. */
  dataDir: string;
  etcdBin: string;
  listenPeerUrls: string;
  advertisePeerUrls: string;
  listenClientUrls: string;
  advertiseClientUrls: string;
  initialCluster: string;
  initialClusterState: 'new' | 'existing';
  /**
   * Cluster TLS (DM's embed config with `ssl-*`): client and peer listeners serve HTTPS with
   * this certificate and require client certificates signed by the CA; peers' CN must be in
   * `cert-allowed-cn` (etcd 3.4 has `--peer-cert-allowed-cn` only: on the client port the CN
   * is checked by nobody, the CA is).
   */
  tls?: ClusterTlsPaths;
}

/** Lifecycle: idle → running (restarting on crash) → stopped. */
export type EtcdMemberState = 'idle' | 'running' | 'stopped';

let setprivChecked: boolean | undefined;
function hasSetpriv(): boolean {
  if (setprivChecked === undefined) {
    const r = spawnSync('setpriv', ['--help'], { stdio: 'ignore' });
    setprivChecked = r.status === 0;
  }
  return setprivChecked;
}

/** True when `<dataDir>/etcd` already holds a member (a restart, not a first start). */
export function memberDataExists(dataDir: string): boolean {
  return existsSync(join(dataDir, 'etcd', 'member'));
}

export class EtcdMember {
  private child: ChildProcess | undefined;
  private state: EtcdMemberState = 'idle';
  private readonly backoff = new Backoff({ initialMs: 200, maxMs: 5_000 });
  private readonly stopCtl = new AbortController();
  private readonly killOnExit = (): void => {
    if (this.child?.pid !== undefined && this.child.exitCode === null) {
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  constructor(
    private readonly o: EtcdMemberOptions,
    private readonly log: Logger,
  ) {}

  /** The etcd child's pid (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Start the member; resolves once the process is spawned (not yet serving). */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    mkdirSync(join(this.o.dataDir, 'etcd'), { recursive: true });
    process.on('exit', this.killOnExit);
    this.spawnOnce();
  }

  private args(): string[] {
    const o = this.o;
    return [
      `--name=${o.name}`,
      `--data-dir=${join(o.dataDir, 'etcd')}`,
      `--listen-peer-urls=${o.listenPeerUrls}`,
      `--initial-advertise-peer-urls=${o.advertisePeerUrls}`,
      `--listen-client-urls=${o.listenClientUrls}`,
      `--advertise-client-urls=${o.advertiseClientUrls}`,
      `--initial-cluster=${o.initialCluster}`,
      `--initial-cluster-state=${o.initialClusterState}`,
      ...(o.tls && tlsEnabled(o.tls) ? etcdTlsArgs(o.tls) : []),
      // Faster failure detection than etcd's defaults suits a small local control plane.
      '--heartbeat-interval=100',
      '--election-timeout=1000',
      '--log-level=warn',
      '--logger=zap',
      // dm-master's etcd keys (auto-compaction-*, quota-backend-bytes, max-txn-ops, …).
      ...(o.extraFlags ?? []),
    ];
  }

  private spawnOnce(): void {
    const logFd = openSync(join(this.o.dataDir, 'etcd.log'), 'a');
    const [cmd, args] = hasSetpriv()
      ? ['setpriv', ['--pdeathsig', 'KILL', '--', this.o.etcdBin, ...this.args()]]
      : [this.o.etcdBin, this.args()];
    this.log.info({ cmd, args }, 'starting etcd member');
    const child = spawn(cmd as string, args as string[], {
      stdio: ['ignore', logFd, logFd],
      detached: false,
    });
    closeSync(logFd);
    this.child = child;
    child.once('error', (err) => {
      this.log.error({ err }, 'etcd spawn failed');
    });
    child.once('exit', (code, signal) => {
      if (this.state === 'stopped') return;
      const delay = this.backoff.next();
      this.log.warn({ code, signal, delay }, 'etcd member exited; restarting');
      void sleep(delay, this.stopCtl.signal).then(() => {
        if (this.state === 'running') this.spawnOnce();
      });
    });
    // A member that stayed up for a while earns a fresh backoff.
    const t = setTimeout(() => {
      if (this.child === child && child.exitCode === null) this.backoff.reset();
    }, 30_000);
    t.unref();
  }

  /** Stop the member: SIGTERM, then SIGKILL after `graceMs`. Idempotent. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.stopCtl.abort();
    const child = this.child;
    process.off('exit', this.killOnExit);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}

/** etcd flags for client and peer mutual TLS with the cluster's certificate (DM: ClientTLSInfo, PeerTLSInfo). */
export function etcdTlsArgs(t: ClusterTlsPaths): string[] {
  const cn = t.certAllowedCn[0];
  return [
    `--cert-file=${t.sslCert}`,
    `--key-file=${t.sslKey}`,
    `--trusted-ca-file=${t.sslCa}`,
    '--client-cert-auth',
    `--peer-cert-file=${t.sslCert}`,
    `--peer-key-file=${t.sslKey}`,
    `--peer-trusted-ca-file=${t.sslCa}`,
    '--peer-client-cert-auth',
    // DM sets AllowedCN = CertAllowedCN[0] (etcd takes one name).
    ...(cn !== undefined ? [`--peer-cert-allowed-cn=${cn}`] : []),
  ];
}

/**
 * Ask an existing etcd cluster (through its v3 gRPC-gateway, HTTPS with cluster TLS) to add a member
 * with `peerUrl`; returns the resulting `--initial-cluster` string including the new member.
 */
export async function etcdMemberAdd(
  clientUrl: string,
  name: string,
  peerUrl: string,
): Promise<{ initialCluster: string }> {
  const res = await clusterFetch(`${clientUrl}/v3/cluster/member/add`, {
    method: 'POST',
    body: JSON.stringify({ peerURLs: [peerUrl] }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as {
    members?: { name?: string; peerURLs?: string[] }[];
    error?: string;
    message?: string;
  };
  if (!res.ok || !body.members) {
    throw dmError(E.masterEtcd, `etcd member add failed: ${body.error ?? body.message ?? res.status}`);
  }
  const parts: string[] = [];
  for (const m of body.members) {
    const url = m.peerURLs?.[0];
    if (!url) continue;
    // The member being added has no name yet: it is the one with our peer URL.
    parts.push(`${m.name || (url === peerUrl ? name : '')}=${url}`);
  }
  return { initialCluster: parts.join(',') };
}
