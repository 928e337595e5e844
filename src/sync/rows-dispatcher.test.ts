import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { E, isDmError } from '../pkg/errors/index.js';
import { AppliedPosition } from './applied-position.js';
import { tableKey } from './checkpoint.js';
import { EventFilters } from './event-filters.js';
import type { DmlJob, Location } from './job.js';
import { RowsDispatcher } from './rows-dispatcher.js';
import { SafeMode } from './safe-mode.js';
import { insertRows, loc, plainCfg, trackerWithTables } from './test-plain.js';

/** A dispatcher over a pool that only records jobs; `tableCps` as loaded at start. */
function setup(tableCps: Map<string, Location>, safe: SafeMode) {
  const jobs: DmlJob[] = [];
  const pool = { dispatch: (j: DmlJob) => void jobs.push(j) };
  const tracker = trackerWithTables();
  const applied = new AppliedPosition();
  const d = new RowsDispatcher({
    tracker,
    filters: new EventFilters(plainCfg()),
    pool,
    applied,
    tableCheckpoint: (key) => tableCps.get(key),
    safeFor: (end) => safe.safeFor(end, 0),
    loadStructure: async () => undefined,
  });
  const feed = async (pe: ReturnType<typeof insertRows>) => {
    const w = d.handle(pe.event, pe, loc(pe.nextPos));
    if (w) await w;
  };
  return { jobs, feed, applied };
}

describe('RowsDispatcher: what a replay after a crash re-applies', () => {
  it('keyless table: events up to its table checkpoint are skipped, later ones applied exactly once', async () => {
    const safe = new SafeMode(false);
    safe.arm(loc(400), false); // crash: the exit-safe point was 400
    safe.beginRun(0, 0);
    const { jobs, feed } = setup(new Map([[tableKey({ schema: 'db', table: 'nk' }), loc(300)]]), safe);
    await feed(insertRows('nk', [[1, 1]], 200, 300)); // committed with its checkpoint before the crash
    await feed(insertRows('nk', [[2, 2]], 300, 400)); // not committed
    await feed(insertRows('nk', [[3, 3]], 400, 500));
    assert.deepEqual(
      jobs.map((j) => [j.change.after?.[0], j.eventEnd.pos, j.noKey]),
      [
        [2, 400, true],
        [3, 500, true],
      ],
    );
  });

  it('keyed table: every event is replayed, in safe mode up to the exit-safe point only', async () => {
    const safe = new SafeMode(false);
    safe.arm(loc(300), false);
    safe.beginRun(0, 0);
    const { jobs, feed } = setup(new Map(), safe);
    await feed(insertRows('k', [[1, 1]], 100, 200));
    await feed(insertRows('k', [[2, 2]], 200, 300));
    await feed(insertRows('k', [[3, 3]], 300, 400));
    assert.deepEqual(
      jobs.map((j) => [j.change.after?.[0], j.safe, j.noKey]),
      [
        [1, true, false],
        [2, true, false],
        [3, false, false],
      ],
    );
  });

  it('numbers jobs in dispatch order, rows of one event share its position', async () => {
    const safe = new SafeMode(false);
    safe.arm(undefined, false);
    const { jobs, feed } = setup(new Map(), safe);
    await feed(
      insertRows(
        'k',
        [
          [1, 1],
          [2, 2],
        ],
        100,
        200,
      ),
    );
    await feed(insertRows('k', [[3, 3]], 200, 300));
    assert.deepEqual(
      jobs.map((j) => [j.seq, j.eventPos.pos, j.eventEnd.pos]),
      [
        [1, 100, 200],
        [2, 100, 200],
        [3, 200, 300],
      ],
    );
  });

  it('a table unknown to the tracker and the upstream stops the unit with its position', async () => {
    const safe = new SafeMode(false);
    const { feed } = setup(new Map(), safe);
    await assert.rejects(feed(insertRows('gone', [[1, 1]], 100, 200)), (e) => {
      assert.ok(isDmError(e, E.syncSchemaUnknown));
      assert.equal(e.context.binlogPosition, '(bin.000001, 100)');
      return true;
    });
  });
});
