import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDmError } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import { type EtcdOp, parseHintKey, ScheduleCore } from './scheduler-core.js';

function empty(): ScheduleCore {
  return ScheduleCore.fromSnapshot({ workers: [], alive: [], sources: [], bound: [], lastBound: [] }).core;
}
function puts(ops: EtcdOp[]): string[] {
  return ops.filter((o) => o.op === 'put').map((o) => o.key);
}
function dels(ops: EtcdOp[]): string[] {
  return ops.filter((o) => o.op === 'delete').map((o) => o.key);
}
function stages(c: ScheduleCore): string {
  return c
    .listWorkers()
    .map((w) => `${w.name}:${w.stage}${w.source ? `:${w.source}` : ''}`)
    .join(' ');
}

describe('ScheduleCore', () => {
  it('registered worker is offline until its keepalive appears, then free', () => {
    const c = empty();
    assert.deepEqual(puts(c.registerWorker('w1', 'h:1')), [Keys.workerInfo('w1')]);
    assert.equal(stages(c), 'w1:offline');
    c.workerOnline('w1');
    assert.equal(stages(c), 'w1:free');
  });

  it('binds a new source to a free worker; extra workers stay free', () => {
    const c = empty();
    for (const w of ['w1', 'w2']) {
      c.registerWorker(w, w);
      c.workerOnline(w);
    }
    const ops = c.addSource('s1');
    assert.deepEqual(puts(ops), [Keys.boundWorker('w1'), Keys.lastBoundWorker('s1')]);
    assert.equal(stages(c), 'w1:bound:s1 w2:free');
    assert.equal(c.workerOf('s1'), 'w1');
  });

  it('operate-source create -w binds to the named worker, or refuses without adding', () => {
    const c = empty();
    for (const w of ['w1', 'w2']) {
      c.registerWorker(w, w);
      c.workerOnline(w);
    }
    assert.deepEqual(puts(c.addSource('s1', 'w2')), [Keys.boundWorker('w2'), Keys.lastBoundWorker('s1')]);
    assert.equal(stages(c), 'w1:free w2:bound:s1');
    assert.throws(() => c.addSource('s2', 'w2'), /not free/);
    assert.throws(() => c.addSource('s2', 'w9'), /not exists/);
    assert.equal(c.workerOf('s2'), '');
    assert.deepEqual(puts(c.addSource('s2')), [Keys.boundWorker('w1'), Keys.lastBoundWorker('s2')]);
  });

  it('a source without a free worker waits until one comes online', () => {
    const c = empty();
    assert.deepEqual(c.addSource('s1'), []);
    assert.equal(c.workerOf('s1'), '');
    c.registerWorker('w1', 'a');
    const ops = c.workerOnline('w1');
    assert.ok(puts(ops).includes(Keys.boundWorker('w1')));
    assert.equal(c.workerOf('s1'), 'w1');
  });

  it('keepalive loss rebinds the source to another free worker', () => {
    const c = empty();
    for (const w of ['w1', 'w2']) {
      c.registerWorker(w, w);
      c.workerOnline(w);
    }
    c.addSource('s1');
    const ops = c.workerOffline('w1');
    assert.deepEqual(dels(ops), [Keys.boundWorker('w1')]);
    assert.ok(puts(ops).includes(Keys.boundWorker('w2')));
    assert.equal(stages(c), 'w1:offline w2:bound:s1');
    // w1 back: free, not bound (s1 stays on w2)
    c.workerOnline('w1');
    assert.equal(stages(c), 'w1:free w2:bound:s1');
  });

  it('prefers the previously bound worker when rebinding', () => {
    const c = empty();
    for (const w of ['w1', 'w2']) {
      c.registerWorker(w, w);
      c.workerOnline(w);
    }
    c.addSource('s2');
    c.addSource('s1');
    assert.equal(stages(c), 'w1:bound:s2 w2:bound:s1');
    c.workerOffline('w2');
    c.workerOffline('w1');
    assert.equal(c.workerOf('s1'), '');
    c.workerOnline('w2');
    assert.equal(c.workerOf('s1'), 'w2');
  });

  it('removeSource frees the worker, which takes a waiting source', () => {
    const c = empty();
    c.registerWorker('w1', 'a');
    c.workerOnline('w1');
    c.addSource('s1');
    c.addSource('s2');
    assert.equal(c.workerOf('s2'), '');
    c.removeSource('s1');
    assert.equal(stages(c), 'w1:bound:s2');
    assert.equal(c.hasSource('s1'), false);
  });

  it('transferSource moves a source to a free worker only', () => {
    const c = empty();
    for (const w of ['w1', 'w2', 'w3']) {
      c.registerWorker(w, w);
      c.workerOnline(w);
    }
    c.addSource('s1');
    c.addSource('s2');
    assert.throws(
      () => c.transferSource('s1', 'w2'),
      (e) => isDmError(e),
    );
    c.transferSource('s1', 'w3');
    assert.equal(stages(c), 'w1:free w2:bound:s2 w3:bound:s1');
  });

  it('rebuilds from a snapshot and repairs stale bindings', () => {
    const { core, ops } = ScheduleCore.fromSnapshot({
      workers: [
        { name: 'w1', addr: 'a' },
        { name: 'w2', addr: 'b' },
      ],
      alive: ['w2'],
      sources: ['s1'],
      bound: [{ source: 's1', worker: 'w1' }],
      lastBound: [{ source: 's1', worker: 'w1' }],
    });
    assert.deepEqual(dels(ops), [Keys.boundWorker('w1')]);
    assert.equal(stages(core), 'w1:offline w2:bound:s1');
  });

  it('offline-member refuses a live worker', () => {
    const c = empty();
    c.registerWorker('w1', 'a');
    c.workerOnline('w1');
    assert.throws(
      () => c.removeWorker('w1'),
      (e) => isDmError(e),
    );
    c.workerOffline('w1');
    assert.deepEqual(dels(c.removeWorker('w1')), [Keys.workerInfo('w1')]);
    assert.equal(c.listWorkers().length, 0);
  });

  it("prefers DM's order: unfinished load, then relay holder, then the previous worker", () => {
    const c = empty();
    for (const w of ['w1', 'w2', 'w3', 'w4']) {
      c.registerWorker(w, w);
      c.workerOnline(w);
    }
    c.setHint({ kind: 'relay', source: 's1', worker: 'w3' }, true);
    c.setHint({ kind: 'load', source: 's1', worker: 'w4' }, true);
    c.addSource('s1');
    assert.equal(c.workerOf('s1'), 'w4');
    // The load finished elsewhere: the hint goes; the next re-bind picks the relay holder.
    c.setHint({ kind: 'load', source: 's1', worker: 'w4' }, false);
    c.workerOffline('w4');
    assert.equal(c.workerOf('s1'), 'w3');
    c.workerOffline('w3');
    // No hint left: the previously bound worker (w3) is offline, so any free one by name.
    assert.equal(c.workerOf('s1'), 'w1');
  });

  it('a load hint counts per task: it stays while another task still has one', () => {
    const c = empty();
    for (const w of ['w1', 'w2']) {
      c.registerWorker(w, w);
      c.workerOnline(w);
    }
    c.setHint({ kind: 'load', source: 's1', worker: 'w2' }, true);
    c.setHint({ kind: 'load', source: 's1', worker: 'w2' }, true);
    c.setHint({ kind: 'load', source: 's1', worker: 'w2' }, false);
    c.addSource('s1');
    assert.equal(c.workerOf('s1'), 'w2');
  });

  it('a worker coming online takes the waiting source it holds a load of', () => {
    const c = empty();
    c.addSource('s1');
    c.addSource('s2');
    c.setHint({ kind: 'load', source: 's2', worker: 'w1' }, true);
    c.registerWorker('w1', 'a');
    c.workerOnline('w1');
    assert.equal(c.workerOf('s2'), 'w1');
    assert.equal(c.workerOf('s1'), '');
  });

  it('parses hint keys', () => {
    assert.deepEqual(parseHintKey(Keys.loadHint('s1', 'w1', 't1')), {
      kind: 'load',
      source: 's1',
      worker: 'w1',
      task: 't1',
    });
    assert.deepEqual(parseHintKey(Keys.relayHint('s1', 'w1')), { kind: 'relay', source: 's1', worker: 'w1' });
    assert.equal(parseHintKey(`${Keys.hintRoot}other/x`), undefined);
  });
});
