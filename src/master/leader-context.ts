/**
 * What the leader's request handlers share: the etcd client, the scheduler, the cluster
 * encryption key, and the HTTP client for workers (`/status`, `/operate`, see worker-api.ts).
 */

import type { Etcd3 } from 'etcd3';
import type { Prechecker } from '../pkg/api/check-report.js';
import type { OperateRequest, OperateResponse, WorkerStatusResponse } from '../pkg/api/worker-api.js';
import { dmError, E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { clusterFetch, clusterUrl } from '../pkg/tls/cluster-http.js';
import type { Scheduler } from './scheduler.js';
import type { Optimist } from './shardddl/optimist.js';
import type { Pessimist } from './shardddl/pessimist.js';

export interface LeaderCtx {
  client: Etcd3;
  scheduler: Scheduler;
  log: Logger;
  /** Cluster key (64 hex digits) for `dmctl encrypt` and passwords at rest. */
  encryptKey: string;
  /** The pessimistic shard-DDL lock keeper (src/master/shardddl/). */
  pessimist: Pessimist;
  /** The optimistic shard-DDL lock keeper. */
  optimist: Optimist;
  /** The prechecks of check-task/start-task (src/checker, handed in by src/cmd/dm-master.ts). */
  prechecks: Prechecker;
}

/** Default time a master waits for a worker's answer. */
const WORKER_TIMEOUT_MS = 10_000;

/** `GET http://<addr>/status[?task=T]` on a worker. */
export async function fetchWorkerStatus(addr: string, task?: string): Promise<WorkerStatusResponse> {
  const url = clusterUrl(addr, `/status${task ? `?task=${encodeURIComponent(task)}` : ''}`);
  return callWorker<WorkerStatusResponse>(url, { method: 'GET' });
}

/** `POST http://<addr>/operate` on a worker. */
export async function operateWorker(addr: string, req: OperateRequest): Promise<OperateResponse> {
  return callWorker<OperateResponse>(clusterUrl(addr, '/operate'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(req),
  });
}

async function callWorker<T>(url: string, init: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await clusterFetch(url, { ...init, signal: AbortSignal.timeout(WORKER_TIMEOUT_MS) });
  } catch (err) {
    throw dmError(E.workerNotFound, `cannot reach worker at ${url}: ${(err as Error).cause ?? err}`, {
      cause: err,
    });
  }
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw dmError(E.workerNotFound, `worker at ${url} answered ${res.status}: ${text.slice(0, 200)}`, {
      cause: err,
    });
  }
}
