import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stopChild, tempDir } from '../../harness/index.js';
import type { MasterSpec, Proc } from './cluster-process.js';
import { dmctl, exited, spawnWorker, startSoloMaster, until } from './cluster-process.js';

/**
 * Source scheduling with a real dm-master and real dm-workers: binding to a free worker,
 * transfer-source, rebinding after a worker is killed (lease expiry), operate-source stop,
 * offline-member, and the task commands' JSON (the upstream is deliberately unreachable:
 * this test is about the control plane, the end-to-end data test lives in test/integration/e2e).
 */
describe('scheduling with real workers', () => {
  let spec: MasterSpec;
  const procs: Proc[] = [];
  const dir = tempDir('dm-sched-');
  const sourceFile = join(dir, 'source.yaml');
  const taskFile = join(dir, 'task.yaml');

  type W = { name: string; addr: string; stage: string; source: string };
  /** Workers as the master reports them (its ctl API directly: polling through dmctl is slow). */
  async function workers(): Promise<W[]> {
    try {
      const res = await fetch(`http://${spec.addr}/api/ctl/list-member`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ worker: true }),
      });
      const body = (await res.json()) as { members: { worker: { workers: W[] } }[] };
      return body.members[0]?.worker.workers ?? [];
    } catch (err) {
      return [{ name: `(error ${String(err)})`, addr: '', stage: '', source: '' }];
    }
  }
  const stages = async (): Promise<string> =>
    (await workers()).map((w) => `${w.name}:${w.stage}${w.source ? `:${w.source}` : ''}`).join(' ');

  before(async () => {
    const m = await startSoloMaster();
    spec = m.spec;
    procs.push(m.proc);
    writeFileSync(
      sourceFile,
      'source-id: "mysql-replica-01"\nfrom:\n  host: "127.0.0.1"\n  port: 1\n  user: "root"\n  password: "secret"\n',
    );
    writeFileSync(
      taskFile,
      [
        'name: "t1"',
        'task-mode: all',
        'ignore-checking-items: ["all"]',
        'target-database:',
        '  host: "127.0.0.1"',
        '  port: 1',
        '  user: "root"',
        '  password: ""',
        'mysql-instances:',
        '  - source-id: "mysql-replica-01"',
        '    block-allow-list: "bal"',
        'block-allow-list:',
        '  bal:',
        '    do-dbs: ["db1"]',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    for (const p of procs) await stopChild(p.child, 5_000);
  });

  it('binds, transfers, rebinds after kill -9, stops sources and offlines workers', async () => {
    const w1 = await spawnWorker('w1', spec.addr);
    const w2 = await spawnWorker('w2', spec.addr);
    procs.push(w1, w2);
    await until(async () => (await stages()) === 'w1:free w2:free', 60_000, 'two free workers');

    const created = await dmctl(spec.addr, ['operate-source', 'create', sourceFile]);
    assert.equal(created.code, 0, created.stdout);
    assert.deepEqual(created.json, {
      result: true,
      msg: '',
      sources: [{ result: true, msg: '', source: 'mysql-replica-01', worker: 'w1' }],
    });
    assert.equal(await stages(), 'w1:bound:mysql-replica-01 w2:free');

    const dup = await dmctl(spec.addr, ['operate-source', 'create', sourceFile]);
    assert.equal(dup.code, 1);
    assert.match(String(dup.json.msg), /already exists/);

    const tr = await dmctl(spec.addr, ['transfer-source', 'mysql-replica-01', 'w2']);
    assert.deepEqual(tr.json, { result: true, msg: '' });
    assert.equal(await stages(), 'w1:free w2:bound:mysql-replica-01');

    // Task commands over the bound source (the upstream is unreachable; only the control plane matters).
    const st = await dmctl(spec.addr, ['start-task', taskFile]);
    assert.equal(st.code, 0, st.stdout);
    assert.deepEqual(st.json, {
      result: true,
      msg: '',
      sources: [{ result: true, msg: '', source: 'mysql-replica-01', worker: 'w2' }],
      checkResult: '',
    });
    const again = await dmctl(spec.addr, ['start-task', taskFile]);
    assert.equal(again.code, 1);
    const q = await dmctl(spec.addr, ['query-status', 't1']);
    assert.equal(q.json.result, true, q.stdout);
    const src = (q.json.sources as { sourceStatus: { source: string; worker: string } }[])[0];
    assert.deepEqual([src?.sourceStatus.source, src?.sourceStatus.worker], ['mysql-replica-01', 'w2']);
    const all = await dmctl(spec.addr, ['query-status']);
    assert.deepEqual(
      (all.json.tasks as { taskName: string; sources: string[] }[]).map((t) => [t.taskName, t.sources]),
      [['t1', ['mysql-replica-01']]],
    );
    const paused = await dmctl(spec.addr, ['pause-task', 't1']);
    assert.equal(paused.json.op, 'Pause');
    assert.equal(paused.code, 0, paused.stdout);
    const busy = await dmctl(spec.addr, ['operate-source', 'stop', 'mysql-replica-01']);
    assert.equal(busy.code, 1, 'a source used by a task cannot be stopped');
    const stopped = await dmctl(spec.addr, ['stop-task', taskFile]);
    assert.equal(stopped.code, 0, stopped.stdout);
    const gone = await dmctl(spec.addr, ['query-status', 't1']);
    assert.equal(gone.code, 1);

    // Kill the bound worker: its lease expires and the source moves to the free worker.
    const t0 = Date.now();
    w2.child.kill('SIGKILL');
    await exited(w2.child);
    await until(
      async () => (await stages()) === 'w1:bound:mysql-replica-01 w2:offline',
      30_000,
      'source rebound to w1',
    );
    process.stderr.write(`# source rebound ${Date.now() - t0} ms after kill -9 of its worker (TTL 2 s)\n`);

    const stop = await dmctl(spec.addr, ['operate-source', 'stop', sourceFile]);
    assert.equal(stop.code, 0, stop.stdout);
    assert.equal(await stages(), 'w1:free w2:offline');
    const show = await dmctl(spec.addr, ['operate-source', 'show']);
    assert.deepEqual(show.json, { result: true, msg: '', sources: [] });

    const live = await dmctl(spec.addr, ['offline-member', '--worker', '--name', 'w1']);
    assert.equal(live.code, 1, 'a live worker cannot be offlined');
    const off = await dmctl(spec.addr, ['offline-member', '--worker', '--name', 'w2']);
    assert.equal(off.code, 0, off.stdout);
    assert.equal(await stages(), 'w1:free');
  });
});
