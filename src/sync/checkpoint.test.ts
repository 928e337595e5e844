import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckpointStore, checkpointTableName, tableKey } from './checkpoint.js';
import { loc } from './test-plain.js';

/** A connection whose SELECTs return `rows`, recording every statement. */
function db(rows: Record<string, unknown>[]) {
  const sent: { sql: string; params: unknown[] }[] = [];
  return {
    sent,
    query: async (sql: string, params: unknown[] = []) => {
      sent.push({ sql, params });
      return [rows];
    },
  };
}

const store = new CheckpointStore('dm_meta', 'task1', 'src-1');

describe('CheckpointStore: what the global and table checkpoints hold', () => {
  it('a crash leaves the exit-safe point: loaded with the position, the tracked tables and the start-time', async () => {
    const c = db([
      {
        binlog_name: 'bin.000002',
        binlog_pos: '120',
        binlog_gtid: '0-1-5',
        exit_safe_binlog_name: 'bin.000002',
        exit_safe_binlog_pos: 4200,
        exit_safe_binlog_gtid: '',
        table_info: '[{"schema":"db","table":"t","columns":[]}]',
        start_time: '2026-01-01 00:00:00',
      },
    ]);
    const cp = await store.loadGlobal(c);
    assert.deepEqual(cp, {
      location: { file: 'bin.000002', pos: 120, gtid: '0-1-5' },
      exitSafe: { file: 'bin.000002', pos: 4200 },
      tables: [{ schema: 'db', table: 't', columns: [] }],
      startTime: '2026-01-01 00:00:00',
    });
    assert.deepEqual(c.sent[0]?.params, ['src-1'], 'only this source’s row');
  });

  it('a clean stop clears the exit-safe point: loaded without one (no safe mode on restart)', async () => {
    const saved = store.saveGlobalSql({ location: loc(300), tables: [] });
    assert.deepEqual(saved.params.slice(0, 7), ['src-1', 'bin.000001', 300, '', '', 0, '']);
    const c = db([{ binlog_name: 'bin.000001', binlog_pos: 300, exit_safe_binlog_name: '', table_info: [] }]);
    const cp = await store.loadGlobal(c);
    assert.equal(cp?.exitSafe, undefined);
    assert.deepEqual(cp?.location, loc(300));
  });

  it('no global row, or only an exit-safe point written before the first flush', async () => {
    assert.equal(await store.loadGlobal(db([])), undefined);
    const early = db([{ binlog_name: null, f: 'bin.000001', p: '900', g: null }]);
    assert.equal(await store.loadGlobal(early), undefined, 'no position yet: not a checkpoint');
    assert.deepEqual(await store.loadExitSafeOnly(early), loc(900), 'but a replay bound');
  });

  it('moving the exit-safe point never touches the saved position', () => {
    const s = store.saveExitSafeSql({ ...loc(800), gtid: '0-1-9' });
    assert.doesNotMatch(s.sql, /binlog_name = VALUES\(binlog_name\)/);
    assert.deepEqual(s.params, ['src-1', 'bin.000001', 800, '0-1-9']);
  });

  it('start-time is written only with the start it located, kept by ordinary flushes', () => {
    const withTime = store.saveGlobalSql({ location: loc(4), tables: [], startTime: '2026-01-01 00:00:00' });
    assert.match(withTime.sql, /start_time = VALUES\(start_time\)/);
    assert.equal(withTime.params.at(-1), '2026-01-01 00:00:00');
    const flush = store.saveGlobalSql({ location: loc(8), exitSafe: loc(9), tables: [] });
    assert.doesNotMatch(flush.sql, /start_time/);
  });

  it('keyless tables: one row per table, keyed case-insensitively', async () => {
    const t = store.saveTableSql({ schema: 'Db', table: 'NK' }, loc(500));
    assert.deepEqual(t.params, ['src-1', 'Db', 'NK', 'bin.000001', 500]);
    const cps = await store.loadTables(
      db([{ cp_schema: 'Db', cp_table: 'NK', binlog_name: 'bin.000001', binlog_pos: '500' }]),
    );
    assert.deepEqual(cps.get(tableKey({ schema: 'db', table: 'nk' })), loc(500));
    assert.equal(checkpointTableName('task1'), 'task1_syncer_checkpoint');
  });
});
