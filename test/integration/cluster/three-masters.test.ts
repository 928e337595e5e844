import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MariadbInstance } from '../../harness/index.js';
import { destroyAll, startMariadb, stopChild, tableSums, tempDir } from '../../harness/index.js';
import { loadSample, startWriter, waitEqual, writeSourceYaml, writeTaskYaml } from '../e2e/fixtures.js';
import type { MasterSpec, Proc } from './cluster-process.js';
import {
  agreedLeader,
  dmctl,
  exited,
  masterInfo,
  masterSpecs,
  spawnMaster,
  spawnWorker,
  specNamed,
  until,
} from './cluster-process.js';

/**
 * Three masters (default election TTL) + one worker replicating a source under a steady
 * writer: kill -9 of the leader (its etcd member dies with it), a new leader answering
 * within 5 s, rows flowing throughout, the dead master reported not alive, offline-member of
 * the dead master, a replacement joining with --join, operate-leader evict moving
 * leadership, and finally the downstream equal by CHECKSUM TABLE + COUNT(*).
 */
describe('three masters under load', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let specs: MasterSpec[];
  const masters = new Map<string, Proc>();
  const workers: Proc[] = [];
  const dir = tempDir('dm-three-masters-');

  type MasterRow = { name: string; alive: boolean };
  /** `list-member` through `addrs`, in DM's JSON shape. */
  async function listMember(addrs: string, ...flags: string[]) {
    const r = await dmctl(addrs, ['list-member', ...flags]);
    const members = (r.json.members ?? []) as {
      leader?: { msg: string; name: string; addr: string };
      master?: { msg: string; masters: MasterRow[] };
      worker?: { msg: string; workers: { name: string; stage: string; source: string }[] };
    }[];
    return { r, members };
  }
  async function mastersAlive(addrs: string): Promise<string> {
    const { members } = await listMember(addrs, '--master');
    return (members[0]?.master?.masters ?? []).map((m) => `${m.name}:${m.alive}`).join(' ');
  }
  const spec = (name: string): MasterSpec => specNamed(specs, name);
  const orders = async (): Promise<number> =>
    Number((await down.query<{ n: number }>('SELECT COUNT(*) AS n FROM ha.orders'))[0]?.n ?? 0);

  async function withLogs<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      const logs = [...masters.entries(), ...workers.map((w, i) => [`worker${i}`, w] as const)].map(
        ([n, x]) => `--- ${n}:\n${x.output().slice(-4000)}`,
      );
      throw new Error(`${(err as Error).message}\n${logs.join('\n')}`);
    }
  }

  before(async () => {
    [up, down, specs] = await Promise.all([
      startMariadb({ serverId: 31 }),
      startMariadb({ serverId: 32, noBinlog: true }),
      masterSpecs(4),
    ]);
    await loadSample(up, 'ha', 2_000);
  });
  after(async () => {
    for (const w of workers) await stopChild(w.child, 10_000);
    for (const m of masters.values()) await stopChild(m.child, 5_000);
    await destroyAll(up, down);
  });

  it('fails over within 5 s while the task keeps replicating; offline, join, evict', async () => {
    const three = specs.slice(0, 3);
    const initial = three.map((s) => `${s.name}=${s.peerUrl}`).join(',');
    // The default election TTL (cluster-process passes 3 s; the last flag wins).
    for (const s of three) masters.set(s.name, spawnMaster(s, initial, ['--election-ttl', '10']));
    const leader1 = await withLogs(until(() => agreedLeader(three), 60_000, 'one agreed leader'));
    const all3 = three.map((s) => s.addr).join(',');

    const w = await spawnWorker('w1', all3, 10);
    workers.push(w);
    await withLogs(
      until(
        async () => (await listMember(all3, '--worker')).r.stdout.includes('"w1"'),
        60_000,
        'w1 registered',
      ),
    );
    const src = await dmctl(all3, ['operate-source', 'create', writeSourceYaml(dir, 'src-ha', up)]);
    assert.equal(src.json.result, true, src.stdout);
    const st = await dmctl(all3, ['start-task', writeTaskYaml(dir, 'ha', 'src-ha', down, 'ha')]);
    assert.equal(st.json.result, true, st.stdout);
    await withLogs(waitEqual(up, down, 'ha', 90_000));

    const writer = startWriter(up, 'ha', 1_000_000);
    try {
      await until(async () => (await orders()) > 2_000, 20_000, 'live rows replicate');

      // kill -9 the leader; its etcd member dies with it.
      const dead = spec(leader1);
      const deadProc = masters.get(leader1);
      assert.ok(deadProc);
      const before = await orders();
      const t0 = Date.now();
      deadProc.child.kill('SIGKILL');
      await exited(deadProc.child);
      // dmctl given every address, the dead one first: connection refused → next address.
      const survivors = three.filter((s) => s !== dead);
      // The moment a survivor reports itself leader (for the report; dmctl adds its own start-up).
      let electedMs = -1;
      void until(
        async () => (await Promise.all(survivors.map((s) => masterInfo(s.addr)))).some((i) => i?.isLeader),
        30_000,
        'elected',
      ).then(
        () => {
          electedMs = Date.now() - t0;
        },
        () => undefined,
      );
      const viaAll = [dead, ...survivors].map((s) => s.addr).join(',');
      const leader2 = await withLogs(
        until(
          async () => {
            const { members } = await listMember(viaAll, '--leader');
            const name = members[0]?.leader?.name;
            if (!name || name === leader1) return undefined;
            // A task command answers through the new leader too.
            const q = await dmctl(viaAll, ['query-status', 'ha']);
            return q.json.result === true ? name : undefined;
          },
          30_000,
          'a new leader answering list-member and query-status',
        ),
      );
      const failoverMs = Date.now() - t0;
      process.stderr.write(
        `# leader failover after kill -9 (default election TTL): elected after ${electedMs} ms, dmctl answered after ${failoverMs} ms\n`,
      );
      assert.ok(failoverMs < 5_000, `failover took ${failoverMs} ms`);

      // Rows keep flowing: the worker did not stop its subtask because the leader changed.
      await until(async () => (await orders()) > before + 50, 20_000, 'rows flowing after the failover');
      const q = await dmctl(viaAll, ['query-status', 'ha']);
      const sub = (q.json.sources as { subTaskStatus: { stage: string; unit: string }[] }[])[0]
        ?.subTaskStatus[0];
      assert.deepEqual([sub?.stage, sub?.unit], ['Running', 'Sync'], q.stdout);
      assert.ok(!w.output().includes('worker lease lost'), 'the worker kept its lease');

      // list-member (DM keys) shows the killed master not alive.
      const survivorAddrs = survivors.map((s) => s.addr).join(',');
      const expectAlive = three.map((s) => `${s.name}:${s !== dead}`).join(' ');
      await until(
        async () => (await mastersAlive(survivorAddrs)) === expectAlive,
        10_000,
        'dead master not alive',
      );
      const full = await listMember(survivorAddrs);
      assert.deepEqual(Object.keys(full.r.json), ['result', 'msg', 'members']);
      assert.deepEqual(
        full.members.map((m) => Object.keys(m)[0]),
        ['leader', 'master', 'worker'],
      );
      assert.deepEqual(full.members[0]?.leader, { msg: '', name: leader2, addr: spec(leader2).addr });
      assert.deepEqual(full.members[2]?.worker, {
        msg: '',
        workers: [{ name: 'w1', addr: w.addr, stage: 'bound', source: 'src-ha' }],
      });
      const row = full.members[1]?.master?.masters.find((m) => m.name === dead.name) as
        | (MasterRow & Record<string, unknown>)
        | undefined;
      assert.deepEqual(Object.keys(row ?? {}).sort(), [
        'alive',
        'clientURLs',
        'memberID',
        'name',
        'peerURLs',
      ]);

      // DM's OpenAPI through a follower is forwarded to the new leader.
      const follower = survivors.find((s) => s.name !== leader2);
      assert.ok(follower);
      const v1 = (await (await fetch(`http://${follower.addr}/api/v1/cluster/masters`)).json()) as {
        data: { name: string; alive: boolean; leader: boolean }[];
      };
      assert.deepEqual(
        v1.data.map((x) => `${x.name}:${x.alive}:${x.leader}`),
        three.map((s) => `${s.name}:${s !== dead}:${s.name === leader2}`),
      );

      // offline-member --master: the dead master's etcd member goes (DM's error for a bad name).
      const missing = await dmctl(survivorAddrs, ['offline-member', '--master', '--name', 'nope']);
      assert.equal(missing.code, 1);
      assert.match(String(missing.json.msg), /code=38048.*dm-master with name nope not exists/);
      const off = await dmctl(survivorAddrs, ['offline-member', '--master', '--name', dead.name]);
      assert.deepEqual(off.json, { result: true, msg: '' });
      const twoAlive = survivors.map((s) => `${s.name}:true`).join(' ');
      assert.equal(await mastersAlive(survivorAddrs), twoAlive);

      // A replacement joins with --join.
      const m4 = spec('m4');
      masters.set(
        'm4',
        spawnMaster(m4, `${m4.name}=${m4.peerUrl}`, ['--election-ttl', '10', '--join', survivorAddrs]),
      );
      const threeAlive = [...survivors, m4]
        .map((s) => `${s.name}:true`)
        .sort()
        .join(' ');
      await withLogs(
        until(async () => (await mastersAlive(m4.addr)) === threeAlive, 60_000, 'm4 joined and answers'),
      );

      // operate-leader evict on the leader: leadership moves; cancel-evict restores its right to lead.
      const live = [...survivors, m4];
      const ev = await dmctl(spec(leader2).addr, ['operate-leader', 'evict']);
      assert.deepEqual(ev.json, { result: true, msg: '' });
      const leader3 = await withLogs(
        until(
          async () => {
            const l = await agreedLeader(live);
            return l && l !== leader2 ? l : undefined;
          },
          20_000,
          'leadership moved by evict',
        ),
      );
      const lm = await listMember(m4.addr, '--leader');
      assert.equal(lm.members[0]?.leader?.name, leader3);
      assert.deepEqual((await dmctl(spec(leader2).addr, ['operate-leader', 'cancel-evict'])).json, {
        result: true,
        msg: '',
      });
      await until(
        async () => (await dmctl(m4.addr, ['query-status', 'ha'])).json.result === true,
        10_000,
        'task answers after evict',
      );
    } finally {
      await writer.stop();
    }
    await withLogs(waitEqual(up, down, 'ha', 60_000));
    const [a, b] = await Promise.all([tableSums(up, 'ha'), tableSums(down, 'ha')]);
    assert.deepEqual(b, a);
  });
});
