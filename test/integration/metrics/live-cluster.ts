import type { MariadbInstance } from '../../harness/index.js';
import { apiSource, apiTask, httpCall, startPair, stopProcs, waitTableEqual } from '../../harness/index.js';
import { type Proc, spawnWorker, startSoloMaster, until } from '../cluster/cluster-process.js';

/** A running cluster with one task replicating (shared by the metrics and dashboard tests). */
export interface LiveCluster {
  up: MariadbInstance;
  down: MariadbInstance;
  /** `http://<dm-master client address>`. */
  base: string;
  /** `host:port` of the dm-worker. */
  workerAddr: string;
  /** The task's name (source `mysql-01`, tables `shop.*` → `mall.*`). */
  task: string;
  /** JSON call on the master's API; throws on a non-2xx answer. */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  /** Wait until `mall.orders` equals `shop.orders` (COUNT and CHECKSUM TABLE, both sides). */
  caughtUp(ms?: number): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * Start MariaDB (up with binlog, down without), one dm-master with its etcd, one dm-worker;
 * create source `mysql-01` with relay on and task `live` (all mode) through DM's OpenAPI,
 * start it and wait until the sync unit runs caught up.
 */
export async function startLiveCluster(serverId: number): Promise<LiveCluster> {
  const procs: Proc[] = [];
  const [up, down] = await startPair({ up: { serverId }, down: { serverId: serverId + 1 } });
  const destroy = async (): Promise<void> => {
    await stopProcs(procs);
    await Promise.all([up.destroy(), down.destroy()]);
  };
  try {
    await up.query(`CREATE DATABASE shop;
      CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(32));
      INSERT INTO shop.orders VALUES (1,'a'),(2,'b'),(3,'c');`);
    const { spec, proc, base } = await startSoloMaster();
    procs.push(proc);
    const worker = await spawnWorker('w1', spec.addr, 3);
    procs.push(worker);
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await httpCall(`${base}${path}`, method, body);
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
      return (res.text ? JSON.parse(res.text) : {}) as T;
    };
    await until(
      async () =>
        (await api<{ data: { bound_stage: string }[] }>('GET', '/api/v1/cluster/workers')).data[0]
          ?.bound_stage === 'free',
      30_000,
      'worker registered and free',
    );
    const source = apiSource('mysql-01', up);
    await api('POST', '/api/v1/sources', { source, worker_name: 'w1' });
    await api('POST', '/api/v1/sources/mysql-01/relay/enable', {});
    const task = 'live';
    await api('POST', '/api/v1/tasks', {
      task: apiTask(task, down, [
        { source: { source_name: 'mysql-01', schema: 'shop', table: '*' }, target: { schema: 'mall' } },
      ]),
    });
    await api('POST', `/api/v1/tasks/${task}/start`, {});
    const caughtUp = (ms = 60_000) => waitTableEqual(up, 'shop.orders', down, 'mall.orders', ms);
    await until(
      async () => {
        const st = await api<{ data: { stage: string; unit: string }[] }>(
          'GET',
          `/api/v1/tasks/${task}/status`,
        );
        return st.data[0]?.stage === 'Running' && st.data[0]?.unit === 'Sync';
      },
      90_000,
      'task running in sync',
    );
    await caughtUp();
    return { up, down, base, workerAddr: worker.addr, task, api, caughtUp, destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}
