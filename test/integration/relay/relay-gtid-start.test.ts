import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Relay } from '../../../src/relay/relay-unit.js';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { destroyAll, startPair, tableSums, tempDir, testLogger } from '../../harness/index.js';
import { endSync, syncConfig, waitEqual } from '../sync/sync-helpers.js';
import { binlogs, endRelay, sourceFor, waitFor } from './helpers.js';

const logger = testLogger();

/**
 * The sync unit reads the relay log from a start point that is a GTID set alone (task `meta`
 * with only `binlog-gtid`): the relay position is located in the relay's own files. The relay
 * holds transactions before the GTID (it starts at the oldest binlog, several files back):
 * replaying any of them would hit a duplicate key (no safe mode here); skipping one after it
 * would leave the data unequal.
 */
describe('sync from the relay log with a GTID-only start point', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let relay: Relay;
  let unit: SyncUnit;
  let relayRun: Promise<unknown>;
  let syncRun: Promise<{ errors: unknown[] }> | undefined;
  const rac = new AbortController();
  const sac = new AbortController();
  const workDir = tempDir('dm-relay-gtid-start-');
  let startGtid = '';

  before(async () => {
    [up, down] = await startPair();
    const ddl = 'CREATE DATABASE gs; CREATE TABLE gs.t (id INT PRIMARY KEY, v VARCHAR(40), n INT);';
    await up.query(ddl);
    await down.query(ddl);
    // Before the start point: present on both sides already (as a dump would have copied).
    const c = await up.connect('gs');
    for (let i = 0; i < 60; i++) {
      await c.query('INSERT INTO t VALUES (?, ?, ?)', [i, `pre${i}`, i]);
      if (i % 20 === 19) await c.query('FLUSH BINARY LOGS');
    }
    await c.query('UPDATE t SET n = n * 2 WHERE id < 45');
    await c.end();
    startGtid = (await up.query<{ g: string }>('SELECT @@gtid_binlog_pos AS g'))[0]!.g;
    await down.query(
      `INSERT INTO gs.t VALUES ${Array.from({ length: 60 }, (_, i) => `(${i}, 'pre${i}', ${i < 45 ? i * 2 : i})`).join(',')}`,
    );
    relay = new Relay({ source: sourceFor(up, 'relay'), deps: { logger, workDir } });
    await relay.init();
    relayRun = relay.process(rac.signal);
  });

  after(async () => {
    const errors = await endSync(unit, sac, syncRun);
    await endRelay(relay, rac, relayRun);
    await destroyAll(up, down);
    assert.deepEqual(errors ?? [], []);
  });

  it('starts at the first transaction after the GTID set, found in the relay files', async () => {
    assert.ok((await binlogs(up)).length >= 4, 'several binlog files before the start point');
    assert.deepEqual(await tableSums(up, 'gs'), await tableSums(down, 'gs'), 'equal before the start');
    // The first transaction after the start point: must not be skipped.
    await up.query("INSERT INTO gs.t VALUES (1000, 'first-after', 1)");
    const cfg = syncConfig(
      up,
      down,
      { binlogName: '', binlogPos: 0 },
      {
        enableRelay: true,
        relayDir: 'relay',
        meta: { binlogName: '', binlogPos: 0, binlogGtid: startGtid },
      },
    );
    unit = new SyncUnit(cfg, { logger, workDir });
    await unit.init();
    syncRun = unit.process(sac.signal);
    const c = await up.connect('gs');
    for (let i = 60; i < 160; i++) await c.query('INSERT INTO t VALUES (?, ?, ?)', [i, `post${i}`, i]);
    await c.query('FLUSH BINARY LOGS');
    await c.query('UPDATE t SET v = CONCAT(v, "!") WHERE id % 3 = 0');
    await c.query('DELETE FROM t WHERE id % 7 = 0');
    await c.end();
    await waitEqual(up, down, 'gs');
    const sums = await tableSums(down, 'gs');
    assert.equal(sums[0]?.count, 161 - Math.ceil(160 / 7));
    assert.equal(unit.status().binlogType, 'local');
    // The applied position follows the appliers' commits (it may trail the data by a moment).
    await waitFor('an applied position', () => /^\(.+\.\d+, \d+\)$/.test(unit.status().syncerBinlog), 10_000);
  });
});
