import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DmCluster, MariadbInstance } from '../../harness/index.js';
import { startCluster, startMariadb, stopAll, tempDir, waitUntil } from '../../harness/index.js';
import { loadSample, waitEqual, writeSourceYaml, writeTaskYaml } from '../e2e/fixtures.js';

type Sub = Record<string, unknown> & {
  stage?: string;
  result?: { errors?: { ErrCode: number; Message: string }[] } | null;
};

/**
 * `dmctl binlog …` and `binlog-schema …` against a real cluster: a DDL that fails downstream
 * pauses the subtask with a coded error; `binlog skip` / `binlog replace` make it go on, and
 * the servers' CHECKSUM TABLE proves the data equal afterwards.
 */
describe('ops: binlog skip/replace/list/revert and binlog-schema', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-ops-');
  const ctl = (...args: string[]) => dm.ctl(...args);

  async function waitPaused(): Promise<Sub> {
    let st: Sub | undefined;
    await waitUntil(
      async () => {
        st = (await dm.status('t1')) as Sub | undefined;
        return st?.stage === 'Paused';
      },
      60_000,
      'subtask paused by the failing DDL',
    );
    return st as Sub;
  }

  async function waitRunningSynced(): Promise<void> {
    let st: Sub | undefined;
    await waitUntil(
      async () => {
        st = (await dm.status('t1')) as Sub | undefined;
        return st?.stage === 'Running' && (st.sync as { synced?: boolean } | undefined)?.synced === true;
      },
      60_000,
      'subtask running and synced again',
    ).catch((err) => {
      const errs = dm.worker
        .log()
        .split('\n')
        .filter((l) => /"level":(40|50)/.test(l))
        .slice(-8);
      throw new Error(`${(err as Error).message}\nlast: ${JSON.stringify(st)}\nworker:\n${errs.join('\n')}`);
    });
  }

  before(async () => {
    [up, down] = await Promise.all([
      startMariadb({ serverId: 21 }),
      startMariadb({ serverId: 22, noBinlog: true }),
    ]);
    await loadSample(up, 'shop', 2000);
    await up.query('CREATE TABLE shop.ddl1 (id INT PRIMARY KEY, v INT)');
    await up.query('CREATE TABLE shop.ddl2 (id INT PRIMARY KEY, v INT)');
    await up.query('INSERT INTO shop.ddl1 VALUES (1, 1), (2, 2)');
    await up.query('INSERT INTO shop.ddl2 VALUES (1, 1), (2, 2)');
    dm = await startCluster({ master: 'm-ops', workers: ['w-ops'] });
    const src = await ctl('operate-source', 'create', writeSourceYaml(dir, 'src-ops', up));
    assert.equal(src.json.result, true, src.stdout);
    const r = await ctl('start-task', writeTaskYaml(dir, 't1', 'src-ops', down, 'shop'));
    assert.equal(r.json.result, true, r.stdout);
    await dm.waitSynced('t1');
  });

  after(() => stopAll(dm, up, down));

  it('binlog skip without -b skips the failed DDL and resumes', async () => {
    // The column already exists downstream: the replicated ALTER fails with "Duplicate column".
    await down.query('ALTER TABLE shop.ddl1 ADD COLUMN c INT');
    await up.query('ALTER TABLE shop.ddl1 ADD COLUMN c INT');
    const st = await waitPaused();
    const err = st.result?.errors?.[0];
    assert.ok(err, JSON.stringify(st));
    assert.ok(err.ErrCode > 0);
    assert.match(err.Message, /Duplicate column/i);

    const listed = await ctl('binlog', 'list', 't1');
    assert.equal(listed.json.result, true, listed.stdout);
    const r = await ctl('binlog', 'skip', 't1');
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.json.result, true, r.stdout);
    await waitRunningSynced();

    await up.query('INSERT INTO shop.ddl1 VALUES (3, 3, 3)');
    await up.query('UPDATE shop.ddl1 SET c = id * 10');
    await up.query("UPDATE shop.users SET name = 'after skip' WHERE id <= 50");
    await waitEqual(up, down, 'shop', 60_000);
  });

  it('binlog replace -b runs a corrected statement instead', async () => {
    // The index name is taken downstream: the upstream ALTER fails; the replacement adds the column only.
    await down.query('ALTER TABLE shop.ddl2 ADD INDEX idx_v (v)');
    await up.query('ALTER TABLE shop.ddl2 ADD COLUMN d INT, ADD INDEX idx_v (v)');
    const st = await waitPaused();
    assert.match(st.result?.errors?.[0]?.Message ?? '', /Duplicate key name/i);
    const pos = /\(([^,()]+), (\d+)\)/.exec(st.result?.errors?.[0]?.Message ?? '');
    assert.ok(pos, 'the error names the binlog position');

    // -b needs exactly one source.
    const noSource = await ctl('binlog', 'replace', 't1', '-b', `${pos[1]}:${pos[2]}`, 'SELECT 1');
    assert.equal(noSource.json.result, false);
    assert.notEqual(noSource.code, 0);

    const r = await ctl(
      'binlog',
      'replace',
      't1',
      '-s',
      'src-ops',
      '-b',
      `${pos[1]}:${pos[2]}`,
      'ALTER TABLE shop.ddl2 ADD COLUMN d INT;',
    );
    assert.equal(r.json.result, true, r.stdout);
    await waitRunningSynced();
    await up.query('INSERT INTO shop.ddl2 VALUES (3, 3, 33)');
    await up.query('UPDATE shop.ddl2 SET d = id + 100 WHERE id < 3');
    await waitEqual(up, down, 'shop', 60_000);
    const cols = await down.query<{ c: string }>(
      "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='shop' AND TABLE_NAME='ddl2' ORDER BY ORDINAL_POSITION",
    );
    assert.deepEqual(
      cols.map((c) => c.c),
      ['id', 'v', 'd'],
    );
  });

  it('binlog inject at a future position is listed and reverted', async () => {
    const inj = await ctl(
      'binlog',
      'inject',
      't1',
      '-s',
      'src-ops',
      '-b',
      'nosuch-bin.000009:1234',
      'SELECT 1; SELECT 2',
    );
    assert.equal(inj.json.result, true, inj.stdout);
    const l = await ctl('binlog', 'list', 't1');
    assert.match(l.stdout, /nosuch-bin\.000009:1234/);
    assert.match(l.stdout, /"inject"/);
    const rv = await ctl('binlog', 'revert', 't1', '-s', 'src-ops', '-b', 'nosuch-bin.000009:1234');
    assert.equal(rv.json.result, true, rv.stdout);
    const again = await ctl('binlog', 'revert', 't1', '-s', 'src-ops', '-b', 'nosuch-bin.000009:1234');
    assert.equal(again.json.result, false);
    assert.equal(again.code, 1);
    assert.doesNotMatch((await ctl('binlog', 'list', 't1')).stdout, /nosuch-bin/);
    // Skip on a running subtask without -b: nothing failed, so it is refused.
    const skip = await ctl('binlog', 'skip', 't1');
    assert.equal(skip.json.result, false, skip.stdout);
  });

  it('binlog-schema list/update/delete act on the tracker', async () => {
    const l = await ctl('binlog-schema', 'list', 't1', 'shop', 'ddl2');
    assert.equal(l.json.result, true, l.stdout);
    assert.match(l.stdout, /CREATE TABLE `ddl2`/);
    assert.match(l.stdout, /`d` int/);
    // Changing the schema of a running subtask is refused.
    const file = join(dir, 'ddl2.sql');
    writeFileSync(file, 'CREATE TABLE ddl2 (id INT PRIMARY KEY, v INT, d INT, e INT);\n');
    const busy = await ctl('binlog-schema', 'update', 't1', 'shop', 'ddl2', file);
    assert.equal(busy.json.result, false, busy.stdout);
    assert.equal((await ctl('pause-task', 't1')).json.result, true);
    const up1 = await ctl('binlog-schema', 'update', 't1', 'shop', 'ddl2', file);
    assert.equal(up1.json.result, true, up1.stdout);
    assert.match((await ctl('binlog-schema', 'list', 't1', 'shop', 'ddl2')).stdout, /`e` int/);
    // Put the true structure back (as the upstream has it) and resume: replication goes on.
    writeFileSync(file, 'CREATE TABLE ddl2 (id INT PRIMARY KEY, v INT, d INT);\n');
    assert.equal((await ctl('binlog-schema', 'update', 't1', 'shop', 'ddl2', file)).json.result, true);
    const del = await ctl('binlog-schema', 'delete', 't1', 'shop', 'empty_one');
    assert.equal(del.json.result, true, del.stdout);
    assert.equal((await ctl('binlog-schema', 'list', 't1', 'shop', 'empty_one')).json.result, false);
    assert.equal((await ctl('resume-task', 't1')).json.result, true);
    await up.query('INSERT INTO shop.ddl2 VALUES (4, 4, 44)');
    await waitRunningSynced();
    await waitEqual(up, down, 'shop', 60_000);
  });

  it('binlog-schema update --from-source / --from-target take the CREATE TABLE of either side', async () => {
    const file = join(dir, 'ddl2-wrong.sql');
    writeFileSync(file, 'CREATE TABLE ddl2 (id INT PRIMARY KEY, v INT, d INT, wrong INT);\n');
    // A column only the downstream has: --from-target must see it, --from-source must not.
    await down.query('ALTER TABLE shop.ddl2 ADD COLUMN only_down INT');
    assert.equal((await ctl('pause-task', 't1')).json.result, true);
    assert.equal((await ctl('binlog-schema', 'update', 't1', 'shop', 'ddl2', file)).json.result, true);
    assert.match((await ctl('binlog-schema', 'list', 't1', 'shop', 'ddl2')).stdout, /`wrong` int/);
    const both = await ctl('binlog-schema', 'update', 't1', 'shop', 'ddl2', '--from-source', '--from-target');
    assert.notEqual(both.code, 0, 'one source of the schema only');
    const tgt = await ctl('binlog-schema', 'update', 't1', 'shop', 'ddl2', '--from-target');
    assert.equal(tgt.json.result, true, tgt.stdout);
    const l1 = (await ctl('binlog-schema', 'list', 't1', 'shop', 'ddl2')).stdout;
    assert.match(l1, /`only_down` int/);
    assert.doesNotMatch(l1, /`wrong`/);
    // --sync outside optimistic mode does nothing, as in DM, and says so.
    const src = await ctl('binlog-schema', 'update', 't1', 'shop', 'ddl2', '--from-source', '--sync');
    assert.equal(src.json.result, true, src.stdout);
    assert.match(src.stdout, /--sync ignored: shard-mode is not optimistic/);
    const l2 = (await ctl('binlog-schema', 'list', 't1', 'shop', 'ddl2')).stdout;
    assert.match(l2, /`d` int/);
    assert.doesNotMatch(l2, /only_down|wrong/);
    await down.query('ALTER TABLE shop.ddl2 DROP COLUMN only_down');
    assert.equal((await ctl('resume-task', 't1')).json.result, true);
    await up.query('INSERT INTO shop.ddl2 VALUES (5, 5, 55)');
    await waitRunningSynced();
    await waitEqual(up, down, 'shop', 60_000);
  });
});
