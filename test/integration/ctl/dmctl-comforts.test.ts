import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { DmCluster, MariadbInstance } from '../../harness/index.js';
import { ROOT, startCluster, startMariadb, stopAll, tempDir, waitUntil } from '../../harness/index.js';
import { loadSample, waitEqual, writeSourceYaml, writeTaskYaml } from '../e2e/fixtures.js';

const run = promisify(execFile);
const DMCTL = join(ROOT, 'bin', 'dmctl');

/** Run bin/dmctl with exactly these arguments (no --master-addr added). */
async function rawCtl(
  ...args: string[]
): Promise<{ code: number; json: Record<string, unknown>; stdout: string }> {
  let code = 0;
  let stdout = '';
  try {
    ({ stdout } = await run(DMCTL, args, { timeout: 60_000, env: { ...process.env, DM_MASTER_ADDR: '' } }));
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    code = typeof e.code === 'number' ? e.code : -1;
    stdout = e.stdout ?? '';
  }
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    // not JSON (completion scripts, samples)
  }
  return { code, json, stdout };
}

/** The check results in a failed check-task answer's detail JSON. */
function checkResults(msg: unknown): { name: string; errors?: unknown[] }[] {
  const text = String(msg);
  const detail = text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1);
  return (JSON.parse(detail) as { results: { name: string; errors?: unknown[] }[] }).results;
}

/**
 * dmctl's comforts against a real dm-master, two dm-workers and MariaDB: `operate-source
 * create -w`, `check-task --error/--warn/--start-time`, `--config` and `--rpc-timeout`,
 * `handle-error` (DM's alias of `binlog`), `config task-template`, and one frame of
 * `query-status --watch`; ends with the data checked equal.
 */
describe('dmctl comforts', () => {
  let up: MariadbInstance;
  let down: MariadbInstance;
  let dm: DmCluster;
  const dir = tempDir('dm-ctl-');
  const ctl = (...args: string[]) => dm.ctl(...args);
  let taskFile = '';

  before(async () => {
    [up, down] = await Promise.all([
      startMariadb({ serverId: 31 }),
      startMariadb({ serverId: 32, noBinlog: true }),
    ]);
    await loadSample(up, 'shop', 500);
    await up.query('CREATE TABLE shop.ddl1 (id INT PRIMARY KEY, v INT)');
    await up.query('INSERT INTO shop.ddl1 VALUES (1, 1), (2, 2)');
    dm = await startCluster({ master: 'm-ctl', workers: ['w-a', 'w-b'] });
    taskFile = writeTaskYaml(dir, 't1', 'src-ctl', down, 'shop');
  });

  after(() => stopAll(dm, up, down));

  it('operate-source create -w binds the source to that worker', async () => {
    const bad = await ctl(
      'operate-source',
      'create',
      writeSourceYaml(dir, 'src-x', up),
      '-w',
      'no-such-worker',
    );
    assert.equal(bad.json.result, false, bad.stdout);
    assert.match(String(bad.json.msg), /no-such-worker/);
    const r = await ctl('operate-source', 'create', writeSourceYaml(dir, 'src-ctl', up), '-w', 'w-b');
    assert.equal(r.json.result, true, r.stdout);
    assert.equal((r.json.sources as { worker: string }[])[0]?.worker, 'w-b');
    const shown = await ctl('operate-source', 'show');
    assert.deepEqual(
      (shown.json.sources as { source: string; worker: string }[]).map((s) => [s.source, s.worker]),
      [['src-ctl', 'w-b']],
    );
  });

  it('--config FILE gives the master address; --rpc-timeout bounds a request', async () => {
    const cfg = join(dir, 'dmctl.toml');
    writeFileSync(cfg, `master-addr = "${dm.addr}"\nrpc-timeout = "30s"\n`);
    const listed = await rawCtl('--config', cfg, 'list-member', '--worker');
    assert.equal(listed.json.result, true, listed.stdout);
    // The flag wins over the file: a dead address fails.
    const flagWins = await rawCtl('--config', cfg, '--master-addr', '127.0.0.1:1', 'list-member');
    assert.equal(flagWins.json.result, false);
    assert.match(String(flagWins.json.msg), /127\.0\.0\.1:1/);
    // Prechecks take longer than 1 ms: the request gives up with DM's deadline wording.
    const slow = await rawCtl('--config', cfg, '--rpc-timeout', '1ms', 'check-task', taskFile);
    assert.equal(slow.code, 1);
    assert.match(String(slow.json.msg), /deadline exceeded/);
    const badTimeout = await rawCtl('--config', cfg, '--rpc-timeout', '10', 'list-member');
    assert.match(String(badTimeout.json.msg), /invalid --rpc-timeout/);
  });

  it('check-task --error/--warn bounds the items shown; --start-time is checked', async () => {
    // Two failing prechecks upstream, restored afterwards.
    await up.query("SET GLOBAL binlog_format = 'MIXED'");
    await up.query("SET GLOBAL binlog_row_image = 'MINIMAL'");
    try {
      const all = await ctl('check-task', taskFile);
      assert.equal(all.json.result, false, all.stdout);
      const names = checkResults(all.json.msg).map((x) => x.name);
      assert.ok(
        names.includes('mysql_binlog_format') && names.includes('mysql_binlog_row_image'),
        names.join(),
      );
      const one = await ctl('check-task', taskFile, '--error', '1', '--warn', '0');
      assert.equal(one.json.result, false);
      assert.equal(checkResults(one.json.msg).length, 1);
      const none = await ctl('check-task', taskFile, '-e', '0', '-w', '0');
      assert.deepEqual(checkResults(none.json.msg), []);
    } finally {
      await up.query("SET GLOBAL binlog_format = 'ROW'");
      await up.query("SET GLOBAL binlog_row_image = 'FULL'");
    }
    const badTime = await ctl('check-task', taskFile, '--start-time', 'yesterday');
    assert.equal(badTime.json.result, false);
    assert.match(String(badTime.json.msg), /start.time/i);
    const ok = await ctl('check-task', taskFile, '--start-time', '2021-10-21 00:01:00');
    assert.equal(ok.json.result, true, ok.stdout);
  });

  it('handle-error skip (DM’s alias of binlog skip) resumes a failed DDL', async () => {
    const r = await ctl('start-task', taskFile);
    assert.equal(r.json.result, true, r.stdout);
    await dm.waitSynced('t1');
    const wrongOp = await ctl('handle-error', 't1', 'inject');
    assert.match(String(wrongOp.json.msg), /invalid operation 'inject'/);
    await down.query('ALTER TABLE shop.ddl1 ADD COLUMN c INT');
    await up.query('ALTER TABLE shop.ddl1 ADD COLUMN c INT');
    await waitUntil(async () => (await dm.status('t1'))?.stage === 'Paused', 60_000, 'paused');
    const skip = await ctl('handle-error', 't1', 'skip');
    assert.equal(skip.json.result, true, skip.stdout);
    await dm.waitSynced('t1', 60_000);
    await up.query('INSERT INTO shop.ddl1 VALUES (3, 3, 3)');
    await up.query("UPDATE shop.users SET name = 'after handle-error' WHERE id <= 20");
    await waitEqual(up, down, 'shop', 60_000);
  });

  it('config task-template: a missing template is refused; without a name, a commented sample', async () => {
    const missing = await ctl('config', 'task-template', 'nope');
    assert.equal(missing.json.result, false);
    assert.match(String(missing.json.msg), /task not found/);
    const sample = await rawCtl('config', 'task-template');
    assert.match(sample.stdout, /^# DM task configuration\./);
  });

  it('query-status --watch draws a table and keeps refreshing until killed', async () => {
    // Not tracked (tracked children are unref'd): this one holds the loop until it exits.
    const child: ChildProcess = spawn(
      DMCTL,
      ['--master-addr', dm.addr, 'query-status', '--watch', '--interval', '0.5'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    try {
      // Two frames: the first drawn, then a refresh.
      await waitUntil(() => (out.match(/^query-status {2}/gm) ?? []).length >= 2, 20_000, 'two frames');
    } finally {
      // Ctrl-C, by PID.
      if (child.pid !== undefined) process.kill(child.pid, 'SIGINT');
    }
    assert.equal(await exited, 0, 'Ctrl-C exits 0');
    const frame = out.split(/\n\n(?=query-status)/)[0] ?? '';
    assert.match(frame, /TASK +SOURCE +WORKER +STAGE +UNIT +PROGRESS +LAG +ROWS\/S/);
    assert.match(frame, /t1 +src-ctl +w-b +Running +Sync +synced .* \d+s +\d+/);
    assert.ok(!frame.trimStart().startsWith('{'), 'not JSON');
  });
});
