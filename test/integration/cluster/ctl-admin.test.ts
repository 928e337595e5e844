import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DM_LEGACY_KEY_HEX, dmDecrypt } from '../../../src/pkg/config/encrypt.js';
import type { MariadbInstance } from '../../harness/index.js';
import { destroyAll, startMariadb, stopChild, tableSums, tempDir } from '../../harness/index.js';
import type { MasterSpec, Proc } from './cluster-process.js';
import {
  agreedLeader,
  dmctl,
  masterInfo,
  masterSpecs,
  spawnMaster,
  spawnWorker,
  specNamed,
  until,
} from './cluster-process.js';

/**
 * dmctl's cluster-admin commands against real processes: masters joining with `--join`,
 * `operate-leader evict|cancel-evict`, `config master|worker`, and `config export|import`
 * round-tripping a real source (mariadbd) and a running task (to a real downstream).
 */
describe('dmctl cluster admin', () => {
  let specs: MasterSpec[];
  let up: MariadbInstance;
  let down: MariadbInstance;
  const masters: Proc[] = [];
  const workers: Proc[] = [];
  const dir = tempDir('dm-ctl-admin-');

  const spec = (name: string): MasterSpec => specNamed(specs, name);
  async function mastersAlive(addr: string): Promise<string> {
    const r = await dmctl(addr, ['list-member', '--master']);
    const list = (
      r.json.members as { master: { masters: { name: string; alive: boolean }[] } }[] | undefined
    )?.[0]?.master.masters;
    return (list ?? []).map((m) => `${m.name}:${m.alive}`).join(' ');
  }

  /** Await `p`; on failure add the tail of every spawned process's output to the error. */
  async function withLogs<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      const logs = [...masters, ...workers].map((x, i) => `--- process ${i}:\n${x.output().slice(-3000)}`);
      throw new Error(`${(err as Error).message}\n${logs.join('\n')}`);
    }
  }

  before(async () => {
    [up, down, specs] = await Promise.all([startMariadb(), startMariadb({ noBinlog: true }), masterSpecs(3)]);
    await up.query('CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY, v VARCHAR(20))');
    await up.query("INSERT INTO shop.t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  });
  after(async () => {
    for (const p of workers) await stopChild(p.child, 10_000);
    for (const p of masters) await stopChild(p.child, 5_000);
    await destroyAll(up, down);
  });

  it('masters join with --join; operate-leader evict moves leadership, cancel-evict lets a master lead again', async () => {
    const [m1, m2, m3] = specs as [MasterSpec, MasterSpec, MasterSpec];
    masters.push(spawnMaster(m1, `${m1.name}=${m1.peerUrl}`));
    await withLogs(until(() => agreedLeader([m1]), 30_000, 'm1 elected'));
    // One join at a time: etcd refuses a second member add while the first added one has
    // not started (the cluster would lose quorum).
    masters.push(spawnMaster(m2, `${m2.name}=${m2.peerUrl}`, ['--join', m1.addr]));
    await withLogs(
      until(async () => (await mastersAlive(m1.addr)) === 'm1:true m2:true', 60_000, 'm2 joined'),
    );
    masters.push(spawnMaster(m3, `${m3.name}=${m3.peerUrl}`, ['--join', `${m2.addr},${m1.addr}`]));
    await withLogs(
      until(
        async () => (await mastersAlive(m3.addr)) === 'm1:true m2:true m3:true',
        60_000,
        'm3 joined and answers list-member',
      ),
    );
    assert.equal(await until(() => agreedLeader(specs), 15_000, 'agreed leader'), 'm1');

    // Evict the leaders one after the other: each resigns and stays out of the election.
    const order: string[] = ['m1'];
    for (let i = 0; i < 2; i++) {
      const cur = order[order.length - 1] as string;
      const r = await dmctl(spec(cur).addr, ['operate-leader', 'evict']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(r.json, { result: true, msg: '' });
      const next = await until(
        async () => {
          const l = await agreedLeader(specs);
          return l && !order.includes(l) ? l : undefined;
        },
        20_000,
        `a new leader after evicting ${cur}`,
      );
      order.push(next);
    }
    // Evicting the last one leaves no leader: the evicted masters do not campaign.
    const last = order[2] as string;
    const r3 = await dmctl(spec(last).addr, ['operate-leader', 'evict']);
    assert.deepEqual(r3.json, { result: true, msg: '' });
    await until(
      async () => (await Promise.all(specs.map((s) => masterInfo(s.addr)))).every((i) => i && !i.isLeader),
      10_000,
      'no leader while all are evicted',
    );
    await new Promise((r) => setTimeout(r, 4_000)); // > election TTL (3 s): still nobody
    assert.ok(
      (await Promise.all(specs.map((s) => masterInfo(s.addr)))).every((i) => i && !i.isLeader),
      'an evicted master campaigned',
    );
    // cancel-evict on m2 (a follower's address): that master campaigns and is elected.
    const c2 = await dmctl(m2.addr, ['operate-leader', 'cancel-evict']);
    assert.deepEqual(c2.json, { result: true, msg: '' });
    assert.equal(await until(() => agreedLeader(specs), 20_000, 'leader after cancel-evict'), 'm2');
    for (const s of [m1, m3]) {
      assert.deepEqual((await dmctl(s.addr, ['operate-leader', 'cancel-evict'])).json, {
        result: true,
        msg: '',
      });
    }
    const bad = await dmctl(m1.addr, ['operate-leader', 'step-down']);
    assert.equal(bad.code, 1);
    assert.match(String(bad.json.msg), /invalid operate 'step-down' on leader/);

    // config master NAME through any master: the named master's own TOML.
    const cfg = await dmctl(m1.addr, ['config', 'master', 'm3']);
    assert.equal(cfg.code, 0, cfg.stdout);
    assert.match(String(cfg.json.cfg), /^name = "m3"$/m);
    assert.match(String(cfg.json.cfg), new RegExp(`^master-addr = "${m3.addr}"$`, 'm'));
    assert.match(String(cfg.json.cfg), new RegExp(`^join = "${m2.addr},${m1.addr}"$`, 'm'));
    const none = await dmctl(m1.addr, ['config', 'master', 'nope']);
    assert.equal(none.code, 1);
    assert.match(String(none.json.msg), /master nope not found/);
  });

  it('config worker; config export writes sources/ and tasks/; import re-creates and restarts them', async () => {
    const [m1, m2] = specs as [MasterSpec, MasterSpec];
    const w = await spawnWorker('w1', specs.map((s) => s.addr).join(','), 3);
    workers.push(w);
    await withLogs(
      until(
        async () => (await dmctl(m2.addr, ['list-member', '--worker'])).stdout.includes('"name": "w1"'),
        60_000,
        'worker registered',
      ),
    );
    const wc = await dmctl(m1.addr, ['config', 'worker', 'w1']);
    assert.equal(wc.code, 0, wc.stdout);
    assert.match(String(wc.json.cfg), /^name = "w1"$/m);
    assert.match(String(wc.json.cfg), new RegExp(`^worker-addr = "${w.addr}"$`, 'm'));
    const toFile = join(dir, 'w1.toml');
    const wf = await dmctl(m1.addr, ['config', 'worker', 'w1', '-p', toFile]);
    assert.deepEqual(wf.json, { result: true, msg: `write config to file ${toFile} succeed`, cfg: '' });
    assert.equal(readFileSync(toFile, 'utf8'), wc.json.cfg);

    const sourceFile = join(dir, 'source.yaml');
    writeFileSync(
      sourceFile,
      `source-id: "src-01"\nenable-gtid: true\nfrom:\n  host: "127.0.0.1"\n  port: ${up.port}\n  user: "dm"\n  password: "dmpass"\n`,
    );
    const taskFile = join(dir, 'task.yaml');
    const taskYaml = [
      '# the shop task',
      'name: "shop"',
      'task-mode: all',
      'target-database:',
      '  host: "127.0.0.1"',
      `  port: ${down.port}`,
      '  user: "root"',
      '  password: ""',
      'mysql-instances:',
      '  - source-id: "src-01"',
      '    block-allow-list: "bal"',
      'block-allow-list:',
      '  bal:',
      '    do-dbs: ["shop"]',
      '',
    ].join('\n');
    writeFileSync(taskFile, taskYaml);
    assert.equal((await dmctl(m1.addr, ['operate-source', 'create', sourceFile])).code, 0);
    const st = await dmctl(m1.addr, ['start-task', taskFile]);
    assert.equal(st.code, 0, st.stdout);
    const synced = async (): Promise<boolean> =>
      JSON.stringify(await tableSums(up, 'shop')) === JSON.stringify(await tableSums(down, 'shop'));
    await until(synced, 60_000, 'initial copy');
    // config source|task hide passwords, as DM does.
    const sc = await dmctl(m2.addr, ['config', 'source', 'src-01']);
    assert.equal(sc.code, 0, sc.stdout);
    assert.match(String(sc.json.cfg), /password: "\*{6}"/);
    assert.doesNotMatch(String(sc.json.cfg), /dmpass/);
    const tc = await dmctl(m2.addr, ['get-config', 'task', 'shop']);
    assert.equal(tc.json.cfg, taskYaml, 'task YAML as started (its downstream password is empty)');

    const out = join(dir, 'exported');
    const ex = await dmctl(m2.addr, ['config', 'export', '-d', out]);
    assert.equal(ex.code, 0, ex.stdout + ex.stderr);
    assert.equal(ex.stdout, `export configs to directory \`${out}\` succeed\n`);
    const srcText = readFileSync(join(out, 'sources', 'src-01.yaml'), 'utf8');
    assert.match(srcText, /^source-id: src-01$/m);
    // As DM's export: the password in DM's format (never in clear), usable by any cluster with
    // the same key (here DM's former built-in one); the import below proves it.
    const pw = /password: (\S+)/.exec(srcText)?.[1] ?? '';
    assert.doesNotMatch(srcText, /dmpass/);
    assert.equal(dmDecrypt(pw, DM_LEGACY_KEY_HEX), 'dmpass', 'exported source password in DM format');
    assert.equal(readFileSync(join(out, 'tasks', 'shop.yaml'), 'utf8'), taskYaml, 'task YAML as started');

    assert.equal((await dmctl(m1.addr, ['stop-task', 'shop'])).code, 0);
    assert.equal((await dmctl(m1.addr, ['operate-source', 'stop', 'src-01'])).code, 0);
    assert.equal((await dmctl(m1.addr, ['query-status', 'shop'])).code, 1);
    const shown = await dmctl(m1.addr, ['operate-source', 'show']);
    assert.deepEqual(shown.json.sources ?? [], []);
    await up.query("INSERT INTO shop.t VALUES (4, 'while stopped'); UPDATE shop.t SET v = 'z' WHERE id = 1");

    const im = await dmctl(m1.addr, ['config', 'import', '-d', out]);
    assert.equal(im.code, 0, im.stdout + im.stderr);
    assert.equal(
      im.stdout,
      `start creating sources\nstart creating tasks\nimport configs from directory \`${out}\` succeed\n`,
    );
    const q = await dmctl(m1.addr, ['query-status', 'shop']);
    assert.equal(q.code, 0, q.stdout);
    const src = (q.json.sources as { sourceStatus: { source: string; worker: string } }[])[0];
    assert.deepEqual([src?.sourceStatus.source, src?.sourceStatus.worker], ['src-01', 'w1']);
    await up.query("INSERT INTO shop.t VALUES (5, 'after import')");
    await until(synced, 60_000, 'the re-imported task catches up (incl. the rows written while stopped)');

    // A second import finds everything there already: still success (DM's idempotent import).
    const again = await dmctl(m1.addr, ['config', 'import', '-d', out]);
    assert.equal(again.code, 0, again.stdout);
    const missing = await dmctl(m1.addr, ['config', 'import', '-d', join(dir, 'nope')]);
    assert.equal(missing.code, 1);
    assert.ok(!existsSync(join(dir, 'nope')));
  });
});
