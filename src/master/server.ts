/**
 * One dm-master: supervises its etcd member (or uses an external etcd), advertises itself
 * under a lease, campaigns for leadership, and serves the HTTP API. The leader additionally
 * runs the scheduler; followers forward API calls to it (http-server.ts).
 */

import { mkdirSync } from 'node:fs';
import { Etcd3, type Lease } from 'etcd3';
import type { FastifyInstance } from 'fastify';
import type { Prechecker } from '../pkg/api/check-report.js';
import { dmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import type { Logger } from '../pkg/log/logger.js';
import { Backoff, sleep } from '../pkg/retry/backoff.js';
import { clusterFetch, clusterUrl, useClusterTls } from '../pkg/tls/cluster-http.js';
import { type ClusterTls, etcdClientTls, loadClusterTls } from '../pkg/tls/cluster-tls.js';
import { ensureEncryptKey } from './ctl-api.js';
import { LeaderElection } from './election.js';
import { EtcdMember, memberDataExists } from './etcd-member.js';
import { buildHttp } from './http-server.js';
import type { LeaderCtx } from './leader-context.js';
import { LeaderWatchdog } from './leader-watchdog.js';
import { registerLocalRoutes } from './local-routes.js';
import type { MasterHandle } from './master-handle.js';
import { type MasterInfo, readMasterInfos } from './member-ops.js';
import { type MasterOptions, splitHostPort } from './options.js';
import { Scheduler } from './scheduler.js';
import { Optimist } from './shardddl/optimist.js';
import { Pessimist } from './shardddl/pessimist.js';

export class MasterServer implements MasterHandle {
  private etcd: EtcdMember | undefined;
  private client_: Etcd3 | undefined;
  private election: LeaderElection | undefined;
  private watchdog: LeaderWatchdog | undefined;
  private app: FastifyInstance | undefined;
  private infoLease: Lease | undefined;
  private leader: LeaderCtx | undefined;
  private leaderStarting: Promise<void> | undefined;
  private readonly stopCtl = new AbortController();
  /** Cluster TLS identity (undefined = plain HTTP); read from the `ssl-*` files at construction. */
  readonly tls: ClusterTls | undefined;

  constructor(
    readonly opts: MasterOptions,
    readonly log: Logger,
    /** check-task/start-task prechecks (src/checker's runPrechecks; the master may not import units). */
    private readonly prechecks: Prechecker,
  ) {
    this.tls = loadClusterTls(opts.tls, 'dm-master');
    // One identity per process: every cluster HTTP client uses it (pkg/tls/cluster-http.ts).
    useClusterTls(this.tls);
  }

  get client(): Etcd3 {
    if (!this.client_) throw dmError(E.masterEtcd, 'etcd client not ready');
    return this.client_;
  }

  /** The supervised etcd's pid (undefined with an external etcd). */
  get etcdPid(): number | undefined {
    return this.etcd?.pid;
  }

  /** The etcd client URL this master's member advertises ('' with an external etcd). */
  get etcdClientUrl(): string {
    if (this.opts.etcdEndpoints.length > 0) return '';
    const u = new URL(this.opts.etcdClientUrls.split(',')[0] ?? '');
    if (['0.0.0.0', '', '[::]'].includes(u.hostname))
      u.hostname = new URL(this.opts.advertisePeerUrls).hostname;
    return u.origin;
  }

  async start(): Promise<void> {
    const o = this.opts;
    mkdirSync(o.dataDir, { recursive: true });
    let endpoints = o.etcdEndpoints;
    if (endpoints.length === 0) {
      let initialCluster = o.initialCluster;
      let state: 'new' | 'existing' = o.initialClusterState;
      if (memberDataExists(o.dataDir)) state = 'existing';
      else if (o.join.length > 0) {
        initialCluster = await this.joinCluster();
        state = 'existing';
      }
      this.etcd = new EtcdMember(
        {
          name: o.name,
          dataDir: o.dataDir,
          etcdBin: o.etcdBin,
          listenPeerUrls: o.peerUrls,
          advertisePeerUrls: o.advertisePeerUrls,
          listenClientUrls: o.etcdClientUrls,
          advertiseClientUrls: this.etcdClientUrl,
          initialCluster,
          initialClusterState: state,
          tls: o.tls,
          extraFlags: o.etcdFlags,
        },
        this.log,
      );
      this.etcd.start();
      endpoints = [this.etcdClientUrl];
    }
    this.client_ = new Etcd3({ hosts: endpoints, dialTimeout: 3_000, ...etcdClientTls(this.tls) });
    await this.waitEtcd(60_000);
    await this.advertise();
    this.app = buildHttp(this);
    registerLocalRoutes(this.app, { opts: o, election: () => this.election });
    const { host, port } = splitHostPort(o.masterAddr);
    await this.app.listen({ host: host === '' ? '0.0.0.0' : host, port });
    this.log.info({ addr: o.masterAddr, etcd: endpoints }, 'dm-master serving');
    this.election = new LeaderElection(
      this.client,
      o.name,
      o.electionTtl,
      { onElected: (key) => this.becomeLeader(key), onLost: () => this.loseLeadership() },
      this.log,
    );
    this.election.start();
    this.watchdog = new LeaderWatchdog(this.client, o.name, this.log.child({ scope: 'leader-watchdog' }));
    this.watchdog.start();
  }

  /**
   * Ask a running master to add our etcd member; returns the --initial-cluster to use. etcd
   * refuses a member add while the cluster is not healthy (e.g. a member that joined just
   * before is still starting: "unhealthy cluster"), so failures are retried with backoff for
   * up to a minute before giving up.
   */
  private async joinCluster(): Promise<string> {
    let last: unknown;
    const backoff = new Backoff({ initialMs: 500, maxMs: 5000 });
    const deadline = Date.now() + 60_000;
    for (;;) {
      for (const addr of this.opts.join) {
        try {
          const res = await clusterFetch(clusterUrl(addr, '/api/internal/members/add'), {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name: this.opts.name, peerUrl: this.opts.advertisePeerUrls }),
            signal: AbortSignal.timeout(15_000),
          });
          const body = (await res.json()) as { result: boolean; msg: string; initialCluster?: string };
          if (body.result && body.initialCluster) return body.initialCluster;
          last = body.msg;
        } catch (err) {
          last = err;
        }
      }
      if (Date.now() > deadline || this.stopCtl.signal.aborted) break;
      this.log.warn({ join: this.opts.join, err: String(last) }, 'joining the cluster failed; retrying');
      await sleep(backoff.next(), this.stopCtl.signal);
    }
    throw dmError(
      E.masterEtcd,
      `cannot join the cluster through ${this.opts.join.join(',')}: ${String(last)}`,
    );
  }

  private async waitEtcd(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.client.get(Keys.encryptKey).string();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw dmError(E.masterEtcd, 'etcd not ready', { cause: err });
        await sleep(200, this.stopCtl.signal);
        if (this.stopCtl.signal.aborted) throw dmError(E.masterEtcd, 'stopped while waiting for etcd');
      }
    }
  }

  /** Keep `Keys.masterInfo(name)` under a lease, re-creating it if the lease is lost. */
  private async advertise(): Promise<void> {
    const info: MasterInfo = {
      name: this.opts.name,
      clientAddr: this.opts.advertiseAddr,
      peerUrl: this.opts.advertisePeerUrls,
      etcdClientUrl: this.etcdClientUrl,
    };
    const lease = this.client.lease(this.opts.electionTtl);
    this.infoLease = lease;
    lease.on('lost', () => {
      if (this.stopCtl.signal.aborted) return;
      this.log.warn('master info lease lost; re-advertising');
      void sleep(1_000, this.stopCtl.signal)
        .then(() => (this.stopCtl.signal.aborted ? undefined : this.advertise()))
        .catch((err) => this.log.error({ err }, 're-advertise failed'));
    });
    await lease.put(Keys.masterInfo(this.opts.name)).value(JSON.stringify(info));
  }

  private async becomeLeader(fenceKey: string): Promise<void> {
    const run = async (): Promise<void> => {
      const encryptKey = await ensureEncryptKey(this.client);
      const scheduler = new Scheduler(this.client, fenceKey, this.log.child({ scope: 'scheduler' }));
      await scheduler.start();
      // The shard-DDL lock keeper runs on the leader only (rebuilt from etcd on each election).
      const pessimist = new Pessimist(this.client, fenceKey, this.log.child({ scope: 'shardddl-pessimist' }));
      await pessimist.start();
      const optimist = new Optimist(this.client, fenceKey, this.log.child({ scope: 'shardddl-optimist' }));
      await optimist.start();
      this.leader = {
        client: this.client,
        scheduler,
        log: this.log,
        encryptKey,
        pessimist,
        optimist,
        prechecks: this.prechecks,
      };
      this.log.info('leader services started');
    };
    this.leaderStarting = run();
    try {
      await this.leaderStarting;
    } finally {
      this.leaderStarting = undefined;
    }
  }

  private async loseLeadership(): Promise<void> {
    const l = this.leader;
    this.leader = undefined;
    if (l) {
      await l.scheduler.stop();
      await l.pessimist.stop();
      await l.optimist.stop();
    }
    this.log.warn('leadership lost; leader services stopped');
  }

  /** The leader's scheduler, if this master leads and it is started (for metrics). */
  get currentScheduler(): Scheduler | undefined {
    return this.isLeader ? this.leader?.scheduler : undefined;
  }

  get isLeader(): boolean {
    return this.election?.isLeader ?? false;
  }

  /** The leader's services when this master leads (waits while they start), else undefined. */
  async leaderCtx(): Promise<LeaderCtx | undefined> {
    if (this.leaderStarting) await this.leaderStarting.catch(() => undefined);
    return this.election?.isLeader ? this.leader : undefined;
  }

  /** The current leader's name and client address (undefined while none is elected). */
  async leaderInfo(): Promise<{ name: string; addr: string } | undefined> {
    if (!this.election) return undefined;
    const name = await this.election.leaderName();
    if (name === undefined) return undefined;
    if (name === this.opts.name) return { name, addr: this.opts.advertiseAddr };
    const info = (await readMasterInfos(this.client)).get(name);
    return info ? { name, addr: info.clientAddr } : undefined;
  }

  /** Client URLs of the etcd cluster, for workers. */
  async etcdEndpoints(): Promise<string[]> {
    if (this.opts.etcdEndpoints.length > 0) return this.opts.etcdEndpoints;
    const res = await this.client.cluster.memberList({});
    const urls = (res.members ?? []).flatMap((m) => m.clientURLs ?? []);
    return urls.length > 0 ? urls : [this.etcdClientUrl];
  }

  /** Graceful stop: resign, close the API, revoke the lease, stop etcd. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopCtl.signal.aborted) return;
    this.stopCtl.abort();
    this.log.info('dm-master stopping');
    await this.watchdog?.stop().catch(() => undefined);
    await this.election?.stop().catch(() => undefined);
    await this.app?.close().catch(() => undefined);
    await this.infoLease?.revoke().catch(() => undefined);
    this.client_?.close();
    await this.etcd?.stop();
    this.log.info('dm-master stopped');
  }
}
