import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DmProcess, MariadbInstance, MasterProcess } from '../../harness/index.js';
import {
  dmctl,
  freePort,
  startMariadb,
  startMaster,
  startWorker,
  tempDir,
  waitMasterReady,
  waitUntil,
  waitWorkerRegistered,
} from '../../harness/index.js';
import { loadSample, startWriter, waitEqual, writeSourceYaml } from '../e2e/fixtures.js';

/**
 * Worker failover with two sources and three workers, through the real programs:
 *   1. kill -9 of a bound worker: its source moves to the free worker (time measured);
 *   2. SIGSTOP of a bound worker past its lease with no free worker: the source waits and
 *      says so in query-status; a worker joins and takes it; SIGCONT wakes the isolated
 *      worker, which must not write (fenced), must hold no subtask and must have dropped its
 *      database connections.
 * Every step ends with both downstream schemas equal to upstream (CHECKSUM TABLE + COUNT(*)).
 */
interface SourceRow {
  sourceStatus: { source: string; worker: string };
  subTaskStatus: { name: string; stage: string; unit: string; failover?: Record<string, unknown> }[];
  msg?: string;
}

const TASK = 'hafo';

async function sourcesOf(master: string): Promise<SourceRow[]> {
  const r = await dmctl(master, 'query-status', TASK);
  return (r.json.sources as SourceRow[] | undefined) ?? [];
}

async function boundWorker(master: string, source: string): Promise<string> {
  const s = (await sourcesOf(master)).find((x) => x.sourceStatus.source === source);
  return s?.sourceStatus.worker ?? '';
}

async function runningOn(master: string, source: string, worker: string): Promise<boolean> {
  const s = (await sourcesOf(master)).find((x) => x.sourceStatus.source === source);
  const st = s?.subTaskStatus[0];
  return s?.sourceStatus.worker === worker && st?.stage === 'Running' && st.unit === 'Sync';
}

async function workerStatus(
  w: DmProcess,
): Promise<{ sourceStatus: { source: string }; subTaskStatus: unknown[] }> {
  const res = await fetch(`http://${w.addr}/status`);
  return (await res.json()) as { sourceStatus: { source: string }; subTaskStatus: unknown[] };
}

/** Server threads on `db` that are replicas reading the binlog. */
async function binlogDumpThreads(db: MariadbInstance): Promise<number> {
  const rows = (await db.query(
    "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'",
  )) as { n: number | string }[];
  return Number(rows[0]?.n ?? 0);
}

async function leaderName(masters: string): Promise<string> {
  const r = await dmctl(masters, 'list-member', '--leader');
  const m = (r.json.members as { leader?: { name?: string } }[] | undefined) ?? [];
  return m.find((x) => x.leader)?.leader?.name ?? '';
}

describe('ha: three masters, three workers, two sources', { timeout: 400_000 }, () => {
  let up1: MariadbInstance;
  let up2: MariadbInstance;
  let down: MariadbInstance;
  const masters: MasterProcess[] = [];
  /** dmctl's --master-addr: all three masters (dmctl tries the next one when one is down). */
  let ctl = '';
  const ws = new Map<string, DmProcess>();
  const dir = tempDir('dm-ha-wfo-');
  const writers: { stop: () => Promise<number> }[] = [];

  before(async () => {
    [up1, up2, down] = await Promise.all([
      startMariadb({ serverId: 31 }),
      startMariadb({ serverId: 32 }),
      startMariadb({ serverId: 33, noBinlog: true }),
    ]);
    await Promise.all([loadSample(up1, 'shop1', 3_000), loadSample(up2, 'shop2', 3_000)]);
    const ports = [];
    for (let i = 0; i < 3; i++)
      ports.push({ peer: await freePort(), client: await freePort(), etcd: await freePort() });
    const initialCluster = ports.map((p, i) => `m${i + 1}=http://127.0.0.1:${p.peer}`).join(',');
    for (const [i, p] of ports.entries()) {
      masters.push(
        await startMaster({
          name: `m${i + 1}`,
          initialCluster,
          peerPort: p.peer,
          clientPort: p.client,
          etcdClientPort: p.etcd,
        }),
      );
    }
    ctl = masters.map((m) => m.addr).join(',');
    // Every master up (a leader failover needs the two others to keep etcd's quorum).
    for (const m of masters) await waitMasterReady(m.addr);
    for (const n of ['wa', 'wb', 'wc']) {
      ws.set(n, await startWorker(n, ctl, ['--keepalive-ttl', '3']));
      await waitWorkerRegistered(ctl, n);
    }
    for (const [id, up] of [
      ['s1', up1],
      ['s2', up2],
    ] as const) {
      const r = await dmctl(ctl, 'operate-source', 'create', writeSourceYaml(dir, id, up));
      assert.equal(r.json.result, true, r.stdout);
    }
    const task = `${dir}/${TASK}.yaml`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      task,
      `name: ${TASK}
task-mode: all
target-database:
  host: "127.0.0.1"
  port: ${down.port}
  user: "root"
  password: ""
mysql-instances:
  - source-id: "s1"
    block-allow-list: "b1"
    syncer-config-name: "fast"
  - source-id: "s2"
    block-allow-list: "b2"
    syncer-config-name: "fast"
block-allow-list:
  b1:
    do-dbs: ["shop1"]
  b2:
    do-dbs: ["shop2"]
syncers:
  fast:
    checkpoint-flush-interval: 1
`,
    );
    const r = await dmctl(ctl, 'start-task', task);
    assert.equal(r.json.result, true, r.stdout);
    for (const s of ['s1', 's2']) {
      await waitUntil(
        async () => {
          const w = await boundWorker(ctl, s);
          return w !== '' && (await runningOn(ctl, s, w));
        },
        120_000,
        `${s} syncing`,
      );
    }
    writers.push(startWriter(up1, 'shop1', 1_000_000), startWriter(up2, 'shop2', 1_000_000));
  });

  after(async () => {
    for (const w of writers.splice(0)) await w.stop().catch(() => undefined);
    for (const w of ws.values()) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGCONT');
      await w.stop();
    }
    for (const m of masters) await m.stop();
    await Promise.all([up1?.destroy(), up2?.destroy(), down?.destroy()]);
  });

  it('kill -9 of the leader master during sync: a new leader answers, rows keep flowing, workers keep their tasks', async () => {
    const leader = await leaderName(ctl);
    const lp = masters.find((m) => m.name === leader);
    assert.ok(lp, `leader ${leader}`);
    const boundBefore = [await boundWorker(ctl, 's1'), await boundWorker(ctl, 's2')];
    const rows = async () =>
      Number((await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM shop1.orders'))[0]?.n ?? 0);
    const before = await rows();
    const t0 = Date.now();
    await lp.kill9();
    const survivors = masters.filter((m) => m !== lp);
    const others = survivors.map((m) => m.addr).join(',');
    await waitUntil(
      async () => {
        const n = await leaderName(others);
        return n !== '' && n !== leader;
      },
      60_000,
      'a new leader',
    );
    const leaderMs = Date.now() - t0;
    console.log(`# leader failover after kill -9: a new leader answered in ${leaderMs} ms`);
    await waitUntil(async () => (await rows()) > before, 30_000, 'rows keep flowing');
    // The workers did not stop their subtasks because the leader changed.
    assert.deepEqual([await boundWorker(others, 's1'), await boundWorker(others, 's2')], boundBefore);
    assert.ok(await runningOn(others, 's1', boundBefore[0] as string));
    assert.ok(await runningOn(others, 's2', boundBefore[1] as string));
    // The dead master comes back (same name, same data dir) and rejoins as a follower.
    await lp.restart();
    await waitUntil(
      async () => (await dmctl(lp.addr, 'list-member', '--leader')).json.result === true,
      60_000,
      'the restarted master answers',
    );
  });

  it('kill -9 of a bound worker: the source moves to the free worker; data equal', async () => {
    const old = await boundWorker(ctl, 's1');
    assert.notEqual(old, '');
    const other = await boundWorker(ctl, 's2');
    const target = ['wa', 'wb', 'wc'].find((n) => n !== old && n !== other) as string;
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    await ws.get(old)?.kill9();
    await waitUntil(async () => (await boundWorker(ctl, 's1')) === target, 60_000, 's1 re-bound');
    const rebindMs = Date.now() - t0;
    await waitUntil(async () => runningOn(ctl, 's1', target), 60_000, 's1 running on the new worker');
    const syncMs = Date.now() - t0;
    console.log(`# rebind after kill -9: bound in ${rebindMs} ms, syncing in ${syncMs} ms (keepalive-ttl 3)`);
    const st = (await sourcesOf(ctl)).find((x) => x.sourceStatus.source === 's1')?.subTaskStatus[0];
    assert.equal(st?.failover?.fromWorker, old, `failover reported: ${JSON.stringify(st)}`);
    assert.equal(st?.failover?.toWorker, target);
    // The killed worker comes back as a free worker (used by the next case).
    await ws.get(old)?.restart();
    await waitWorkerRegistered(ctl, old);
  });

  it('SIGSTOP past the lease, no free worker: the source waits, a joining worker takes it; SIGCONT: the old worker is fenced', async () => {
    const s1w = await boundWorker(ctl, 's1');
    const victim = await boundWorker(ctl, 's2');
    const spare = ['wa', 'wb', 'wc'].find((n) => n !== s1w && n !== victim) as string;
    // Make the spare unavailable first, so that s2 has no free worker to move to.
    await ws.get(spare)?.stop();
    await waitUntil(
      async () => {
        const r = await dmctl(ctl, 'list-member', '--worker', '--name', spare);
        return new RegExp(`"name":"${spare}"[^}]*"stage":"offline"`).test(JSON.stringify(r.json));
      },
      30_000,
      `${spare} offline`,
    );
    // The threads of the victim's registered downstream connections, before it is isolated.
    const before = (await down.query(
      `SELECT conn_id FROM dm_meta.${TASK}_worker_conn WHERE source = 's2' AND worker = '${victim}'`,
    )) as { conn_id: string | number }[];
    assert.ok(before.length > 0, 'the bound worker registered its downstream connections');

    const vp = ws.get(victim) as DmProcess;
    vp.child.kill('SIGSTOP');
    await waitUntil(
      async () => (await boundWorker(ctl, 's2')) === '',
      60_000,
      's2 unbound after the lease expired',
    );
    const waiting = (await sourcesOf(ctl)).find((x) => x.sourceStatus.source === 's2');
    assert.match(String(waiting?.msg), /waiting for a free dm-worker/);
    // Writes keep coming while nobody replicates s2; then a worker joins and takes it.
    await new Promise((r) => setTimeout(r, 2000));
    await ws.get(spare)?.restart();
    await waitUntil(async () => runningOn(ctl, 's2', spare), 90_000, 's2 running on the joined worker');

    // Let the new owner catch up, then wake the isolated worker while writes go on.
    await new Promise((r) => setTimeout(r, 3000));
    vp.child.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 6000));
    for (const w of writers.splice(0)) await w.stop();

    const vs = await workerStatus(vp);
    assert.equal(vs.subTaskStatus.length, 0, `the woken worker holds no subtask: ${JSON.stringify(vs)}`);
    assert.equal(vs.sourceStatus.source, '');
    const ids = before.map((r) => Number(r.conn_id)).join(',');
    const alive = (await down.query(
      `SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN (${ids})`,
    )) as unknown[];
    assert.equal(alive.length, 0, 'the old owner’s downstream connections are gone');
    const stale = (await down.query(
      `SELECT c.conn_id FROM dm_meta.${TASK}_worker_conn c JOIN information_schema.PROCESSLIST p ON p.ID = c.conn_id
       WHERE c.source = 's2' AND c.worker = '${victim}'`,
    )) as unknown[];
    assert.equal(stale.length, 0, 'the woken worker has no live downstream connection');
    await waitUntil(async () => (await binlogDumpThreads(up2)) === 1, 30_000, 'one binlog reader on s2');
    const owner = (await down.query(
      `SELECT worker FROM dm_meta.${TASK}_worker_fence WHERE source = 's2'`,
    )) as {
      worker: string;
    }[];
    assert.equal(owner[0]?.worker, spare);

    await waitEqual(up1, down, 'shop1');
    await waitEqual(up2, down, 'shop2');
  });
});
