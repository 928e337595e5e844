import { Etcd3 } from 'etcd3';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Logger } from '../pkg/log/logger.js';
import { dmWorkerMetrics } from '../pkg/metrics/dm-metrics.js';
import { useClusterTls } from '../pkg/tls/cluster-http.js';
import { type ClusterTls, etcdClientTls, loadClusterTls } from '../pkg/tls/cluster-tls.js';
import { STAGES } from '../unit/unit.js';
import { registerConfigRoute } from './config-route.js';
import { WorkerKeepalive } from './keepalive.js';
import { registerWithMasters } from './master-join.js';
import { operate } from './operate.js';
import { buildWorkerServer, listenWorkerServer } from './server.js';
import { SourceWorker } from './source-worker.js';
import type { SubTaskOptions } from './subtask.js';
import type { WorkerConfig } from './worker-config.js';

/**
 * One dm-worker process: HTTP server, registration with a master, etcd lease keepalive, and
 * the SourceWorker that obeys the schedule. Start order matters: the HTTP server listens
 * before registering (the master may call /status at once); the lease exists before the
 * binding is read (the leader only binds live workers).
 */
export class Worker {
  readonly registry = new Registry();
  private app: FastifyInstance | undefined;
  private client: Etcd3 | undefined;
  private keepalive: WorkerKeepalive | undefined;
  private source: SourceWorker | undefined;
  private readonly stopCtrl = new AbortController();
  /** The address the HTTP server listens on (resolved port when 0 was asked). */
  listenUrl = '';

  /** Cluster TLS identity (undefined = plain HTTP), read from the `ssl-*` files at construction. */
  readonly tls: ClusterTls | undefined;

  constructor(
    readonly cfg: WorkerConfig,
    private readonly logger: Logger,
    private readonly subtaskOptions: SubTaskOptions = {},
  ) {
    this.tls = loadClusterTls(cfg.tls, 'dm-worker');
    // One identity per process: the join and every cluster HTTP call use it.
    useClusterTls(this.tls);
    collectDefaultMetrics({ register: this.registry, prefix: 'dm_worker_' });
    // Every DM family exists from the start (DM registers them all at process start).
    dmWorkerMetrics(this.registry, cfg.name);
    const self = this;
    // DM's dm_worker_task_state: 0 invalid, 1 New, 2 Running, 3 Paused, 4 Stopped, 5 Finished.
    new Gauge({
      name: 'dm_worker_task_state',
      help: 'state of task, 0 - invalidStage, 1 - New, 2 - Running, 3 - Paused, 4 - Stopped, 5 - Finished',
      labelNames: ['task', 'source_id', 'worker'],
      registers: [this.registry],
      collect() {
        this.reset();
        const st = self.source?.status();
        for (const s of st?.subTaskStatus ?? []) {
          const labels = { task: s.name, source_id: st?.sourceStatus.source ?? '', worker: cfg.name };
          this.set(labels, STAGES.indexOf(s.stage) + 1);
        }
      },
    });
  }

  /** Listen, register, keep alive, obey. Resolves once the first lease is granted. */
  async start(): Promise<void> {
    const { cfg, logger } = this;
    this.app = buildWorkerServer({
      name: cfg.name,
      ...(this.tls ? { tls: this.tls } : {}),
      registry: this.registry,
      alive: () => this.keepalive?.isAlive ?? false,
      status: (task) =>
        this.source?.status(task) ?? {
          sourceStatus: { source: '', worker: cfg.name, result: null, relayStatus: null },
          subTaskStatus: [],
        },
      operate: async (req) => {
        const res = this.source
          ? await operate(this.source, req)
          : { result: false, msg: 'this worker is not bound to a source' };
        if (!res.result) dmWorkerMetrics(this.registry).operateError.inc({ worker: cfg.name, type: req.op });
        return res;
      },
    });
    registerConfigRoute(this.app, cfg);
    this.listenUrl = await listenWorkerServer(this.app, cfg.workerAddr);
    logger.info({ addr: this.listenUrl, name: cfg.name }, 'dm-worker listening');

    const endpoints = await registerWithMasters(
      cfg.join,
      { name: cfg.name, addr: cfg.advertiseAddr },
      logger,
      this.stopCtrl.signal,
    );
    this.client = new Etcd3({ hosts: endpoints, dialTimeout: 3000, ...etcdClientTls(this.tls) });
    const source = new SourceWorker({
      client: this.client,
      name: cfg.name,
      deps: { logger, workDir: cfg.workDir, registry: this.registry },
      subtask: this.subtaskOptions,
      ...(cfg.relayDir ? { relayDir: cfg.relayDir } : {}),
      onRelay: (running) => this.keepalive?.setTtl(running ? cfg.relayKeepaliveTtl : cfg.keepaliveTtl),
    });
    this.source = source;
    this.keepalive = new WorkerKeepalive(
      this.client,
      cfg.name,
      cfg.advertiseAddr,
      cfg.keepaliveTtl,
      {
        onAlive: () => void source.start(),
        onLost: () => void source.suspend(),
      },
      logger,
    );
    await this.keepalive.start();
  }

  /** Graceful stop: subtasks stop (units flush checkpoints), lease revoked, server closed. */
  async stop(): Promise<void> {
    this.stopCtrl.abort();
    await this.source?.close();
    await this.keepalive?.close();
    this.client?.close();
    await this.app?.close();
  }
}
