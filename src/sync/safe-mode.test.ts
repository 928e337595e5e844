import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SafeMode } from './safe-mode.js';

const at = (pos: number, file = 'mysql-bin.000002') => ({ file, pos });

describe('SafeMode: what a replay after a crash writes idempotently', () => {
  it('after a crash: safe up to the persisted exit-safe point, not past it', () => {
    const s = new SafeMode(false);
    s.arm(at(500), false);
    s.beginRun(1000, 60_000);
    assert.equal(s.safeFor(at(400), 1000), true);
    assert.equal(s.safeFor(at(500), 1000), true, 'the exit-safe point itself may be applied');
    assert.equal(s.safeFor(at(501), 1000), false);
    assert.equal(s.isReplay(at(500)), true);
    assert.equal(s.isReplay(at(501)), false);
    // File order is by index, not text: a later file is past the point.
    assert.equal(s.safeFor(at(4, 'mysql-bin.000010'), 1000), false);
    assert.equal(s.safeFor(at(900, 'mysql-bin.000001'), 1000), true);
  });

  it('after a clean stop (no exit-safe point): no safe mode and no replay', () => {
    const s = new SafeMode(false);
    s.arm(undefined, false);
    s.beginRun(1000, 60_000);
    assert.equal(s.safeFor(at(4), 1000), false);
    assert.equal(s.isReplay(at(4)), false);
  });

  it('first start / start-time: the start-up window runs once, from the first run', () => {
    const s = new SafeMode(false);
    s.arm(undefined, true);
    s.beginRun(1000, 500);
    assert.equal(s.safeFor(at(9999), 1499), true);
    assert.equal(s.safeFor(at(9999), 1500), false, 'window over');
    assert.equal(s.isReplay(at(9999)), false, 'a window is not a replay (DDL errors not tolerated)');
    s.beginRun(2000, 500);
    assert.equal(s.safeFor(at(9999), 2001), false, 'a resume does not arm the window again');
  });

  it('a resume after pause/error replays what the last run saw, never less', () => {
    const s = new SafeMode(false);
    s.arm(at(500), false);
    s.resumeAfter(at(300));
    assert.deepEqual(s.replayEnd, at(500), 'an earlier seen point does not shrink the replay');
    s.resumeAfter(at(800));
    assert.deepEqual(s.replayEnd, at(800));
    s.beginRun(0, 0);
    assert.equal(s.safeFor(at(800), 0), true);
    assert.equal(s.safeFor(at(801), 0), false);
  });

  it('task safe-mode: true writes everything in safe mode', () => {
    const s = new SafeMode(true);
    s.arm(undefined, false);
    s.beginRun(0, 0);
    assert.equal(s.safeFor(at(123456), 10), true);
    assert.equal(s.isReplay(at(123456)), false);
  });
});
