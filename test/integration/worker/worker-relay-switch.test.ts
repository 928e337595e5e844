import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Etcd3 } from 'etcd3';
import { Keys } from '../../../src/pkg/etcd/keys.js';
import type { EtcdInstance, MariadbInstance } from '../../harness/index.js';
import { freePort, startEtcd, startMariadb, stopChild, tableSums, tempDir } from '../../harness/index.js';
import type { SpawnedWorker } from './worker-process.js';
import {
  putBoundSubtask,
  spawnWorker,
  startRegistrar,
  until,
  upstreamSource,
  waitSchemaEqual,
  workerArgs,
  workerStatus,
} from './worker-process.js';

/**
 * A source with `enable-relay: false` and a running incremental subtask: setting the relay
 * stage in etcd (what `start-relay` does) starts the relay AND moves the subtask onto it
 * (binlogType local); pausing the relay then holds replication back, which proves the sync
 * unit reads through the relay; `stop-relay` moves it back to the upstream. Data proven equal
 * with CHECKSUM TABLE at each step.
 */
describe('dm-worker switches a running subtask between upstream and relay on start/stop-relay', () => {
  let etcd: EtcdInstance;
  let client: Etcd3;
  let up: MariadbInstance;
  let down: MariadbInstance;
  let registrar: Awaited<ReturnType<typeof startRegistrar>>;
  let w: SpawnedWorker;
  let url = '';
  let taskFile = '';
  const workDir = tempDir('dm-worker-relay-switch-');
  let nextId = 1;

  /** (Re)start the worker on a fresh port, joining the registrar. */
  async function startWorker(): Promise<void> {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    w = spawnWorker(workerArgs('wsw', port, registrar.addr, '--keepalive-ttl', '3', '--work-dir', workDir));
  }

  before(async () => {
    [etcd, up, down] = await Promise.all([startEtcd(), startMariadb(), startMariadb({ noBinlog: true })]);
    client = etcd.client();
    registrar = await startRegistrar([etcd.clientUrl]);
    const ddl = 'CREATE DATABASE sw; CREATE TABLE sw.t (id INT PRIMARY KEY, v VARCHAR(40), n INT);';
    await up.query(ddl);
    await down.query(ddl);
    // The subtask starts two binlog files after the oldest: a relay started later must begin
    // at the subtask's file (DM: the subtasks' oldest checkpoint), not at the oldest binlog.
    await up.query('FLUSH BINARY LOGS');
    await up.query('FLUSH BINARY LOGS');
    const [m] = await up.query<{ File: string; Position: string }>('SHOW MASTER STATUS');
    assert.ok(m);
    taskFile = m.File;
    await putBoundSubtask(
      client,
      upstreamSource('sw1', up, 'enable-relay: false\n'),
      `name: swtask\ntask-mode: incremental\ntarget-database:\n  host: 127.0.0.1\n  port: ${down.port}\n  user: root\n  password: ""\n` +
        `mysql-instances:\n  - source-id: sw1\n    block-allow-list: bal\n    syncer-config-name: global\n    meta:\n      binlog-name: ${m.File}\n      binlog-pos: ${m.Position}\n` +
        'block-allow-list:\n  bal:\n    do-dbs: ["sw"]\nsyncers:\n  global:\n    checkpoint-flush-interval: 1\n',
      'wsw',
    );
    await startWorker();
  });
  after(async () => {
    if (w) await stopChild(w.child, 10_000);
    await registrar?.close();
    await Promise.all([etcd?.destroy(), up?.destroy(), down?.destroy()]);
  });

  const status = () => workerStatus(url);
  const sub = async () => (await status())?.subTaskStatus[0];
  function fail(err: Error): never {
    throw new Error(`${err.message}\n${w.output().slice(-4000)}`);
  }
  async function setRelay(stage: 'Running' | 'Paused' | 'Stopped'): Promise<void> {
    // What `start-relay` / `pause-relay` / `stop-relay` write (src/master/operate-ops.ts).
    await client.put(Keys.relayStage('sw1')).value(JSON.stringify({ stage }));
  }
  async function write(rows: number): Promise<void> {
    const c = await up.connect('sw');
    for (let i = 0; i < rows; i++, nextId++) {
      await c.query('INSERT INTO t VALUES (?, ?, ?)', [nextId, `v${nextId}`, nextId % 13]);
    }
    await c.query('UPDATE t SET n = n + 1 WHERE id % 5 = 0');
    await c.query('DELETE FROM t WHERE id % 17 = 0');
    await c.end();
  }
  const equalSoon = (what: string) => waitSchemaEqual(up, down, 'sw', sub, w, what, 4000);

  it('reads from the upstream while the relay is off', async () => {
    await until(async () => (await sub())?.unit === 'Sync', 60_000, 'sync unit running').catch(fail);
    await write(100);
    await equalSoon('replicated from the upstream');
    const st = await status();
    assert.equal(st?.sourceStatus.relayStatus, null);
    assert.equal(st?.subTaskStatus[0]?.sync?.binlogType, 'remote');
  });

  it('start-relay: the relay starts at the subtask file and the subtask reads the relay', async () => {
    await setRelay('Running');
    const st = await until(
      async () => {
        const s = await status();
        const r = s?.sourceStatus.relayStatus;
        return r?.stage === 'Running' && s?.subTaskStatus[0]?.sync?.binlogType === 'local' ? s : undefined;
      },
      30_000,
      'relay running and subtask on the relay',
    ).catch(fail);
    assert.equal(st.subTaskStatus[0]?.stage, 'Running');
    await write(100);
    await equalSoon('replicated through the relay');
    const relayDir = join(workDir, 'relay-dir');
    const subDirs = readdirSync(relayDir).filter((n) => /\.\d{6}$/.test(n));
    assert.equal(subDirs.length, 1);
    const files = readdirSync(join(relayDir, subDirs[0]!)).filter((n) => /\.\d+$/.test(n));
    assert.equal(files.sort()[0], taskFile, `relay starts at the subtask's file; has ${files}`);
  });

  it('pause-relay holds replication back (the subtask reads the relay, not the upstream)', async () => {
    await setRelay('Paused');
    await until(async () => (await status())?.sourceStatus.relayStatus?.stage === 'Paused', 15_000, 'paused');
    const before = await tableSums(down, 'sw');
    await write(20);
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(await tableSums(down, 'sw'), before, 'nothing arrives while the relay is paused');
    const s = await sub();
    assert.equal(s?.stage, 'Running');
    assert.equal(s?.sync?.binlogType, 'local');
    await setRelay('Running');
    await equalSoon('caught up after resume-relay');
  });

  it('stop-relay: the subtask goes back to the upstream; writes still arrive', async () => {
    await setRelay('Stopped');
    await until(
      async () => {
        const s = await status();
        return s?.sourceStatus.relayStatus === null && s.subTaskStatus[0]?.sync?.binlogType === 'remote';
      },
      30_000,
      'relay stopped and subtask on the upstream',
    ).catch(fail);
    await write(100);
    await equalSoon('replicated from the upstream again');
    assert.equal((await sub())?.stage, 'Running');
    assert.equal((await sub())?.sync?.binlogType, 'remote');
  });
  it('a worker bound with the relay Running and an empty relay dir starts it at the subtask checkpoint', async () => {
    await stopChild(w.child, 10_000);
    rmSync(join(workDir, 'relay-dir'), { recursive: true, force: true });
    await setRelay('Running');
    await write(30); // while no worker runs
    await startWorker();
    await until(
      async () => {
        const s = await status();
        return (
          s?.sourceStatus.relayStatus?.stage === 'Running' && s.subTaskStatus[0]?.sync?.binlogType === 'local'
        );
      },
      40_000,
      'restarted worker reads the relay',
    ).catch(fail);
    await equalSoon('caught up through the relay after the restart');
    const relayDir = join(workDir, 'relay-dir');
    const subDir = readdirSync(relayDir).find((n) => /\.\d{6}$/.test(n));
    assert.ok(subDir);
    const files = readdirSync(join(relayDir, subDir)).filter((n) => /\.\d+$/.test(n));
    assert.equal(
      files.sort()[0],
      taskFile,
      `relay starts at the checkpoint's file, not the oldest binlog; has ${files}`,
    );
  });
});
