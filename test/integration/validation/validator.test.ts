import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DmCluster, MariadbInstance } from '../../harness/index.js';
import { dmctl, startCluster, stopAll, tempDir, waitUntil } from '../../harness/index.js';
import { startShop, startWriter, writeSourceYaml, writeTaskYaml } from '../e2e/fixtures.js';

interface VError {
  id: string;
  source: string;
  srcTable: string;
  srcData: string;
  dstData: string;
  errorType: string;
  status: string;
}

/** Primary keys (`id`) of the findings of `task` in state `state`, sorted. */
async function errorIds(master: string, task: string, state = 'all'): Promise<number[]> {
  const r = await dmctl(master, 'validation', 'show-error', '--error', state, task);
  assert.equal(r.json.result, true, r.stdout);
  return ((r.json.error as VError[]) ?? [])
    .map((e) => Number(JSON.parse(e.srcData).id))
    .sort((a, b) => a - b);
}

/**
 * The continuous validator through real processes: divergences the applier did not cause
 * (downstream triggers) are reported with the right keys and nothing else while writes go on;
 * a kill -9 of the worker with a pending row neither loses nor doubles findings; stop/start and
 * ignore/resolve/clear change what status and show-error report; fast mode, enabled by dmctl on
 * a running task, finds a row missing downstream.
 */
describe('validation: continuous validator via dmctl', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-validation-');
  const TRIGGERED = [7, 13, 1600];

  before(async () => {
    [up, down] = await startShop(41, 2000);
    await up.query('CREATE DATABASE fastdb; CREATE TABLE fastdb.t (id INT PRIMARY KEY, v VARCHAR(20))');
    await up.query("INSERT INTO fastdb.t VALUES (1,'a'),(2,'b'),(3,'c')");
    dm = await startCluster({ workers: ['wv'], workerArgs: ['--keepalive-ttl', '3'] });
    await dm.createSource(writeSourceYaml(dir, 'src-v', up));
  });

  after(() => stopAll(dm, up, down));

  it('full mode: reports exactly the rows a downstream trigger alters, across kill -9', async () => {
    const t = await dmctl(
      dm.addr,
      'start-task',
      writeTaskYaml(
        dir,
        'tv',
        'src-v',
        down,
        'shop',
        'validators:\n  v:\n    mode: full\n    worker-count: 2\n    validate-interval: 1s\n    row-error-delay: 2s\n    meta-flush-interval: 1s\n    batch-query-size: 50\n',
        '    validator-config-name: "v"\n',
      ),
    );
    assert.equal(t.json.result, true, t.stdout);
    await dm.waitSynced('tv', 120_000);
    // Divergence the applier does not cause: the downstream alters chosen rows on every write
    // (INSERT too: safe mode writes REPLACE).
    const cond = `NEW.id IN (${TRIGGERED.join(',')})`;
    await down.query(
      `CREATE TRIGGER shop.tu BEFORE UPDATE ON shop.users FOR EACH ROW IF ${cond} THEN SET NEW.name = CONCAT(NEW.name, '!'); END IF`,
    );
    await down.query(
      `CREATE TRIGGER shop.ti BEFORE INSERT ON shop.users FOR EACH ROW IF ${cond} THEN SET NEW.name = CONCAT(NEW.name, '!'); END IF`,
    );
    const q = await dm.ctl('query-status', 'tv');
    const st = await dm.status('tv');
    assert.equal((st?.validation as { stage?: string } | undefined)?.stage, 'Running', q.stdout);

    const writer = startWriter(up, 'shop', 3_000_000); // updates users 1..500, churns orders
    try {
      await waitUntil(async () => (await errorIds(dm.addr, 'tv')).join() === '7,13', 60_000, 'findings 7,13');
      // Row 1600 is not touched by the writer: change it once and kill -9 the worker before
      // row-error-delay (2 s) passes, so the finding exists only as a pending row.
      await up.query("UPDATE shop.users SET name = 'pending' WHERE id = 1600");
      await waitUntil(
        async () =>
          (await down.query<{ name: string }>('SELECT name FROM shop.users WHERE id = 1600'))[0]?.name ===
          'pending!',
        30_000,
        'row 1600 applied downstream',
      );
      await dm.worker.kill9();
      await dm.worker.restart();
      await waitUntil(async () => (await dm.status('tv'))?.unit === 'Sync', 60_000, 'Sync again');
      await waitUntil(
        async () => (await errorIds(dm.addr, 'tv')).join() === TRIGGERED.join(),
        60_000,
        'pending finding 1600 recorded after the restart',
      );
      // Writes go on (replaying and re-checking rows 7 and 13): still exactly these findings.
      await new Promise((r) => setTimeout(r, 5000));
    } finally {
      await writer.stop();
    }
    await dm.waitSynced('tv', 120_000);
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(await errorIds(dm.addr, 'tv'), TRIGGERED);
    const all = await dm.ctl('validation', 'show-error', '--error', 'all', 'tv');
    const errs = all.json.error as VError[];
    assert.equal(errs.length, 3, all.stdout);
    for (const e of errs) {
      assert.equal(e.errorType, 'Column data not matched');
      assert.equal(e.srcTable, '`shop`.`users`');
      assert.equal(e.status, 'NewErr');
      assert.equal(JSON.parse(e.dstData).name, `${JSON.parse(e.srcData).name}!`);
    }
    const s = await dm.ctl('validation', 'status', 'tv');
    assert.equal(s.json.result, true, s.stdout);
    const v = (s.json.validators as { stage: string; errorRowsStatus: string; mode: string }[])[0];
    assert.equal(v?.stage, 'Running');
    assert.equal(v?.mode, 'full');
    assert.equal(v?.errorRowsStatus, 'new/ignored/resolved: 3/0/0');
    const tables = s.json.tableStatuses as { srcTable: string; stage: string; message: string }[];
    assert.ok(
      tables.some((x) => x.srcTable === '`shop`.`users`' && x.stage === 'Running'),
      s.stdout,
    );
    const audit = await dm.ctl('validation', 'status', '--table-stage', 'stopped', 'tv');
    const stopped = audit.json.tableStatuses as { srcTable: string; message: string }[];
    assert.deepEqual(
      stopped.map((x) => x.srcTable),
      ['`shop`.`audit`'],
      audit.stdout, // no primary key: not validated, as DM
    );

    // ignore one, resolve one, then clear all: the counts follow.
    const id7 = errs.find((e) => JSON.parse(e.srcData).id === 7)!.id;
    assert.equal((await dm.ctl('validation', 'ignore-error', 'tv', id7)).json.result, true);
    assert.deepEqual(await errorIds(dm.addr, 'tv', 'unprocessed'), [13, 1600]);
    assert.deepEqual(await errorIds(dm.addr, 'tv', 'ignored'), [7]);
    const id13 = errs.find((e) => JSON.parse(e.srcData).id === 13)!.id;
    assert.equal((await dm.ctl('validation', 'resolve-error', 'tv', id13)).json.result, true);
    const s2 = await dm.ctl('validation', 'status', 'tv');
    assert.equal(
      (s2.json.validators as { errorRowsStatus: string }[])[0]?.errorRowsStatus,
      'new/ignored/resolved: 1/1/1',
      s2.stdout,
    );
    const bad = await dm.ctl('validation', 'ignore-error', 'tv');
    assert.notEqual(bad.code, 0);
    assert.equal(bad.json.result, false, bad.stdout);
    assert.equal((await dm.ctl('validation', 'clear-error', 'tv', '--all')).json.result, true);
    assert.deepEqual(await errorIds(dm.addr, 'tv'), []);

    // stop / start: the stage is stored in etcd and survives a worker restart.
    assert.equal((await dm.ctl('validation', 'stop', 'tv')).json.result, true);
    const stage = async () =>
      ((await dm.ctl('validation', 'status', 'tv')).json.validators as { stage: string }[])[0]?.stage;
    await waitUntil(async () => (await stage()) === 'Stopped', 20_000, 'validator Stopped');
    await dm.worker.kill9();
    await dm.worker.restart();
    await waitUntil(async () => (await dm.status('tv'))?.unit === 'Sync', 60_000, 'Sync again');
    await waitUntil(async () => (await stage()) === 'Stopped', 20_000, 'still Stopped after restart');
    const again = await dm.ctl('validation', 'start', '--mode', 'fast', 'tv');
    assert.equal(again.json.result, false, again.stdout); // enabled already: no explicit mode (DM)
    assert.equal((await dm.ctl('validation', 'start', 'tv')).json.result, true);
    await waitUntil(async () => (await stage()) === 'Running', 20_000, 'validator Running');
    const tooMany = await dmctl(dm.addr, 'validation', 'start', '--start-time', '2024-01-01 00:00:00', 'tv');
    assert.equal(tooMany.json.result, false, tooMany.stdout);
    assert.match(String(tooMany.json.msg), /36101/);
  });

  it('fast mode enabled by dmctl on a running task finds a row missing downstream', async () => {
    // The validator is configured but off (mode none): `validation start --mode fast` enables
    // it with the configured row-error-delay (the default is DM's 30m).
    const t = await dmctl(
      dm.addr,
      'start-task',
      writeTaskYaml(
        dir,
        'tf',
        'src-v',
        down,
        'fastdb',
        'validators:\n  idle:\n    mode: none\n    validate-interval: 1s\n    row-error-delay: 2s\n',
        '    validator-config-name: "idle"\n',
      ),
    );
    assert.equal(t.json.result, true, t.stdout);
    await dm.waitSynced('tf', 120_000);
    const stop = await dm.ctl('validation', 'stop', 'tf');
    assert.equal(stop.json.result, false, stop.stdout); // not enabled yet
    const en = await dm.ctl('validation', 'start', '--mode', 'fast', 'tf');
    assert.equal(en.json.result, true, en.stdout);
    await waitUntil(
      async () => {
        const s = await dm.ctl('validation', 'status', 'tf');
        const v = (s.json.validators as { stage: string; mode: string }[] | undefined)?.[0];
        return v?.stage === 'Running' && v.mode === 'fast';
      },
      60_000,
      'fast validator running',
    );
    // Past the restarted subtask's safe mode (its REPLACE would re-create the row).
    await new Promise((res) => setTimeout(res, 3000));
    await down.query('DELETE FROM fastdb.t WHERE id = 2');
    await down.query("UPDATE fastdb.t SET v = 'changed downstream' WHERE id = 3"); // fast: not checked
    await up.query("UPDATE fastdb.t SET v = 'x' WHERE id IN (2, 3)");
    await waitUntil(
      async () => (await errorIds(dm.addr, 'tf')).join() === '2',
      60_000,
      'missing row 2 reported',
    );
    const r = await dm.ctl('validation', 'show-error', 'tf');
    assert.equal((r.json.error as VError[])[0]?.errorType, 'Expected rows not exist', r.stdout);
    await new Promise((res) => setTimeout(res, 3000));
    assert.deepEqual(await errorIds(dm.addr, 'tf'), [2]);
  });
});
