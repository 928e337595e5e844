/**
 * Every configuration default, in one place, with DM's values (pingcap/tiflow
 * `dm/config/task.go`, `source_config.go`, `checker_config.go`). The parsers fill these in;
 * nothing else in the product should hard-code a config default.
 */
import type { LoaderConfig, MydumperConfig, SyncerConfig } from './types.js';

/** Task-level defaults. */
export const TASK_DEFAULTS = Object.freeze({
  /** Downstream schema holding checkpoints. */
  metaSchema: 'dm_meta',
  caseSensitive: false,
  /** Empty = the units use UTC sessions (DM postpones the zone to the units as well). */
  timezone: '',
  /** DM v5+: online DDL (gh-ost/pt-osc) handling is on unless turned off. */
  onlineDdl: true,
  /** DM's default gh-ost/pt-osc ghost ("shadow") table names. */
  shadowTableRules: Object.freeze(['^_(.+)_(?:new|gho)$']) as readonly string[],
  /** DM's default gh-ost/pt-osc leftover ("trash") table names. */
  trashTableRules: Object.freeze(['^_(.+)_(?:ghc|del|old)$']) as readonly string[],
  /** Delete the dump files once loaded. */
  cleanDumpFile: true,
  collationCompatible: 'loose' as const,
});

/** mydumper (dump unit) defaults. */
export const MYDUMPER_DEFAULTS: Readonly<MydumperConfig> = Object.freeze({
  threads: 4,
  chunkFilesize: 64,
  rows: 0,
  where: '',
  skipTzUtc: true,
  consistency: 'auto',
  /** Bytes per INSERT statement in a data file (dumpling's and mydumper's 1 000 000). */
  statementSize: 1_000_000,
  extraArgs: '',
});

/** loader (load unit) defaults. */
export const LOADER_DEFAULTS: Readonly<LoaderConfig> = Object.freeze({
  poolSize: 16,
  dir: './dumped_data',
  onDuplicateLogical: 'replace',
  importMode: 'logical',
});

/** syncer (sync unit) defaults. */
export const SYNCER_DEFAULTS: Readonly<SyncerConfig> = Object.freeze({
  workerCount: 16,
  batch: 100,
  queueSize: 1024,
  safeMode: false,
  /** Filled as twice checkpoint-flush-interval ("60s") when not given, as DM does. */
  safeModeDuration: '',
  /**
   * On here (DM's default is off): changes of one row within a batch fold into one, so the
   * downstream executes fewer rows. Safe: only rows of tables whose identity key is their only
   * unique key fold, within one batch (one downstream transaction), keeping each key's order
   * (sync/compact.ts; test/integration/sync/sync-compact.test.ts). `compact: false` keeps
   * DM's behaviour.
   */
  compact: true,
  /**
   * On here (DM's default is off): one statement per row change makes the downstream parse
   * 100 statements per batch, the largest cost of catch-up (docs/performance.md). Safe: rows
   * are grouped only within segments whose causality keys are pairwise distinct
   * (sql/batch-sql.ts; test/integration/sync/sync-merge.test.ts). `multiple-rows: false`
   * keeps DM's one-statement-per-change behaviour.
   */
  multipleRows: true,
  checkpointFlushInterval: 30,
  enableAnsiQuotes: false,
});

/** Source config defaults. */
export const SOURCE_DEFAULTS = Object.freeze({
  port: 3306,
  enable: true,
  enableGtid: false,
  enableRelay: false,
  /** Relative to the worker's working directory, as DM. */
  relayDir: 'relay-dir',
  /** 0 = a random id is chosen when the source is created. */
  serverId: 0,
  purge: Object.freeze({ interval: 3600, expires: 0, remainSpace: 15 }),
  checker: Object.freeze({
    checkEnable: true,
    backoffRollback: '5m0s',
    backoffMax: '5m0s',
    backoffMin: '1s',
    backoffJitter: true,
    backoffFactor: 2,
  }),
});

/** Target database port when not given. */
export const TARGET_DEFAULT_PORT = 3306;
