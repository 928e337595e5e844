/**
 * Time from kill -9 of a bound dm-worker to its source being bound to (and syncing on) the
 * other worker, with the workers' default keepalive-ttl, through the real programs:
 * `npm run measure:rebind -- [rounds]`. Prints one line per round.
 */
import {
  type DmProcess,
  dmctl,
  startMaster,
  startWorker,
  subtaskStatus,
  waitMasterReady,
  waitUntil,
  waitWorkerRegistered,
} from '../test/harness/cluster.js';
import { startMariadb } from '../test/harness/mariadb.js';
import { tempDir } from '../test/harness/tmp.js';
import { loadSample, writeSourceYaml, writeTaskYaml } from '../test/integration/e2e/fixtures.js';

const rounds = Number(process.argv[2] ?? 3);
const up = await startMariadb({ serverId: 51 });
const down = await startMariadb({ serverId: 52, noBinlog: true });
const master = await startMaster({ name: 'm1' });
const ws = new Map<string, DmProcess>();
try {
  await loadSample(up, 'shop', 1_000);
  await waitMasterReady(master.addr);
  for (const n of ['w1', 'w2']) {
    ws.set(n, await startWorker(n, master.addr));
    await waitWorkerRegistered(master.addr, n);
  }
  const dir = tempDir('dm-measure-');
  await dmctl(master.addr, 'operate-source', 'create', writeSourceYaml(dir, 's1', up));
  await dmctl(master.addr, 'start-task', writeTaskYaml(dir, 't1', 's1', down, 'shop'));
  const bound = async () => {
    const r = await dmctl(master.addr, 'query-status', 't1');
    return (
      ((r.json.sources as { sourceStatus: { worker: string } }[] | undefined) ?? [])[0]?.sourceStatus
        .worker ?? ''
    );
  };
  for (let i = 0; i < rounds; i++) {
    await waitUntil(async () => (await subtaskStatus(master.addr, 't1'))?.unit === 'Sync', 120_000, 'sync');
    const old = await bound();
    const t0 = Date.now();
    await ws.get(old)?.kill9();
    await waitUntil(async () => !['', old].includes(await bound()), 60_000, 'rebind');
    const rebind = Date.now() - t0;
    await waitUntil(
      async () => {
        const s = await subtaskStatus(master.addr, 't1');
        return s?.stage === 'Running' && s.unit === 'Sync';
      },
      60_000,
      'syncing',
    );
    console.log(
      `round ${i + 1}: re-bound in ${rebind} ms, syncing in ${Date.now() - t0} ms (default keepalive-ttl)`,
    );
    await ws.get(old)?.restart();
    await waitWorkerRegistered(master.addr, old);
  }
} finally {
  for (const w of ws.values()) await w.stop();
  await master.stop();
  await up.destroy();
  await down.destroy();
}
