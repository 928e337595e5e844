import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { DmCluster, MariadbInstance } from '../../harness/index.js';
import {
  startCluster,
  startMariadb,
  stopAll,
  tableSums,
  tempDir,
  waitUntil,
  writeLoop,
} from '../../harness/index.js';
import { loadSample, startWriter, writeTaskYaml } from '../e2e/fixtures.js';

interface SourceReport {
  source: string;
  drainedTo: { binlog: string; gtid: string } | null;
  writesArriving: boolean;
  readOnlySince: string | null;
  wasReadOnly: boolean;
  readOnlyMs: number;
  upstreamReadOnly: boolean | null;
}

interface Report {
  result: boolean;
  msg: string;
  task: string;
  sources: SourceReport[];
  tables: { target: string; rows: number; targetRows: number; equal: boolean; fixSql?: string }[];
  taskStopped: boolean;
  setUpstreamReadOnly: boolean;
  durationMs: number;
}

const SHOP_TABLES = ['shop.audit', 'shop.empty_one', 'shop.orders', 'shop.users'];
/** ER_OPTION_PREVENTS_STATEMENT: the server runs with --read-only. */
const READ_ONLY_REFUSED = 1290;

/**
 * The application: a user without READ_ONLY ADMIN writing shop.users/orders until stopped. A
 * statement refused because the upstream became read-only is counted, not fatal.
 */
function appWriter(up: MariadbInstance): { stop: () => Promise<{ ok: number; refused: number }> } {
  let ok = 0;
  let refused = 0;
  const loop = writeLoop(
    () => mysql.createConnection({ host: '127.0.0.1', port: up.port, user: 'app', password: 'apppass' }),
    async (c, n) => {
      try {
        await c.query("UPDATE shop.users SET balance = balance + 1, name = CONCAT('a', ?) WHERE id = ?", [
          n,
          1 + (n % 500),
        ]);
        await c.query(
          "INSERT INTO shop.orders (id, user_id, status, note, latin) VALUES (?, 1, 'new', 'app', 'ñ')",
          [7_000_000 + n],
        );
        ok++;
      } catch (err) {
        if ((err as { errno?: number }).errno !== READ_ONLY_REFUSED) throw err;
        refused++;
      }
    },
  );
  return {
    stop: async () => {
      await loop.stop();
      return { ok, refused };
    },
  };
}

/**
 * `dmctl cutover` through real processes. The task's source user `cut` may do everything but
 * set read_only (no SUPER, no READ_ONLY ADMIN) until the test grants it. A running writer makes
 * a cutover without read-only time out; `--set-upstream-read-only` without the privilege is
 * refused with 46100 and leaves the upstream writable; a target row changed behind the task's
 * back makes cutover fail naming that table with fix SQL, leaving the task running and the
 * upstream read-only as asked; with the privilege, a cutover on a live writer makes the upstream
 * read-only, drains, finds every table equal (CHECKSUM TABLE agrees) and stops the task.
 */
describe('cutover: read-only, drain, final diff, stop, report', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-cutover-');

  const cutover = async (out: string, ...extra: string[]) => {
    const r = await dm.ctl('cutover', '--output-dir', join(dir, out), ...extra, 'tc');
    return { code: r.code, rep: r.json as unknown as Report, stdout: r.stdout };
  };
  const readOnly = async () =>
    Number((await up.query<{ r: number }>('SELECT @@GLOBAL.read_only AS r'))[0]?.r);
  const taskRunning = async () => {
    const q = await dm.ctl('query-status', 'tc');
    const subs =
      (q.json.sources as { subTaskStatus?: { name: string; stage: string }[] }[] | undefined) ?? [];
    return subs.some((s) => s.subTaskStatus?.some((t) => t.name === 'tc' && t.stage === 'Running'));
  };

  before(async () => {
    [up, down] = await Promise.all([
      startMariadb({ serverId: 51 }),
      startMariadb({ serverId: 52, noBinlog: true }),
    ]);
    await loadSample(up, 'shop', 3000);
    // Outside the task's block-allow-list: must not be compared.
    await up.query(
      'CREATE DATABASE other; CREATE TABLE other.t (id INT PRIMARY KEY); INSERT INTO other.t VALUES (1);' +
        "CREATE USER 'cut'@'%' IDENTIFIED BY 'cutpass'; GRANT ALL ON *.* TO 'cut'@'%';" +
        "REVOKE SUPER, READ_ONLY ADMIN ON *.* FROM 'cut'@'%';" +
        "CREATE USER 'app'@'%' IDENTIFIED BY 'apppass'; GRANT SELECT, INSERT, UPDATE, DELETE ON shop.* TO 'app'@'%'",
    );
    dm = await startCluster({ workers: ['wc'] });
    const src = join(dir, 'src-c.yaml');
    writeFileSync(
      src,
      `source-id: "src-c"\nenable-gtid: false\nfrom:\n  host: "127.0.0.1"\n  port: ${up.port}\n  user: "cut"\n  password: "cutpass"\n`,
    );
    await dm.createSource(src);
    const t = await dm.ctl('start-task', writeTaskYaml(dir, 'tc', 'src-c', down, 'shop'));
    assert.equal(t.json.result, true, t.stdout);
    await dm.waitSynced('tc', 120_000);
  });

  after(() => stopAll(dm, up, down));

  it('writes still arriving, no read-only: times out, says so, task left running', async () => {
    const writer = startWriter(up, 'shop', 6_000_000);
    try {
      await new Promise((r) => setTimeout(r, 500));
      const r = await cutover('c1', '--timeout', '3s');
      assert.notEqual(r.code, 0, r.stdout);
      assert.equal(r.rep.result, false, r.stdout);
      assert.match(r.rep.msg, /46011/);
      assert.equal(r.rep.sources[0]?.writesArriving, true, r.stdout);
      assert.equal(r.rep.sources[0]?.readOnlySince, null, r.stdout);
      assert.equal(r.rep.taskStopped, false, r.stdout);
      assert.deepEqual(r.rep.tables, []);
    } finally {
      await writer.stop();
    }
    assert.equal(await taskRunning(), true);
  });

  it('--set-upstream-read-only without the privilege: 46100, upstream left writable, no drain', async () => {
    const r = await cutover('c2', '--set-upstream-read-only');
    assert.notEqual(r.code, 0, r.stdout);
    assert.equal(r.rep.result, false, r.stdout);
    assert.match(r.rep.msg, /code=46100/, r.stdout);
    assert.match(r.rep.msg, /src-c/, r.stdout);
    assert.equal(r.rep.sources[0]?.drainedTo, null, r.stdout);
    assert.equal(r.rep.sources[0]?.upstreamReadOnly, false, r.stdout);
    assert.equal(r.rep.taskStopped, false, r.stdout);
    assert.equal(await readOnly(), 0);
    assert.equal(await taskRunning(), true);
  });

  it('a difference: fails naming the table, the task is not stopped, the upstream stays read-only', async () => {
    await up.query("GRANT READ_ONLY ADMIN ON *.* TO 'cut'@'%'");
    await dm.waitSynced('tc', 60_000);
    await down.query("UPDATE shop.users SET name = 'corrupted' WHERE id = 42");
    const bad = await cutover('c3', '--set-upstream-read-only');
    assert.notEqual(bad.code, 0, bad.stdout);
    assert.equal(bad.rep.result, false, bad.stdout);
    assert.match(bad.rep.msg, /46012/);
    assert.match(bad.rep.msg, /shop\.users/);
    assert.equal(bad.rep.taskStopped, false, bad.stdout);
    assert.deepEqual(
      bad.rep.tables.filter((t) => !t.equal).map((t) => t.target),
      ['shop.users'],
    );
    const src = bad.rep.sources[0];
    assert.ok(src?.drainedTo, bad.stdout);
    assert.ok(src.readOnlySince && src.readOnlyMs > 0 && src.upstreamReadOnly === true, bad.stdout);
    assert.equal(await readOnly(), 1, 'the upstream stays read-only, as the operator chose');
    assert.equal(await taskRunning(), true, 'the task is not stopped');
    const users = bad.rep.tables.find((t) => t.target === 'shop.users');
    assert.ok(users?.fixSql, bad.stdout);
    const fix = readFileSync(users.fixSql, 'utf8');
    assert.match(fix, /42/);
    // The operator repairs the target and lets the application write again.
    await down.query(fix);
    await up.query('SET GLOBAL read_only = 0');
  });

  it('the upstream moves while the diff runs: 46102, success not declared, task left running', async () => {
    await dm.waitSynced('tc', 60_000);
    // Hold the target's shop.users so the final diff's reads of it wait; meanwhile a user
    // with READ_ONLY ADMIN (root) writes upstream past the drained position (outside the task's
    // tables, so the data stays equal and only the position tells).
    const hold = await down.connect();
    await hold.query('LOCK TABLES shop.users WRITE');
    const pending = cutover('c5', '--set-upstream-read-only', '--timeout', '1m');
    let released = false;
    try {
      await waitUntil(
        async () => {
          const [w] = await down.query<{ n: number | string }>(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND STATE LIKE 'Waiting for table%' AND INFO LIKE '%`users`%'",
          );
          return Number(w?.n) > 0;
        },
        60_000,
        'the final diff waiting on shop.users',
      );
      assert.equal(await readOnly(), 1, 'read-only before the diff');
      await up.query('INSERT INTO other.t VALUES (2)');
      await hold.query('UNLOCK TABLES');
      released = true;
    } finally {
      if (!released) await hold.query('UNLOCK TABLES').catch(() => undefined);
      await hold.end();
    }
    const r = await pending;
    const [ms] = await up.query<{ File: string; Position: number }>('SHOW MASTER STATUS');
    assert.notEqual(r.code, 0, r.stdout);
    assert.equal(r.rep.result, false, r.stdout);
    assert.match(r.rep.msg, /code=46102/, r.stdout);
    assert.match(r.rep.msg, /src-c/, r.stdout);
    assert.equal(r.rep.taskStopped, false, r.stdout);
    const src = r.rep.sources[0];
    assert.ok(src?.drainedTo, r.stdout);
    assert.notEqual(src.drainedTo.binlog, `(${ms?.File}, ${ms?.Position})`, r.stdout);
    assert.equal(src.writesArriving, true, r.stdout);
    assert.equal(src.upstreamReadOnly, true, r.stdout);
    // The data itself was equal at that point: the position alone refuses the proof.
    assert.ok(r.rep.tables.length > 0 && r.rep.tables.every((t) => t.equal), r.stdout);
    assert.equal(await readOnly(), 1, 'the upstream stays read-only, as the operator chose');
    assert.equal(await taskRunning(), true, 'the task is not stopped');
    await up.query('SET GLOBAL read_only = 0');
    await up.query('DELETE FROM other.t WHERE id = 2');
  });

  it('a live writer, --set-upstream-read-only: equal at the final position, task stopped, report', async () => {
    const writer = appWriter(up);
    await new Promise((r) => setTimeout(r, 3000));
    const r = await cutover('c4', '--set-upstream-read-only', '--timeout', '2m');
    // The writer ran throughout: its statements after read-only are refused.
    await new Promise((res) => setTimeout(res, 300));
    const { ok, refused } = await writer.stop();
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.rep.result, true, r.stdout);
    assert.equal(r.rep.msg, '', r.stdout);
    assert.equal(r.rep.setUpstreamReadOnly, true);
    assert.equal(r.rep.taskStopped, true, r.stdout);
    assert.ok(ok > 10, `writer wrote (${ok} ok)`);
    assert.ok(refused > 0, `writer was refused once read-only (${refused})`);
    const [ms] = await up.query<{ File: string; Position: number }>('SHOW MASTER STATUS');
    const src = r.rep.sources[0];
    assert.equal(src?.drainedTo?.binlog, `(${ms?.File}, ${ms?.Position})`, r.stdout);
    assert.ok(src.readOnlySince, r.stdout);
    assert.equal(src.wasReadOnly, false);
    assert.ok(src.readOnlyMs > 0 && src.readOnlyMs <= r.rep.durationMs, r.stdout);
    assert.equal(src.upstreamReadOnly, true);
    assert.equal(await readOnly(), 1);
    assert.deepEqual(
      r.rep.tables.map((t) => t.target),
      SHOP_TABLES,
      r.stdout,
    );
    assert.ok(
      r.rep.tables.every((t) => t.equal && t.rows === t.targetRows && !t.fixSql),
      r.stdout,
    );
    // Independently, by the servers: CHECKSUM TABLE + COUNT(*) of every table.
    assert.deepEqual(await tableSums(down, 'shop'), await tableSums(up, 'shop'));
    const q = await dm.ctl('query-status');
    assert.deepEqual(q.json.tasks ?? [], [], q.stdout);
  });
});
