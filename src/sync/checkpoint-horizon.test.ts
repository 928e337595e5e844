import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckpointStore } from './checkpoint.js';
import { CheckpointHorizon, HORIZON_AHEAD } from './checkpoint-horizon.js';
import type { Location } from './job.js';

const at = (pos: number): Location => ({ file: 'mysql-bin.000001', pos });

/** A horizon over settable positions, recording the statements instead of running them. */
function setup(holdBack?: () => boolean) {
  const pos = { seen: at(4), applied: at(4) as Location | undefined, read: at(4) };
  const writes: { sql: string; params: unknown[] }[] = [];
  let release: (() => void) | undefined;
  let hold = false;
  const query = async (sql: string, params?: unknown[]): Promise<unknown> => {
    writes.push({ sql, params: params ?? [] });
    if (hold) await new Promise<void>((r) => (release = r));
    return undefined;
  };
  const h = new CheckpointHorizon(
    new CheckpointStore('dm_meta', 'task', 'src'),
    query,
    {
      seen: () => pos.seen,
      applied: () => pos.applied,
      read: () => pos.read,
      tables: () => [],
    },
    undefined,
    holdBack,
  );
  return { h, pos, writes, holdWrites: (on: boolean) => (hold = on), release: () => release?.() };
}

const exitSafeOf = (w: { params: unknown[] }, global: boolean) =>
  global ? [w.params[4], w.params[5]] : [w.params[1], w.params[2]];

describe('CheckpointHorizon', () => {
  it('persists the exit-safe point ahead of the seen position before a commit past it, once', async () => {
    const t = setup();
    t.pos.seen = at(500);
    await t.h.ensure(at(300));
    assert.equal(t.writes.length, 1);
    assert.deepEqual(exitSafeOf(t.writes[0]!, false), ['mysql-bin.000001', 500 + HORIZON_AHEAD]);
    await t.h.ensure(at(500)); // covered: no new write
    // Commits further on in the file are covered by the same write…
    t.pos.seen = at(400 + HORIZON_AHEAD);
    await t.h.ensure(at(400 + HORIZON_AHEAD));
    assert.equal(t.writes.length, 1);
    // …until one passes it; a commit in the next file always needs a new write.
    t.pos.seen = at(600 + HORIZON_AHEAD);
    await t.h.ensure(at(600 + HORIZON_AHEAD));
    assert.equal(t.writes.length, 2);
    t.pos.seen = { file: 'mysql-bin.000002', pos: 4 };
    await t.h.ensure({ file: 'mysql-bin.000002', pos: 4 });
    assert.equal(t.writes.length, 3);
    assert.deepEqual(exitSafeOf(t.writes[2]!, false), ['mysql-bin.000002', 4 + HORIZON_AHEAD]);
  });

  it('lets concurrent commits share one horizon write', async () => {
    const t = setup();
    t.pos.seen = at(900);
    t.holdWrites(true);
    const waits = [t.h.ensure(at(100)), t.h.ensure(at(800)), t.h.ensure(at(900))];
    await new Promise((r) => setImmediate(r));
    assert.equal(t.writes.length, 1);
    t.holdWrites(false);
    t.release();
    await Promise.all(waits);
    assert.equal(t.writes.length, 1);
  });

  it('saves the applied position with the later of persisted/seen as exit-safe point', async () => {
    const t = setup();
    t.pos.seen = at(700);
    await t.h.ensure(at(700));
    t.pos.seen = at(650); // cannot go back, but the persisted point must not be lowered
    t.pos.applied = at(600);
    await t.h.flush(false);
    const g = t.writes[1]!;
    assert.deepEqual([g.params[1], g.params[2]], ['mysql-bin.000001', 600]);
    assert.deepEqual(exitSafeOf(g, true), ['mysql-bin.000001', 700 + HORIZON_AHEAD]);
  });

  it('clears the exit-safe point only on a clean final flush with everything applied', async () => {
    const t = setup();
    t.pos.seen = at(700);
    t.pos.read = at(700);
    t.pos.applied = at(600);
    await t.h.flush(true); // not everything applied: keep it
    assert.deepEqual(exitSafeOf(t.writes[0]!, true), ['mysql-bin.000001', 700]);
    t.pos.applied = at(700);
    await t.h.flush(true);
    assert.deepEqual(exitSafeOf(t.writes[1]!, true), ['', 0]);
    // Cleared: the next commit must persist a horizon again.
    await t.h.ensure(at(700));
    assert.equal(t.writes.length, 3);
  });

  it('writes nothing before the applied position is known', async () => {
    const t = setup();
    t.pos.applied = undefined;
    await t.h.flush(true);
    assert.equal(t.writes.length, 0);
  });

  it('skips a periodic flush while held back, never a final or a requested one', async () => {
    let held = true;
    const t = setup(() => held);
    t.pos.applied = at(600);
    await t.h.flush(false, true); // periodic, held: the previous checkpoint stays
    assert.equal(t.writes.length, 0);
    await t.h.flush(false); // asked for (DDL, binlog-schema --flush): written
    await t.h.flush(true, true); // the final one: written
    assert.equal(t.writes.length, 2);
    held = false;
    await t.h.flush(false, true);
    assert.equal(t.writes.length, 3);
  });
});
