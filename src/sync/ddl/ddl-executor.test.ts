import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { E, isDmError } from '../../pkg/errors/index.js';
import { silentLogger } from '../../pkg/log/logger.js';
import { SchemaTracker } from '../../pkg/schema/schema-tracker.js';
import { EventFilters } from '../event-filters.js';
import type { Location } from '../job.js';
import { SafeMode } from '../safe-mode.js';
import { loc, plainCfg } from '../test-plain.js';
import { DdlExecutor, type DdlHost } from './ddl-executor.js';

/**
 * A host that logs the order of the crash-relevant steps. `downstreamErrno` makes the DDL
 * fail as the downstream would when it already ran before a crash (1050 table exists).
 */
function setup(safe: SafeMode, downstreamErrno?: number) {
  const log: string[] = [];
  const tracker = new SchemaTracker(false);
  const host: DdlHost = {
    drain: async () => void log.push('drain'),
    ensureHorizon: async (end: Location) => void log.push(`horizon ${end.pos}`),
    ctlQuery: async (sql: string) => {
      log.push(`exec ${sql}`);
      if (downstreamErrno !== undefined)
        throw Object.assign(new Error('already'), { errno: downstreamErrno });
    },
    ddlQuery: async (sql: string) => {
      log.push(`exec ${sql}`);
      if (downstreamErrno !== undefined)
        throw Object.assign(new Error('already'), { errno: downstreamErrno });
    },
    control: () => {
      throw new Error('not used');
    },
    isReplay: (end) => safe.isReplay(end),
    done: async (end: Location) => void log.push(`checkpoint ${end.pos}`),
  };
  const ddl = new DdlExecutor({ filters: new EventFilters(plainCfg()), tracker, host, logger: silentLogger });
  return { ddl, log, tracker };
}

const CREATE = 'CREATE TABLE t1 (id INT PRIMARY KEY)';

describe('DdlExecutor: order of drain, horizon, execute, checkpoint', () => {
  it('drains earlier changes, persists the horizon, executes, then checkpoints past the DDL', async () => {
    const safe = new SafeMode(false);
    const { ddl, log, tracker } = setup(safe);
    await ddl.handleQuery('db', CREATE, loc(100), loc(200));
    assert.deepEqual(log, [
      'drain',
      'horizon 200',
      'exec CREATE TABLE `db`.`t1` (id INT PRIMARY KEY)',
      'checkpoint 200',
    ]);
    assert.ok(tracker.get('db', 't1'), 'the tracker follows the DDL');
  });

  it('replay after a crash between execute and checkpoint: "already exists" is tolerated', async () => {
    const safe = new SafeMode(false);
    safe.arm(loc(200), false); // the exit-safe point persisted before the DDL ran
    const { ddl, log } = setup(safe, 1050);
    await ddl.handleQuery('db', CREATE, loc(100), loc(200));
    assert.equal(log.at(-1), 'checkpoint 200', 'the checkpoint moves past the replayed DDL');
  });

  it('the same error outside a replay stops the unit with the statement and position', async () => {
    const safe = new SafeMode(false);
    safe.arm(loc(150), false); // the DDL ends after the exit-safe point: it never ran
    const { ddl, log } = setup(safe, 1050);
    await assert.rejects(ddl.handleQuery('db', CREATE, loc(100), loc(200)), (e) => {
      assert.ok(isDmError(e, E.dbExecDownstream));
      assert.equal(e.context.binlogPosition, '(bin.000001, 100)');
      return true;
    });
    assert.ok(!log.includes('checkpoint 200'), 'no checkpoint past a DDL that failed');
  });

  it('dmctl binlog skip: nothing executed, the tracker follows, the checkpoint moves past', async () => {
    const safe = new SafeMode(false);
    const { ddl, log, tracker } = setup(safe);
    await ddl.handleQuery('db', CREATE, loc(100), loc(200), { skip: true });
    assert.deepEqual(log, ['drain', 'checkpoint 200']);
    assert.ok(tracker.get('db', 't1'));
  });

  it('a statement that is not replicable stops before anything runs', async () => {
    const safe = new SafeMode(false);
    const { ddl, log } = setup(safe);
    await assert.rejects(ddl.handleQuery('db', 'LOCK TABLES t1 WRITE', loc(100), loc(200)));
    assert.deepEqual(log, []);
  });
});
