import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { DmCluster, DmProcess, MariadbInstance, MasterProcess } from '../../harness/index.js';
import { destroyAll, dmctl, startCluster, startMariadb, tempDir, waitSynced } from '../../harness/index.js';
import { loadSample, writeSourceYaml, writeTaskYaml } from '../e2e/fixtures.js';

/** One upstream with the sample schema, one downstream, a master and a worker with one source. */
export interface Cluster {
  readonly up: MariadbInstance;
  readonly down: MariadbInstance;
  readonly master: MasterProcess;
  readonly worker: DmProcess;
  readonly dir: string;
  readonly source: string;
}

export interface ClusterOptions {
  /** server ids of the upstream and the downstream. */
  serverIds: [number, number];
  /** `loadSample(up, 'shop', rows)` before the source is created. */
  sampleRows: number;
  worker: string;
  source: string;
  /** Temp dir prefix for the YAML files. */
  dirPrefix: string;
  /** More upstream setup before the source is created. */
  prepare?: (up: MariadbInstance) => Promise<unknown>;
}

/**
 * Registers the suite's before/after hooks: starts the servers and processes (the worker with a
 * 3 s keepalive, so a kill -9 is noticed quickly) and creates the source; stops everything
 * after. The returned object's fields are set once `before` has run.
 */
export function useCluster(o: ClusterOptions): Cluster {
  const c = { dir: tempDir(o.dirPrefix), source: o.source } as {
    -readonly [K in keyof Cluster]: Cluster[K];
  };
  let dm: DmCluster | undefined;
  before(async () => {
    c.up = await startMariadb({ serverId: o.serverIds[0] });
    c.down = await startMariadb({ serverId: o.serverIds[1], noBinlog: true });
    await loadSample(c.up, 'shop', o.sampleRows);
    await o.prepare?.(c.up);
    dm = await startCluster({ workers: [o.worker], workerArgs: ['--keepalive-ttl', '3'] });
    c.master = dm.master;
    c.worker = dm.worker;
    await dm.createSource(writeSourceYaml(c.dir, o.source, c.up));
  });
  after(async () => {
    await dm?.stop();
    await destroyAll(c.up, c.down);
  });
  return c;
}

/**
 * start-task `name` of the cluster's source on `schema` (task YAML from writeTaskYaml with
 * `extra` top-level and `instanceExtra` instance keys); waits until synced unless `synced` is
 * false.
 */
export async function startTask(
  c: Cluster,
  name: string,
  schema: string,
  extra = '',
  instanceExtra = '',
  synced = true,
): Promise<void> {
  const yaml = writeTaskYaml(c.dir, name, c.source, c.down, schema, extra, instanceExtra);
  const t = await dmctl(c.master.addr, 'start-task', yaml);
  assert.equal(t.json.result, true, t.stdout);
  if (synced) await waitSynced(c.master.addr, name, 120_000);
}
