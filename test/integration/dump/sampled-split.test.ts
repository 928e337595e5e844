import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { MariadbInstance } from '../../harness/index.js';
import { destroyAll, startPair, tableSums, tempDir } from '../../harness/index.js';
import { fullConfig } from './full-config.js';
import { runDump, runLoad } from './helpers.js';

// Tables keyed by a VARCHAR, a (VARCHAR, INT) and a VARBINARY key: split by sampled boundaries.
describe('dump: tables without an integer key are split by sampled boundaries', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  before(async () => {
    [up, down] = await startPair();
    const ns = Array.from({ length: 5000 }, (_, i) => i + 1);
    const pre = ['a', 'B', '\u00e9', "o''q"];
    // Mixed case, accents and a quote: the collation (not bytes) orders them.
    const vk = ns.map((n) => `('${pre[n % 4]}${String((n * 7919) % 5003).padStart(6, '0')}',${n})`);
    const ck = ns.map((n) => `('g${n % 7}',${n},REPEAT('x',${n % 30}))`);
    const bk = ns.map((n) => `(UNHEX(MD5(${n})),${n})`);
    const nokey = ns.map(() => "('z')");
    await up.query(
      'CREATE DATABASE sk;' +
        'CREATE TABLE sk.vk (k VARCHAR(40) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, v INT) ENGINE=InnoDB;' +
        'CREATE TABLE sk.ck (a VARCHAR(20) CHARACTER SET latin1 NOT NULL, b INT NOT NULL, v VARCHAR(30), PRIMARY KEY (a, b)) ENGINE=InnoDB;' +
        'CREATE TABLE sk.bk (k VARBINARY(16) NOT NULL, v INT, UNIQUE KEY (k)) ENGINE=InnoDB;' +
        'CREATE TABLE sk.nokey (v VARCHAR(10)) ENGINE=InnoDB;' +
        `INSERT INTO sk.vk VALUES ${vk.join(',')};` +
        `INSERT INTO sk.ck VALUES ${ck.join(',')};` +
        `INSERT INTO sk.bk VALUES ${bk.join(',')};` +
        `INSERT INTO sk.nokey VALUES ${nokey.join(',')};` +
        'ANALYZE TABLE sk.vk, sk.ck, sk.bk, sk.nokey;',
    );
  });
  after(async () => {
    await destroyAll(up, down);
  });

  it('writes several chunk files per table and loads back identical data', async () => {
    const work = tempDir('dm-dump-sk-');
    const cfg = fullConfig(up, down, { name: 'sk', consistency: 'snapshot', doDbs: ['sk'], rows: 1000 });
    const d = await runDump(cfg, work);
    const files = readdirSync(d.directory);
    for (const t of ['vk', 'ck', 'bk']) {
      const chunks = files.filter((f) => new RegExp(`^sk\\.${t}\\.\\d{9}\\.sql$`).test(f));
      assert.ok(chunks.length >= 3, `${t}: ${files.join(' ')}`);
    }
    assert.deepEqual(
      files.filter((f) => f.startsWith('sk.nokey.')),
      ['sk.nokey.000000000.sql'],
      'no key: one chunk',
    );
    assert.equal(d.status().finishedRows, 20_000);
    await runLoad(cfg, work);
    const sums = await tableSums(up, 'sk');
    assert.deepEqual(await tableSums(down, 'sk'), sums);
    assert.ok(
      sums.every((s) => s.count === 5000),
      JSON.stringify(sums),
    );
  });
});
