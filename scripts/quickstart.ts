/**
 * Quickstart: start a throwaway upstream and downstream MariaDB, one dm-master (with its
 * etcd) and one dm-worker; load sample data; create the source; start an `all` task; show
 * progress while live writes run; wait until synced; prove equality with CHECKSUM TABLE
 * (computed by the servers, not by us); then keep the cluster up for dmctl until Ctrl-C.
 *
 * It reuses the test harness's throwaway-server code (test/harness): same servers, same
 * cleanup guarantees. QUICKSTART_EXIT=1 exits after the check (used by CI and scripts).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tableSums } from '../test/harness/checksum.js';
import { type MariadbInstance, startMariadb } from '../test/harness/mariadb.js';
import { freePort } from '../test/harness/ports.js';
import { stopChild, trackChild } from '../test/harness/processes.js';
import { tempDir } from '../test/harness/tmp.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const ROWS = Number(process.env.QUICKSTART_ROWS ?? 20_000);
const say = (s: string) => process.stdout.write(`${s}\n`);

async function dmctl(master: string, ...args: string[]): Promise<Record<string, unknown>> {
  try {
    const { stdout } = await run(join(ROOT, 'bin/dmctl'), ['--master-addr', master, ...args], {
      maxBuffer: 1 << 24,
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  } catch (err) {
    const e = err as { stdout?: string; message: string };
    if (e.stdout) return JSON.parse(e.stdout) as Record<string, unknown>;
    throw err;
  }
}

async function loadSample(db: MariadbInstance): Promise<void> {
  await db.query(`CREATE DATABASE shop;
    CREATE TABLE shop.users (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64) CHARACTER SET utf8mb4,
      email VARCHAR(128) UNIQUE, balance DECIMAL(12,2), created DATETIME(3), active TINYINT(1));
    CREATE TABLE shop.orders (id BIGINT UNSIGNED PRIMARY KEY, user_id INT, status ENUM('new','paid','shipped'),
      tags SET('gift','express','fragile'), note TEXT, payload JSON, blob_data BLOB, amount DOUBLE, ts TIMESTAMP(6) NULL);
    CREATE TABLE shop.audit (seq INT, msg VARCHAR(200), at TIME(2));`);
  const c = await db.connect();
  try {
    for (let start = 0; start < ROWS; start += 1000) {
      const users: unknown[][] = [];
      const orders: unknown[][] = [];
      for (let i = start; i < Math.min(ROWS, start + 1000); i++) {
        users.push([
          `user ${i} ✓ ${'é'.repeat(i % 5)}`,
          `u${i}@example.com`,
          (i * 7.31) % 10000,
          `2024-01-01 00:00:00.${String(i % 1000).padStart(3, '0')}`,
          i % 2,
        ]);
        orders.push([
          i + 1,
          (i % ROWS) + 1,
          ['new', 'paid', 'shipped'][i % 3],
          i % 4 === 0 ? 'gift,express' : '',
          `note ${i}`,
          JSON.stringify({ i, tags: [i % 3] }),
          Buffer.from([i & 255, 0, 255]),
          i / 3,
          i % 10 === 0 ? null : '2024-05-01 12:00:00.123456',
        ]);
      }
      await c.query('INSERT INTO shop.users (name, email, balance, created, active) VALUES ?', [users]);
      await c.query('INSERT INTO shop.orders VALUES ?', [orders]);
      await c.query('INSERT INTO shop.audit VALUES (?, ?, ?)', [start, `batch ${start}`, '12:34:56.78']);
    }
  } finally {
    await c.end();
  }
}

function startProcess(bin: string, args: string[], logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  return trackChild(spawn(join(ROOT, 'bin', bin), args, { stdio: ['ignore', out, out] }));
}

async function main(): Promise<void> {
  const work = tempDir('dm-quickstart-');
  say(`quickstart: working in ${work}`);
  say('starting upstream and downstream MariaDB ...');
  const [up, down] = await Promise.all([
    startMariadb({ serverId: 1 }),
    startMariadb({ serverId: 2, noBinlog: true }),
  ]);
  say(`  upstream   127.0.0.1:${up.port}\n  downstream 127.0.0.1:${down.port}`);
  say(`loading sample data (${ROWS} users, ${ROWS} orders) ...`);
  await loadSample(up);

  const [mPort, pPort, wPort] = [await freePort(), await freePort(), await freePort()];
  const master = `127.0.0.1:${mPort}`;
  say('starting dm-master (with its etcd) and dm-worker ...');
  const masterProc = startProcess(
    'dm-master',
    [
      '--name',
      'master1',
      '--master-addr',
      master,
      '--peer-urls',
      `http://127.0.0.1:${pPort}`,
      '--data-dir',
      join(work, 'master1'),
    ],
    join(work, 'dm-master.log'),
  );
  await waitFor(async () => (await dmctl(master, 'list-member')).result === true, 60_000, 'dm-master');
  const workerProc = startProcess(
    'dm-worker',
    [
      '--name',
      'worker1',
      '--worker-addr',
      `127.0.0.1:${wPort}`,
      '--join',
      master,
      '--work-dir',
      join(work, 'worker1'),
    ],
    join(work, 'dm-worker.log'),
  );
  await waitFor(
    async () => JSON.stringify(await dmctl(master, 'list-member', '--worker')).includes('worker1'),
    60_000,
    'dm-worker',
  );

  const sourceFile = join(work, 'source.yaml');
  writeFileSync(
    sourceFile,
    `source-id: "mariadb-01"\nflavor: "mariadb"\nenable-gtid: true\nfrom:\n  host: "127.0.0.1"\n  port: ${up.port}\n  user: "root"\n  password: ""\n`,
  );
  const taskFile = join(work, 'task.yaml');
  writeFileSync(
    taskFile,
    `name: "quickstart"\ntask-mode: "all"\ntarget-database:\n  host: "127.0.0.1"\n  port: ${down.port}\n  user: "root"\n  password: ""\n` +
      `mysql-instances:\n  - source-id: "mariadb-01"\n    block-allow-list: "bal"\nblock-allow-list:\n  bal:\n    do-dbs: ["shop"]\n`,
  );
  say(`$ dmctl operate-source create ${sourceFile}`);
  say(JSON.stringify(await dmctl(master, 'operate-source', 'create', sourceFile)));
  say(`$ dmctl start-task ${taskFile}`);
  const started = await dmctl(master, 'start-task', taskFile);
  // checkResult is DM's full precheck report (a JSON string): show its summary only.
  const check =
    typeof started.checkResult === 'string' && started.checkResult ? JSON.parse(started.checkResult) : {};
  say(
    JSON.stringify({
      ...started,
      checkResult: (check as { summary?: unknown }).summary ?? started.checkResult,
    }),
  );
  if (started.result !== true) throw new Error('start-task failed');

  // Live writes while the task runs: they must all arrive through the binlog.
  let writing = true;
  const writer = (async () => {
    const c = await up.connect();
    let i = 0;
    while (writing) {
      i++;
      await c.query('UPDATE shop.users SET balance = balance + 1 WHERE id = ?', [1 + (i % ROWS)]);
      await c.query('INSERT INTO shop.orders (id, user_id, status, note) VALUES (?, 1, "new", "live")', [
        ROWS + i,
      ]);
      if (i % 5 === 0) await c.query('DELETE FROM shop.orders WHERE id = ?', [ROWS + i - 2]);
      await new Promise((r) => setTimeout(r, 20));
    }
    await c.end();
  })();

  let synced = false;
  const deadline = Date.now() + 10 * 60_000;
  while (!synced && Date.now() < deadline) {
    const st = await dmctl(master, 'query-status', 'quickstart');
    const sub = (st.sources as { subTaskStatus?: Record<string, unknown>[] }[] | undefined)?.[0]
      ?.subTaskStatus?.[0];
    if (sub) {
      const load = sub.load as { progress?: string } | undefined;
      const sync = sub.sync as { synced?: boolean; secondsBehindMaster?: number } | undefined;
      say(
        `  stage=${sub.stage} unit=${sub.unit}` +
          (load?.progress ? ` load=${load.progress}` : '') +
          (sync ? ` synced=${sync.synced} behind=${sync.secondsBehindMaster ?? '?'}s` : ''),
      );
      if (sub.stage === 'Paused') say(`  error: ${JSON.stringify(sub.result)}`);
      if (sub.unit === 'Sync' && sync?.synced) {
        if (writing) {
          say('stopping live writes; waiting for the last changes ...');
          writing = false;
          await writer;
          await new Promise((r) => setTimeout(r, 1500));
        } else synced = true;
      }
    }
    if (!synced) await new Promise((r) => setTimeout(r, 1000));
  }
  writing = false;
  await writer;
  if (!synced) throw new Error('task did not reach synced within 10 minutes');

  say('verifying with CHECKSUM TABLE + COUNT(*) on both servers ...');
  const [a, b] = [await tableSums(up, 'shop'), await tableSums(down, 'shop')];
  for (const t of a) {
    const o = b.find((x) => x.table === t.table);
    say(`  ${t.table.padEnd(8)} rows ${t.count} / ${o?.count}  checksum ${t.checksum} / ${o?.checksum}`);
  }
  const equal = JSON.stringify(a) === JSON.stringify(b);
  say(equal ? 'EQUAL: the downstream matches the upstream.' : 'MISMATCH: the downstream differs!');
  say(
    `\nThe cluster is running. Try:\n  bin/dmctl --master-addr ${master} query-status quickstart\n  bin/dmctl --master-addr ${master} list-member\n  mariadb -h127.0.0.1 -P${up.port} -uroot shop   # upstream: writes replicate live\n  mariadb -h127.0.0.1 -P${down.port} -uroot shop  # downstream\nLogs: ${work}/dm-*.log`,
  );
  if (process.env.QUICKSTART_EXIT !== '1') {
    say('Press Ctrl-C to stop everything.');
    await new Promise<void>((r) => process.once('SIGINT', () => r()));
  }
  say('stopping ...');
  await stopChild(workerProc);
  await stopChild(masterProc);
  await Promise.all([up.destroy(), down.destroy()]);
  process.exit(equal ? 0 : 1);
}

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${ms / 1000}s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().catch((err) => {
  process.stderr.write(`quickstart failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
