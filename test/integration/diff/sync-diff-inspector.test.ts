import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MariadbInstance } from '../../harness/index.js';
import { crcSum, startMariadb, tempDir } from '../../harness/index.js';
import { loadSample } from '../e2e/fixtures.js';

const root = join(fileURLToPath(import.meta.url), '../../../../..');
const BIN = join(root, 'bin/sync-diff-inspector');

function runTool(config: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(BIN, ['--config', config], { timeout: 90_000 }, (err, stdout) => {
      const code = err ? ((err as { code?: number }).code ?? 99) : 0;
      resolve({ code: typeof code === 'number' ? code : 99, stdout });
    });
  });
}

/** Shard tables split across two source servers, merged on the target by routes. */
const SHARD_DDL = 'CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(32), note VARCHAR(32) NULL)';

async function fillShard(db: MariadbInstance, schema: string, from: number, to: number) {
  const rows = [];
  for (let i = from; i <= to; i++) rows.push(`(${i}, 'v${i}', ${i % 3 === 0 ? 'NULL' : `'n${i}'`})`);
  await db.query(`INSERT INTO ${schema}.t VALUES ${rows.join(',')}`);
}

describe('bin/sync-diff-inspector against real servers', () => {
  let up1: MariadbInstance;
  let up2: MariadbInstance;
  let down: MariadbInstance;
  let out: string;
  let config: string;

  before(async () => {
    [up1, up2, down] = await Promise.all([
      startMariadb({ noBinlog: true }),
      startMariadb({ noBinlog: true }),
      startMariadb({ noBinlog: true }),
    ]);
    await Promise.all([loadSample(up1, 'app', 3000), loadSample(down, 'app', 3000)]);
    await up1.query(`CREATE DATABASE shard_1; CREATE TABLE shard_1.${SHARD_DDL.slice(13)}`);
    await up2.query(`CREATE DATABASE shard_2; CREATE TABLE shard_2.${SHARD_DDL.slice(13)}`);
    await down.query(`CREATE DATABASE merged; CREATE TABLE merged.${SHARD_DDL.slice(13)}`);
    await fillShard(up1, 'shard_1', 1, 600);
    await fillShard(up2, 'shard_2', 601, 1200);
    await fillShard(down, 'merged', 1, 1200);
    out = tempDir('dm-diff-');
    const ds = (db: MariadbInstance, routes: string) =>
      `host = "${db.host}"\nport = ${db.port}\nuser = "${db.user}"\npassword = "${db.password}"\n${routes}`;
    config = join(out, 'diff.toml');
    writeFileSync(
      config,
      `check-thread-count = 4
export-fix-sql = true

[data-sources.mysql1]
${ds(up1, 'route-rules = ["shards"]')}
[data-sources.mysql2]
${ds(up2, 'route-rules = ["shards"]')}
[data-sources.tidb0]
${ds(down, '')}
[routes.shards]
schema-pattern = "shard_*"
table-pattern = "t"
target-schema = "merged"
target-table = "t"

[task]
output-dir = "${join(out, 'output')}"
source-instances = ["mysql1", "mysql2"]
target-instance = "tidb0"
target-check-tables = ["app.*", "merged.t", "!app.empty_one"]
target-configs = ["small"]

[table-configs.small]
target-tables = ["app.users", "app.orders"]
chunk-size = 500
`,
    );
  });

  after(async () => {
    await Promise.all([up1?.destroy(), up2?.destroy(), down?.destroy()]);
  });

  it('equal tables pass with exit 0 and write no patch', async () => {
    const r = await runTool(config);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /A total of 4 table have been compared and all are equal\./);
    const log = readFileSync(join(out, 'output/sync_diff.log'), 'utf8');
    assert.match(log, /\["check pass!!!"\]/);
    const summary = readFileSync(join(out, 'output/summary.txt'), 'utf8');
    assert.match(summary, /\| `app`.`users` +\| +3000 \| +3000 \|/);
    assert.match(summary, /\| `merged`.`t` +\| +1200 \| +1200 \|/);
    assert.deepEqual(readdirSync(join(out, 'output/fix-on-tidb0')), []);
  });

  it('finds exactly the changed rows; the fix SQL makes a second run pass', async () => {
    await down.query(`UPDATE app.users SET name = 'changed' WHERE id = 5;
      DELETE FROM app.users WHERE id = 10;
      INSERT INTO app.users (id, name, email) VALUES (99999, 'extra', 'extra@x');
      UPDATE app.orders SET note = '' WHERE id = 12;
      DELETE FROM app.audit WHERE seq = 2000;
      UPDATE merged.t SET v = 'bad' WHERE id = 900;
      DELETE FROM merged.t WHERE id = 3;`);
    const r = await runTool(config);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /The data of `app`.`users` is not equal/);
    assert.match(r.stdout, /The data of `app`.`orders` is not equal/);
    assert.match(r.stdout, /The data of `app`.`audit` is not equal/);
    assert.match(r.stdout, /The data of `merged`.`t` is not equal/);
    assert.match(
      r.stdout,
      /A total of 4 tables have been compared, 0 tables finished, 4 tables failed, 0 tables skipped\./,
    );
    assert.match(readFileSync(join(out, 'output/sync_diff.log'), 'utf8'), /\["check failed!!!"\]/);
    const summary = readFileSync(join(out, 'output/summary.txt'), 'utf8');
    assert.match(summary, /\| `app`.`users` +\| succeed \| true +\| \+2\/-2 +\| +3000 \| +3000 \|/);
    assert.match(summary, /\| `app`.`orders` +\| succeed \| true +\| \+1\/-1 +\|/);
    assert.match(summary, /\| `merged`.`t` +\| succeed \| true +\| \+2\/-1 +\| +1200 \| +1199 \|/);
    const fixDir = join(out, 'output/fix-on-tidb0');
    const files = readdirSync(fixDir).sort();
    // Only the differing chunks were read row by row: users ids 5 and 10 share the first chunk
    // of 500, 99999 lies in the last one; orders id 12 in its first.
    const users = files.filter((f) => f.startsWith('app:users:'));
    assert.equal(users.length, 2, files.join(' '));
    assert.equal(files.filter((f) => f.startsWith('app:orders:')).length, 1);
    const usersSql = users.map((f) => readFileSync(join(fixDir, f), 'utf8')).join('');
    assert.match(usersSql, /^-- table: app\.users\n-- range in sequence: /m);
    assert.match(usersSql, /DELETE FROM `app`.`users` WHERE `id` = 99999 LIMIT 1;/);
    assert.match(usersSql, /REPLACE INTO `app`.`users`\(`id`,`name`,/);
    assert.match(usersSql, /source data +╏ 'user 4 ✓ é+' *\n/);
    // Apply the patch on the target, as an operator would.
    const c = await down.connect();
    try {
      for (const f of files) await c.query(readFileSync(join(fixDir, f), 'utf8'));
    } finally {
      await c.end();
    }
    const again = await runTool(config);
    assert.equal(again.code, 0, again.stdout);
    assert.ok(existsSync(join(out, 'output/summary.txt')));
    // Independent check, computed by the servers.
    for (const t of ['users', 'orders', 'audit']) {
      assert.deepEqual(await crcSum(down, 'app', t), await crcSum(up1, 'app', t), t);
    }
    const [a, b, m] = await Promise.all([
      crcSum(up1, 'shard_1', 't'),
      crcSum(up2, 'shard_2', 't'),
      crcSum(down, 'merged', 't'),
    ]);
    assert.equal(m.count, a.count + b.count);
    assert.equal(BigInt(m.crc), BigInt(a.crc) ^ BigInt(b.crc));
  });

  it('a wrong config exits 2 naming the key', async () => {
    const bad = join(out, 'bad.toml');
    writeFileSync(bad, `${readFileSync(config, 'utf8')}\n[table-configs.x]\nrnage = "a > 1"\n`);
    const r = await runTool(bad);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /unknown key table-configs\.x\.rnage/);
  });
});

/**
 * The equal-table fast path (src/diff/table-checksum.ts): CHECKSUM TABLE + COUNT(*) on both
 * sides decides an equal table without chunks; a difference, or a checksum that differs for
 * equal rows, still goes through the chunked compare.
 */
describe('bin/sync-diff-inspector: whole-table checksum first', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let out: string;
  let config: string;
  /** sync_diff.log of the last run (the file is appended to). */
  const log = () => {
    const text = readFileSync(join(out, 'output/sync_diff.log'), 'utf8');
    return text.slice(text.lastIndexOf('["Welcome to sync_diff_inspector"]'));
  };
  const checksum = async (db: MariadbInstance, t: string) =>
    String((await db.query<{ Checksum: unknown }>(`CHECKSUM TABLE fp.${t}`))[0]?.Checksum);

  before(async () => {
    [up, down] = await Promise.all([startMariadb({ noBinlog: true }), startMariadb({ noBinlog: true })]);
    const rows = (from: number, to: number) => {
      const r = [];
      for (let i = from; i <= to; i++)
        r.push(`(${i}, ${i * 7}, 'c${i}', ${i % 5 === 0 ? 'NULL' : `'p${i}'`})`);
      return r.join(',');
    };
    // `same`: identical everywhere. `rowfmt`: the source gives ROW_FORMAT=DYNAMIC explicitly,
    // the target takes the default (also Dynamic): equal rows, but for a table of fixed-size
    // columns MariaDB hashes the "packed record" create option into the null bitmap, so
    // CHECKSUM TABLE differs. `cset`: latin1
    // on the source, utf8mb4 on the target (same COLUMN_TYPE, same values).
    const ddl = (t: string, opts: string, cs = 'latin1') =>
      `CREATE TABLE fp.${t} (id INT PRIMARY KEY, k INT NOT NULL, c CHAR(20) CHARACTER SET ${cs} NOT NULL, p CHAR(20) NULL) ${opts};`;
    await up.query(
      `CREATE DATABASE fp; ${ddl('same', '')} ${ddl('rowfmt', 'ROW_FORMAT=DYNAMIC')} ${ddl('cset', '')}`,
    );
    await down.query(
      `CREATE DATABASE fp; ${ddl('same', '')} ${ddl('rowfmt', '')} ${ddl('cset', '', 'utf8mb4')}`,
    );
    for (const db of [up, down]) {
      for (const t of ['same', 'rowfmt', 'cset']) {
        await db.query(`INSERT INTO fp.${t} VALUES ${rows(1, 2500)}`);
        await db.query(`INSERT INTO fp.${t} VALUES ${rows(2501, 5000)}`);
      }
    }
    // Same bytes, other text: 0xE9 is é in latin1 and й in cp1251 (same COLUMN_TYPE).
    await up.query(
      "CREATE DATABASE cp; CREATE TABLE cp.t (id INT PRIMARY KEY, c CHAR(5) CHARACTER SET latin1); INSERT INTO cp.t VALUES (1, x'E9'), (2, 'a')",
    );
    await down.query(
      "CREATE DATABASE cp; CREATE TABLE cp.t (id INT PRIMARY KEY, c CHAR(5) CHARACTER SET cp1251); INSERT INTO cp.t VALUES (1, x'E9'), (2, 'a')",
    );
    out = tempDir('dm-diff-fp-');
    const ds = (db: MariadbInstance) =>
      `host = "${db.host}"\nport = ${db.port}\nuser = "${db.user}"\npassword = "${db.password}"\n`;
    config = join(out, 'diff.toml');
    writeFileSync(
      config,
      `check-thread-count = 2
export-fix-sql = true

[data-sources.up]
${ds(up)}
[data-sources.down]
${ds(down)}
[task]
output-dir = "${join(out, 'output')}"
source-instances = ["up"]
target-instance = "down"
target-check-tables = ["fp.*"]
target-configs = ["small"]

[table-configs.small]
target-tables = ["fp.*"]
chunk-size = 1000
`,
    );
  });

  after(async () => {
    await Promise.all([up?.destroy(), down?.destroy()]);
  });

  it('equal tables: decided by CHECKSUM TABLE where it agrees, by chunks where it cannot', async () => {
    // The constructed case really has equal rows and different table checksums.
    assert.deepEqual(await crcSum(down, 'fp', 'rowfmt'), await crcSum(up, 'fp', 'rowfmt'));
    assert.notEqual(await checksum(down, 'rowfmt'), await checksum(up, 'rowfmt'));
    assert.equal(await checksum(down, 'same'), await checksum(up, 'same'));
    const r = await runTool(config);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /A total of 3 table have been compared and all are equal\./);
    const l = log();
    assert.match(l, /\["check pass!!!"\]/);
    assert.match(l, /\["table checksum matches, no chunk compared"\] \[table="`fp`.`same`"\]/);
    assert.doesNotMatch(l, /\["table split into chunks"\] \[table="`fp`.`same`"\]/);
    assert.match(l, /\["table checksum doesn't match, comparing chunks"\] \[table="`fp`.`rowfmt`"\]/);
    assert.match(l, /\["table split into chunks"\] \[table="`fp`.`rowfmt`"\] \[chunks=\d+\]/);
    assert.match(
      l,
      /\["table checksum not used, comparing chunks"\] \[table="`fp`.`cset`"\] \[reason="character set of c differs"\]/,
    );
    const summary = readFileSync(join(out, 'output/summary.txt'), 'utf8');
    for (const t of ['same', 'rowfmt', 'cset']) {
      assert.match(summary, new RegExp(`\\| \`fp\`.\`${t}\` +\\| +5000 \\| +5000 \\|`));
    }
    assert.deepEqual(readdirSync(join(out, 'output/fix-on-down')), []);
  });

  it('use-table-checksum = false compares chunks for every table, with the same result', async () => {
    const off = join(out, 'off.toml');
    writeFileSync(off, `use-table-checksum = false\n${readFileSync(config, 'utf8')}`);
    const r = await runTool(off);
    assert.equal(r.code, 0, r.stdout);
    const l = log();
    assert.doesNotMatch(l, /table checksum matches/);
    for (const t of ['same', 'rowfmt', 'cset']) {
      assert.match(
        l,
        new RegExp(
          `table checksum not used, comparing chunks"\\] \\[table="\`fp\`.\`${t}\`"\\] \\[reason="use-table-checksum = false"\\]`,
        ),
      );
    }
    const summary = readFileSync(join(out, 'output/summary.txt'), 'utf8');
    assert.match(summary, /\| `fp`.`same` +\| +5000 \| +5000 \|/);
  });

  it('a changed target row is still found, with its fix SQL, and the fix makes the next run pass', async () => {
    await down.query("UPDATE fp.same SET c = 'changed' WHERE id = 4321");
    const r = await runTool(config);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /The data of `fp`.`same` is not equal/);
    assert.match(
      r.stdout,
      /A total of 3 tables have been compared, 2 tables finished, 1 tables failed, 0 tables skipped\./,
    );
    assert.match(log(), /\["check failed!!!"\]/);
    assert.match(log(), /\["table checksum doesn't match, comparing chunks"\] \[table="`fp`.`same`"\]/);
    const summary = readFileSync(join(out, 'output/summary.txt'), 'utf8');
    assert.match(summary, /\| `fp`.`same` +\| succeed \| true +\| \+1\/-1 +\| +5000 \| +5000 \|/);
    const fixDir = join(out, 'output/fix-on-down');
    const files = readdirSync(fixDir);
    assert.equal(files.length, 1, files.join(' '));
    const sql = readFileSync(join(fixDir, files[0]!), 'utf8');
    assert.match(sql, /REPLACE INTO `fp`.`same`\(`id`,`k`,`c`,`p`\) VALUES \(4321,30247,'c4321','p4321'\);/);
    await down.query(sql);
    assert.deepEqual(await crcSum(down, 'fp', 'same'), await crcSum(up, 'fp', 'same'));
    const again = await runTool(config);
    assert.equal(again.code, 0, again.stdout);
    assert.match(log(), /\["table checksum matches, no chunk compared"\] \[table="`fp`.`same`"\]/);
  });

  it('an extra target row whose other rows are equal is found too (counts differ)', async () => {
    await down.query("INSERT INTO fp.same VALUES (9999, 1, 'extra', NULL)");
    const r = await runTool(config);
    assert.equal(r.code, 1, r.stdout);
    const summary = readFileSync(join(out, 'output/summary.txt'), 'utf8');
    assert.match(summary, /\| `fp`.`same` +\| succeed \| true +\| \+0\/-1 +\| +5000 \| +5001 \|/);
    const files = readdirSync(join(out, 'output/fix-on-down'));
    assert.equal(files.length, 1, files.join(' '));
    assert.match(
      readFileSync(join(out, 'output/fix-on-down', files[0]!), 'utf8'),
      /DELETE FROM `fp`.`same` WHERE `id` = 9999 LIMIT 1;/,
    );
  });

  it('the same bytes in different character sets are different text, and are found', async () => {
    const cpConfig = join(out, 'cp.toml');
    writeFileSync(
      cpConfig,
      readFileSync(config, 'utf8')
        .replace('target-check-tables = ["fp.*"]', 'target-check-tables = ["cp.*"]')
        .replace(/output-dir = "([^"]*)"/, (_m, d: string) => `output-dir = "${d}-cp"`),
    );
    const r = await runTool(cpConfig);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /The data of `cp`.`t` is not equal/);
    const summary = readFileSync(join(out, 'output-cp/summary.txt'), 'utf8');
    assert.match(summary, /\| `cp`.`t` +\| succeed \| true +\| \+1\/-1 +\| +2 \| +2 \|/);
  });
});
