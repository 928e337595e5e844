import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { stopChild } from '../../harness/index.js';
import type { Proc } from './cluster-process.js';
import { dmctl, exited, masterInfo, masterSpecs, pidAlive, spawnMaster, until } from './cluster-process.js';

/**
 * Real dm-master processes, each supervising a real etcd member: leader election, failover
 * after kill -9, forwarding from followers, and no orphan etcd after SIGTERM or kill -9.
 */
describe('dm-master cluster', () => {
  const procs: Proc[] = [];
  after(async () => {
    for (const p of procs) await stopChild(p.child, 5_000);
  });

  it('a single master elects itself; list-member shows it; SIGTERM leaves no etcd behind', async () => {
    const [spec] = await masterSpecs(1);
    assert.ok(spec);
    const p = spawnMaster(spec, `${spec.name}=${spec.peerUrl}`);
    procs.push(p);
    const info = await until(
      async () => {
        const i = await masterInfo(spec.addr);
        return i?.isLeader ? i : undefined;
      },
      30_000,
      'single master elected',
    );
    assert.ok(info.etcdPid && pidAlive(info.etcdPid), 'etcd child runs');

    const r = await dmctl(spec.addr, ['list-member']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^\{\n {4}"result": true,/, 'DM-style 4-space JSON');
    const members = r.json.members as Record<
      string,
      { name?: string; masters?: { name: string; alive: boolean }[] }
    >[];
    assert.equal(members[0]?.leader?.name, 'm1');
    assert.deepEqual(
      members[1]?.master?.masters?.map((m) => [m.name, m.alive]),
      [['m1', true]],
    );

    // A command on a task that does not exist fails with a coded error, exit code 1.
    const missing = await dmctl(spec.addr, ['validation', 'status', 'task']);
    assert.equal(missing.code, 1);
    assert.equal(missing.json.result, false);
    assert.doesNotMatch(String(missing.json.msg), /not supported/);

    p.child.kill('SIGTERM');
    assert.equal(await exited(p.child), 0, p.output());
    await until(() => !pidAlive(info.etcdPid as number), 5_000, 'etcd gone after SIGTERM');
  });

  it('dmctl reports an unreachable master quickly with exit code 1', async () => {
    const [spec] = await masterSpecs(1);
    assert.ok(spec);
    const t0 = Date.now();
    const r = await dmctl(spec.addr, ['query-status']);
    assert.equal(r.code, 1);
    assert.equal(r.json.result, false);
    assert.match(String(r.json.msg), /code=42001.*can not connect to master/);
    assert.ok(Date.now() - t0 < 15_000);
  });

  it('three masters elect one leader; kill -9 of the leader fails over; followers forward', async () => {
    const specs = await masterSpecs(3);
    const initial = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
    const ps = specs.map((s) => spawnMaster(s, initial));
    procs.push(...ps);

    const leaderName = await until(
      async () => {
        const infos = await Promise.all(specs.map((s) => masterInfo(s.addr)));
        const leaders = infos.filter((i) => i?.isLeader);
        const agreed = infos.every((i) => i?.leader?.name === leaders[0]?.name);
        return leaders.length === 1 && agreed ? leaders[0]?.name : undefined;
      },
      60_000,
      'one agreed leader among 3 masters',
    );
    const li = specs.findIndex((s) => s.name === leaderName);
    const leaderSpec = specs[li];
    const leaderProc = ps[li];
    assert.ok(leaderSpec && leaderProc);
    const follower = specs.find((s) => s.name !== leaderName);
    assert.ok(follower);

    // A follower answers by forwarding to the leader.
    const viaFollower = await dmctl(follower.addr, ['list-member', '--leader']);
    assert.equal(viaFollower.code, 0, viaFollower.stdout);
    assert.deepEqual(viaFollower.json.members, [
      { leader: { msg: '', name: leaderName, addr: leaderSpec.addr } },
    ]);
    const masters = await dmctl(follower.addr, ['list-member', '--master']);
    const list = (masters.json.members as { master: { masters: { name: string; alive: boolean }[] } }[])[0]
      ?.master.masters;
    assert.deepEqual(
      list?.map((m) => `${m.name}:${m.alive}`),
      ['m1:true', 'm2:true', 'm3:true'],
    );

    const etcdPid = (await masterInfo(leaderSpec.addr))?.etcdPid;
    assert.ok(etcdPid);
    const t0 = Date.now();
    leaderProc.child.kill('SIGKILL');
    await exited(leaderProc.child);
    // The leader's etcd member dies with it (PDEATHSIG), like DM's embedded etcd.
    await until(() => !pidAlive(etcdPid), 10_000, 'killed leader etcd gone');

    const survivors = specs.filter((s) => s.name !== leaderName);
    const newLeader = await until(
      async () => {
        const infos = await Promise.all(survivors.map((s) => masterInfo(s.addr)));
        const l = infos.find((i) => i?.isLeader);
        return l && infos.every((i) => i?.leader?.name === l.name) ? l.name : undefined;
      },
      30_000,
      'new leader after kill -9',
    );
    const failoverMs = Date.now() - t0;
    assert.notEqual(newLeader, leaderName);
    process.stderr.write(`# master failover after kill -9: ${failoverMs} ms (election TTL 3 s)\n`);

    // dmctl with the dead master first in the list still works (tries the next address).
    const other = survivors.find((s) => s.name !== newLeader);
    assert.ok(other);
    const r = await dmctl(`${leaderSpec.addr},${other.addr}`, ['list-member']);
    assert.equal(r.code, 0, r.stdout);
    const members = r.json.members as Record<
      string,
      { name?: string; masters?: { name: string; alive: boolean }[] }
    >[];
    assert.equal(members[0]?.leader?.name, newLeader);
    // The dead master's info key lives on its own lease, which etcd expires on its own
    // schedule (checked every 500 ms), so it may still show alive for a moment after the
    // election key has gone: wait for it, bounded.
    const expected = specs.map((s) => `${s.name}:${s.name !== leaderName}`).sort();
    const alive = async (): Promise<string[] | undefined> => {
      const m = await dmctl(other.addr, ['list-member', '--master']);
      const ms = (m.json.members as { master: { masters: { name: string; alive: boolean }[] } }[])[0]?.master
        .masters;
      return ms?.map((x) => `${x.name}:${x.alive}`).sort();
    };
    await until(
      async () => ((await alive())?.join() === expected.join() ? true : undefined),
      10_000,
      'dead master reported not alive',
    );
    assert.deepEqual(await alive(), expected);

    for (const s of survivors) {
      const p = ps[specs.indexOf(s)];
      // The master may be restarting its etcd member (or slow to answer) right after the
      // failover: wait until it reports the member's pid.
      const pid = await until(
        async () => (await masterInfo(s.addr))?.etcdPid,
        15_000,
        `etcd pid of ${s.name}`,
      );
      assert.ok(p && pid);
      p.child.kill('SIGTERM');
      assert.equal(await exited(p.child), 0, p.output());
      await until(() => !pidAlive(pid), 5_000, `etcd of ${s.name} gone`);
    }
  });
});
