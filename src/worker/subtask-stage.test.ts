import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { E, isDmError } from '../pkg/errors/index.js';
import { STAGES } from '../unit/unit.js';
import {
  EXPECTED_STAGES,
  reconcileAction,
  STAGE_EVENTS,
  transition,
  tryTransition,
} from './subtask-stage.js';

describe('subtask stage machine', () => {
  it('follows the DM life cycle', () => {
    let s = transition('New', 'start');
    assert.equal(s, 'Running');
    s = transition(s, 'fail');
    assert.equal(s, 'Paused');
    s = transition(s, 'autoResume');
    assert.equal(s, 'Running');
    s = transition(s, 'pause');
    assert.equal(s, 'Paused');
    s = transition(s, 'resume');
    assert.equal(s, 'Running');
    s = transition(s, 'finish');
    assert.equal(s, 'Finished');
    s = transition(s, 'stop');
    assert.equal(s, 'Stopped');
  });

  it('rejects invalid transitions with a coded error', () => {
    assert.throws(
      () => transition('Finished', 'resume'),
      (e: unknown) => isDmError(e, E.invalidStageTransition),
    );
    assert.equal(tryTransition('Stopped', 'start'), undefined);
    assert.equal(tryTransition('Paused', 'finish'), undefined);
    assert.equal(tryTransition('Paused', 'fail'), undefined);
    assert.equal(tryTransition('New', 'finish'), undefined);
  });

  it('stop is allowed from every stage and Stopped is terminal', () => {
    for (const s of STAGES) assert.equal(tryTransition(s, 'stop'), 'Stopped');
    for (const ev of STAGE_EVENTS) {
      if (ev !== 'stop') assert.equal(tryTransition('Stopped', ev), undefined, ev);
    }
  });

  it('only Running can finish or fail', () => {
    for (const s of STAGES) {
      assert.equal(tryTransition(s, 'finish') !== undefined, s === 'Running', s);
      assert.equal(tryTransition(s, 'fail') !== undefined, s === 'Running', s);
    }
  });
});

describe('reconcileAction', () => {
  it('creates subtasks the worker does not run', () => {
    assert.equal(reconcileAction(undefined, 'Running', false), 'create-run');
    assert.equal(reconcileAction(undefined, 'Paused', false), 'create-paused');
    assert.equal(reconcileAction(undefined, 'Stopped', true), 'none');
    assert.equal(reconcileAction('Stopped', 'Running', true), 'create-run');
  });

  it('pauses, resumes and stops', () => {
    assert.equal(reconcileAction('Running', 'Paused', true), 'pause');
    assert.equal(reconcileAction('Paused', 'Running', true), 'resume');
    assert.equal(reconcileAction('Running', 'Stopped', true), 'stop');
    assert.equal(reconcileAction('Finished', 'Stopped', true), 'stop');
    assert.equal(reconcileAction('Paused', 'Stopped', false), 'stop');
  });

  it('does not override an error pause unless the master re-issued Running', () => {
    assert.equal(reconcileAction('Paused', 'Running', false), 'none');
  });

  it('leaves Finished and Running subtasks alone when asked to run', () => {
    assert.equal(reconcileAction('Finished', 'Running', true), 'none');
    assert.equal(reconcileAction('Running', 'Running', true), 'none');
  });

  it('every (actual, expected) pair has an action', () => {
    for (const a of [undefined, ...STAGES]) {
      for (const e of EXPECTED_STAGES) {
        assert.equal(typeof reconcileAction(a, e, true), 'string');
      }
    }
  });
});
