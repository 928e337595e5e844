import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Relay } from '../../../src/relay/relay-unit.js';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { destroyAll, startPair, tableSums, tempDir, testLogger } from '../../harness/index.js';
import { endRelay, sourceFor } from '../relay/helpers.js';
import { endSync, masterPos, syncConfig, waitEqual } from './sync-helpers.js';

const logger = testLogger();

describe('sync unit reading the relay log (enable-relay)', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let relay: Relay;
  let unit: SyncUnit;
  let relayRun: Promise<unknown>;
  let syncRun: Promise<{ errors: unknown[] }>;
  const rac = new AbortController();
  const sac = new AbortController();
  const workDir = tempDir('dm-sync-relay-');

  before(async () => {
    [up, down] = await startPair();
    const ddl = 'CREATE DATABASE rs; CREATE TABLE rs.t (id INT PRIMARY KEY, v VARCHAR(40), n INT);';
    await up.query(ddl);
    await down.query(ddl);
    const pos = await masterPos(up);
    // Relative relay dir: both units must resolve it against the same work dir.
    relay = new Relay({
      source: sourceFor(up, 'relay-here', { relayBinlogName: pos.binlogName }),
      deps: { logger, workDir },
    });
    await relay.init();
    relayRun = relay.process(rac.signal);
    unit = new SyncUnit(syncConfig(up, down, pos, { enableRelay: true, relayDir: 'relay-here' }), {
      logger,
      workDir,
    });
    await unit.init();
    syncRun = unit.process(sac.signal);
  });

  after(async () => {
    const errors = await endSync(unit, sac, syncRun);
    await endRelay(relay, rac, relayRun);
    await destroyAll(up, down);
    assert.deepEqual(errors, []);
  });

  it('replicates DML and DDL written upstream through the relay, across a binlog rotation', async () => {
    const c = await up.connect('rs');
    for (let i = 0; i < 200; i++) await c.query('INSERT INTO t VALUES (?, ?, ?)', [i, `v${i}`, i * 3]);
    await c.query('UPDATE t SET n = n + 1 WHERE id % 4 = 0');
    await c.query('FLUSH BINARY LOGS');
    await c.query('ALTER TABLE t ADD COLUMN w INT DEFAULT 7');
    await c.query('DELETE FROM t WHERE id % 9 = 0');
    await c.query('INSERT INTO t (id, v, n, w) VALUES (1000, "late", 1, 42)');
    await c.end();
    await waitEqual(up, down, 'rs');
    const sums = await tableSums(down, 'rs');
    assert.equal(sums[0]?.count, 200 - 23 + 1);
    assert.equal(unit.status().binlogType, 'local');
    // The relay was written where the relay unit resolves it, and read from there.
    assert.ok(existsSync(join(workDir, 'relay-here')));
  });
});
