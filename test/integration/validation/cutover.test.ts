import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tableSums } from '../../harness/checksum.js';
import {
  type DmProcess,
  dmctl,
  type MasterProcess,
  startMaster,
  startWorker,
  waitMasterReady,
  waitSynced,
  waitWorkerRegistered,
} from '../../harness/cluster.js';
import { type MariadbInstance, startMariadb } from '../../harness/mariadb.js';
import { tempDir } from '../../harness/tmp.js';
import { loadSample, startWriter, writeSourceYaml, writeTaskYaml } from '../e2e/fixtures.js';

interface Report {
  result: boolean;
  msg: string;
  task: string;
  sources: { source: string; drainedTo: { binlog: string; gtid: string } | null; writesArriving: boolean }[];
  tables: { target: string; rows: number; targetRows: number; equal: boolean; fixSql?: string }[];
  durationMs: number;
}

const SHOP_TABLES = ['shop.audit', 'shop.empty_one', 'shop.orders', 'shop.users'];

/**
 * `dmctl cutover` through real processes: after the writer stops, the task drains to the
 * upstream's final position and every table of the task compares equal (checked independently
 * with CHECKSUM TABLE); a downstream row changed behind the task's back makes cutover fail
 * naming that table, with fix SQL that, applied, makes the next cutover pass; a writer that is
 * still running makes it time out saying writes were arriving.
 */
describe('cutover: drain, final diff, report', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let master: MasterProcess;
  let worker: DmProcess;
  const dir = tempDir('dm-cutover-');

  const cutover = async (out: string, ...extra: string[]) => {
    const r = await dmctl(master.addr, 'cutover', '--output-dir', join(dir, out), ...extra, 'tc');
    return { code: r.code, rep: r.json as unknown as Report, stdout: r.stdout };
  };

  before(async () => {
    [up, down] = await Promise.all([
      startMariadb({ serverId: 51 }),
      startMariadb({ serverId: 52, noBinlog: true }),
    ]);
    await loadSample(up, 'shop', 3000);
    // Outside the task's block-allow-list: must not be compared.
    await up.query(
      'CREATE DATABASE other; CREATE TABLE other.t (id INT PRIMARY KEY); INSERT INTO other.t VALUES (1)',
    );
    master = await startMaster({ name: 'm1' });
    await waitMasterReady(master.addr);
    worker = await startWorker('wc', master.addr);
    await waitWorkerRegistered(master.addr, 'wc');
    const s = await dmctl(master.addr, 'operate-source', 'create', writeSourceYaml(dir, 'src-c', up));
    assert.equal(s.json.result, true, s.stdout);
    const t = await dmctl(master.addr, 'start-task', writeTaskYaml(dir, 'tc', 'src-c', down, 'shop'));
    assert.equal(t.json.result, true, t.stdout);
    await waitSynced(master.addr, 'tc', 120_000);
  });

  after(async () => {
    await worker?.stop();
    await master?.stop();
    await Promise.all([up?.destroy(), down?.destroy()]);
  });

  it('a stopped writer: drained, every table equal (and CHECKSUM TABLE agrees)', async () => {
    const writer = startWriter(up, 'shop', 5_000_000);
    await new Promise((r) => setTimeout(r, 3000));
    const ops = await writer.stop();
    assert.ok(ops > 10, `writer ran (${ops} ops)`);
    const [ms] = await up.query<{ File: string; Position: number }>('SHOW MASTER STATUS');
    const { code, rep, stdout } = await cutover('c1');
    assert.equal(code, 0, stdout);
    assert.equal(rep.result, true, stdout);
    assert.equal(rep.task, 'tc');
    assert.equal(rep.sources.length, 1);
    assert.equal(rep.sources[0]?.source, 'src-c');
    assert.equal(rep.sources[0]?.drainedTo?.binlog, `(${ms?.File}, ${ms?.Position})`, stdout);
    assert.deepEqual(
      rep.tables.map((t) => t.target),
      SHOP_TABLES,
      stdout,
    );
    assert.ok(
      rep.tables.every((t) => t.equal && t.rows === t.targetRows && !t.fixSql),
      stdout,
    );
    assert.equal(rep.tables.find((t) => t.target === 'shop.users')?.rows, 3000);
    assert.deepEqual(await tableSums(down, 'shop'), await tableSums(up, 'shop'));
  });

  it('a corrupted target row: fails naming the table; its fix SQL makes the next cutover pass', async () => {
    await down.query("UPDATE shop.users SET name = 'corrupted' WHERE id = 42");
    const bad = await cutover('c2');
    assert.notEqual(bad.code, 0, bad.stdout);
    assert.equal(bad.rep.result, false, bad.stdout);
    assert.match(bad.rep.msg, /46012/);
    assert.match(bad.rep.msg, /shop\.users/);
    const users = bad.rep.tables.find((t) => t.target === 'shop.users');
    assert.equal(users?.equal, false, bad.stdout);
    assert.ok(users?.fixSql, bad.stdout);
    assert.deepEqual(
      bad.rep.tables.filter((t) => !t.equal).map((t) => t.target),
      ['shop.users'],
    );
    const fix = readFileSync(users.fixSql, 'utf8');
    assert.match(fix, /42/);
    await down.query(fix);
    const good = await cutover('c3');
    assert.equal(good.code, 0, good.stdout);
    assert.equal(good.rep.result, true, good.stdout);
    assert.deepEqual(await tableSums(down, 'shop'), await tableSums(up, 'shop'));
  });

  it('writes still arriving: times out, says so, exit non-zero', async () => {
    const writer = startWriter(up, 'shop', 6_000_000);
    try {
      await new Promise((r) => setTimeout(r, 500));
      const r = await cutover('c4', '--timeout', '3s');
      assert.notEqual(r.code, 0, r.stdout);
      assert.equal(r.rep.result, false, r.stdout);
      assert.match(r.rep.msg, /46011/);
      assert.equal(r.rep.sources[0]?.writesArriving, true, r.stdout);
      assert.deepEqual(r.rep.tables, []);
    } finally {
      await writer.stop();
    }
  });
});
