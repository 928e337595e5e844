/**
 * What the HTTP layer (http-server.ts, v1-routes.ts) sees of a running master: the parts of
 * `MasterServer` it reads. A separate interface so that server.ts → http-server.ts stays the
 * only direction (no import cycle).
 */
import type { Etcd3 } from 'etcd3';
import type { Logger } from '../pkg/log/logger.js';
import type { ClusterTls } from '../pkg/tls/cluster-tls.js';
import type { LeaderSource } from './leader-gate.js';
import type { MasterOptions } from './options.js';
import type { Scheduler } from './scheduler.js';

export interface MasterHandle extends LeaderSource {
  readonly opts: MasterOptions;
  readonly log: Logger;
  readonly tls: ClusterTls | undefined;
  readonly client: Etcd3;
  readonly etcdPid: number | undefined;
  readonly currentScheduler: Scheduler | undefined;
  readonly isLeader: boolean;
  etcdEndpoints(): Promise<string[]>;
}
