import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_FACTS, resumeFrom, unitsForMode } from './resume-point.js';

describe('unitsForMode', () => {
  it('matches DM', () => {
    assert.deepEqual(unitsForMode('all'), ['Dump', 'Load', 'Sync']);
    assert.deepEqual(unitsForMode('full'), ['Dump', 'Load']);
    assert.deepEqual(unitsForMode('incremental'), ['Sync']);
    assert.deepEqual(unitsForMode('dump'), ['Dump']);
    assert.deepEqual(unitsForMode('load'), ['Load']);
  });
});

describe('resumeFrom', () => {
  it('starts from the first unit when nothing ran', () => {
    for (const m of ['all', 'full', 'incremental', 'dump', 'load'] as const) {
      assert.equal(resumeFrom(m, NO_FACTS), 0, m);
    }
  });

  it('goes straight to Sync when the syncer checkpoint exists', () => {
    const f = { ...NO_FACTS, syncStarted: true, load: 'in-progress' as const };
    assert.equal(resumeFrom('all', f), 2);
    assert.equal(resumeFrom('incremental', f), 0);
  });

  it('skips a finished load', () => {
    const f = { ...NO_FACTS, load: 'finished' as const };
    assert.equal(resumeFrom('all', f), 2, 'all: to Sync');
    assert.equal(resumeFrom('full', f), 2, 'full: nothing left');
    assert.equal(resumeFrom('load', f), 1, 'load: nothing left');
  });

  it('resumes an unfinished load only when the dump files are still here', () => {
    const inProgress = { ...NO_FACTS, load: 'in-progress' as const };
    assert.equal(resumeFrom('all', { ...inProgress, dumpFilesPresent: true }), 1);
    assert.equal(resumeFrom('full', { ...inProgress, dumpFilesPresent: true }), 1);
    assert.equal(resumeFrom('all', inProgress), 0, 'dump redone');
    assert.equal(resumeFrom('load', inProgress), 0, 'load mode: Load itself');
  });

  it('never skips a dump-only task', () => {
    assert.equal(resumeFrom('dump', { load: 'finished', syncStarted: true, dumpFilesPresent: true }), 0);
  });
});
