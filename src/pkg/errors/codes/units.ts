/** Relay (30xxx), dump (32xxx), load (34xxx), sync (36xxx) and validator (361xx) errors. Composed into `E` by ../catalog.ts. */
import { def } from '../error-def.js';

export const UNIT_ERRORS = {
  // --- relay (30xxx)
  relayIo: def(
    30001,
    'relay-unit',
    'internal',
    'high',
    'Check the relay directory: disk space and permissions.',
  ),
  relayCorrupt: def(
    30002,
    'relay-unit',
    'internal',
    'high',
    'A relay file is corrupt beyond its tail; purge the relay directory and re-pull.',
  ),
  relayNotFound: def(
    30003,
    'relay-unit',
    'internal',
    'high',
    'The relay log for the requested position does not exist (purged?).',
  ),

  // --- dump (32xxx)
  dumpFailed: def(32001, 'dump-unit', 'upstream', 'high'),
  dumpPrivilege: def(
    32002,
    'dump-unit',
    'upstream',
    'high',
    'Grant RELOAD (for FTWRL) or use consistency: snapshot|lock|none on managed databases.',
  ),

  // --- load (34xxx)
  loadFailed: def(34001, 'load-unit', 'downstream', 'high'),
  loadDumpFileInvalid: def(
    34002,
    'load-unit',
    'internal',
    'high',
    'The dump directory is incomplete or not in mydumper/dumpling layout.',
  ),
  /** Route extraction (extract-table/schema/source): the merged table lacks its extended columns (load and sync). */
  extendColumns: def(
    34003,
    'table-router',
    'downstream',
    'high',
    'You need to manually add extended columns to the downstream table (DM fills them; the upstream table must not have them), then resume the task.',
  ),

  // --- sync (36xxx)
  syncFailed: def(36001, 'sync-unit', 'internal', 'high'),
  syncSchemaUnknown: def(
    36002,
    'sync-unit',
    'internal',
    'high',
    'The schema of the table is not known; use `binlog-schema update` to set it.',
  ),
  syncColumnMismatch: def(
    36003,
    'sync-unit',
    'internal',
    'high',
    'Column count in the binlog does not match the tracked schema; use `binlog-schema update`.',
  ),
  syncDdlUnsupported: def(
    36004,
    'sync-unit',
    'internal',
    'high',
    'Skip or replace the DDL with `binlog skip|replace`.',
  ),
  syncCheckpoint: def(36005, 'sync-unit', 'downstream', 'high'),
  /** DM 36008: the shard tables of one source met their DDLs in different orders. */
  shardDdlWrongSequence: def(
    36008,
    'sync-unit',
    'internal',
    'high',
    'Run the same DDLs in the same order on every shard table. Use `shard-ddl-lock` to see the lock, then `binlog skip|replace` on the wrong DDL, or `shard-ddl-lock unlock`.',
  ),
  /** DM 36062: optimistic mode saw a DDL that makes the shards' schemas conflict. */
  shardOptimisticConflict: def(
    36062,
    'sync-unit',
    'internal',
    'high',
    'Please use show-ddl-locks command for more details.',
  ),
  /** A DDL the sharding coordinator cannot handle (RENAME of a shard table, a sharding-meta error). */
  shardDdlUnsupported: def(
    44002,
    'shard-ddl',
    'internal',
    'high',
    'Skip or replace the DDL with `binlog skip|replace`, or run it downstream by hand and skip it.',
  ),
  /** DM's ErrSyncerUnitBinlogEventFilter (same code): a filter rule with `action: Error` matched. */
  syncEventFilterError: def(
    36014,
    'sync-unit',
    'internal',
    'high',
    'A binlog event filter rule with `action: Error` matched this event. Skip it with `binlog skip`, or change the filter rule and restart the task.',
  ),

  // --- continuous validator (361xx)
  validatorStartTime: def(
    36101,
    'validator',
    'internal',
    'medium',
    'The validator checks the changes applied after it is enabled; remove `start-time` and check older changes with sync-diff-inspector or `dmctl cutover`.',
  ),
  validatorOverflow: def(
    36102,
    'validator',
    'internal',
    'high',
    'Raise `max-pending-row-count`/`max-pending-row-size` of the validator, or check why the downstream differs, then `dmctl validation start`.',
  ),
  validatorNotEnabled: def(
    36103,
    'validator',
    'internal',
    'medium',
    'Enable the validator first: `dmctl validation start --mode full TASK`, or set `validator-config-name` in the task.',
  ),
} as const;
