import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SyncUnit } from '../../../src/sync/sync-unit.js';
import type { MariadbInstance } from '../../harness/index.js';
import { crcSum, destroyAll, startMariadb, tableSums, tempDir, testLogger } from '../../harness/index.js';
import { endSync, masterPos, syncConfig, waitEqual } from './sync-helpers.js';

const logger = testLogger();

const DDL = `CREATE DATABASE cols;
  CREATE TABLE cols.t (
    id INT PRIMARY KEY,
    secret VARCHAR(20) INVISIBLE DEFAULT 'hid',
    l1 VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci,
    u8 VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
    g INT AS (id * 3) STORED,
    v INT AS (id + 1) VIRTUAL,
    n INT
  );
  CREATE TABLE cols.nopk (a INT, b VARCHAR(10) CHARACTER SET latin1, c INT INVISIBLE DEFAULT 7);`;

/**
 * Invisible columns, stored and virtual generated columns, per-column charsets and a keyless
 * table with duplicate rows, replicated with and without binlog column metadata (MINIMAL
 * leaves the mapping of row images to columns to the schema tracker).
 */
for (const metadata of ['MINIMAL', 'FULL'] as const) {
  describe(`sync unit: column kinds with binlog_row_metadata=${metadata}`, () => {
    let up: MariadbInstance;
    let down: MariadbInstance;
    after(async () => {
      await destroyAll(up, down);
    });

    it('invisible, generated and charset columns and a keyless table end equal', async () => {
      [up, down] = await Promise.all([
        startMariadb({ binlogRowMetadata: metadata }),
        startMariadb({ noBinlog: true }),
      ]);
      await up.query(DDL);
      await down.query(DDL);
      const unit = new SyncUnit(syncConfig(up, down, await masterPos(up)), {
        logger,
        workDir: tempDir('dm-sync-cols-'),
      });
      await unit.init();
      const ac = new AbortController();
      const run = unit.process(ac.signal);
      try {
        const c = await up.connect('cols');
        try {
          for (let i = 1; i <= 60; i++) {
            await c.query('INSERT INTO t (id, secret, l1, u8, n) VALUES (?, ?, ?, ?, ?)', [
              i,
              `s${i}`,
              `café ${i}`,
              `ünï 😀 ${i}`,
              i % 5 === 0 ? null : i,
            ]);
          }
          await c.query('INSERT INTO t (id, l1) VALUES (61, ?)', ['défaut']);
          await c.query("UPDATE t SET secret = CONCAT(secret, '!'), n = n + 1 WHERE id % 3 = 0");
          await c.query("UPDATE t SET id = id + 1000, u8 = 'moved ✓' WHERE id BETWEEN 10 AND 14");
          await c.query('DELETE FROM t WHERE id % 7 = 0');
          for (let i = 0; i < 30; i++) {
            await c.query('INSERT INTO nopk (a, b, c) VALUES (?, ?, ?)', [i % 4, `é${i % 3}`, i]);
          }
          await c.query('INSERT INTO nopk (a, b) VALUES (1, ?), (1, ?)', ['é1', 'é1']);
          await c.query('UPDATE nopk SET c = c + 100 WHERE a = 2 LIMIT 2');
          await c.query('DELETE FROM nopk WHERE a = 1 LIMIT 3');
        } finally {
          await c.end();
        }
        await waitEqual(up, down, 'cols');
        for (const t of ['t', 'nopk']) {
          assert.deepEqual(
            await crcSum(down, 'cols', t),
            await crcSum(up, 'cols', t),
            `cols.${t} incl. invisible`,
          );
        }
        const [h] = await down.query<{ s: string }>('SELECT secret AS s FROM cols.t WHERE id = 3');
        assert.equal(h?.s, 's3!');
        assert.equal((await tableSums(down, 'cols')).length, 2);
      } finally {
        assert.deepEqual(await endSync(unit, ac, run), []);
      }
    });
  });
}
