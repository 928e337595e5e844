/**
 * `GET /config` on a worker: its effective configuration as TOML text, the answer behind
 * `dmctl config worker NAME` (DM's GetWorkerCfg). The text parses back with `--config`.
 */
import type { FastifyInstance } from 'fastify';
import { stringify } from 'smol-toml';
import type { WorkerConfig } from './worker-config.js';

/** The worker config as a dm-worker TOML file (kebab-case keys, every default filled). */
export function workerConfigToml(cfg: WorkerConfig): string {
  return stringify({
    name: cfg.name,
    'worker-addr': cfg.workerAddr,
    'advertise-addr': cfg.advertiseAddr,
    join: cfg.join.join(','),
    'log-file': cfg.logFile,
    'log-level': cfg.logLevel,
    'keepalive-ttl': cfg.keepaliveTtl,
    'relay-keepalive-ttl': cfg.relayKeepaliveTtl,
    'work-dir': cfg.workDir,
  });
}

/** Register `GET /config` answering `{result, msg, cfg}` (DM's GetWorkerCfgResponse has `cfg`). */
export function registerConfigRoute(app: FastifyInstance, cfg: WorkerConfig): void {
  app.get('/config', async () => ({ result: true, msg: '', cfg: workerConfigToml(cfg) }));
}
