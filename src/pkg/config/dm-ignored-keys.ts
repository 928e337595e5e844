/**
 * DM keys that DM itself parses and then ignores (deprecated, or read by nothing). They are
 * accepted here too, each with a coded warning (E.configIgnoredByDm, 20050) in the log that
 * says DM ignores it as well. Every entry cites the DM source that shows it: tiflow commit
 * c7b2588 (`git -C /work/.mirror/pingcap+tiflow/repo show HEAD:<file>`).
 *
 * Paths use `*` for any map key or list index. Keys that DM uses are NOT here: they work, or
 * are refused with a coded error (docs/config-reference.md lists both).
 */
import { E } from '../errors/index.js';
import { type ConfigWarningSink, emitConfigWarning } from './config-warnings.js';
import { formatPath, type KeyPath, type YamlSource } from './yaml-doc.js';

export interface IgnoredKey {
  /** Key path pattern (`*` = any key or index). */
  readonly path: readonly string[];
  /** Why DM ignores it, with DM's source line. */
  readonly why: string;
}

const HEARTBEAT =
  'heartbeat is deprecated in DM, which forces it off and only logs a warning (dm/config/task.go:1042-1045)';
const PHYSICAL =
  'a physical-import (TiDB Lightning local backend) setting: DM reads it only with import-mode physical (dm/loader/lightning.go), which is TiDB-only and refused here; with logical import DM ignores it too';

/** The unit blocks of a task: inline in an instance, or named in the global maps. */
function unitKeys(unit: 'mydumper' | 'loader' | 'syncer', key: string, why: string): IgnoredKey[] {
  return [
    { path: ['mysql-instances', '*', unit, key], why },
    { path: [`${unit}s`, '*', key], why },
  ];
}

/** task.yaml keys DM ignores. */
export const TASK_IGNORED_KEYS: readonly IgnoredKey[] = Object.freeze([
  { path: ['enable-heartbeat'], why: HEARTBEAT },
  { path: ['heartbeat-update-interval'], why: HEARTBEAT },
  { path: ['heartbeat-report-interval'], why: HEARTBEAT },
  {
    path: ['remove-meta'],
    why: 'deprecated in DM: it only logs a warning (dm/config/task.go:1038) and start-task answers a notice (dm/master/server.go:605); use `start-task --remove-meta`',
  },
  {
    path: ['ansi-quotes'],
    why: 'DM reads it nowhere but in the downgrade copy of the config (dm/config/task.go:590, 1312); the sync unit follows the upstream sql_mode',
  },
  ...unitKeys(
    'mydumper',
    'mydumper-path',
    'DM only checks it is not empty (dm/config/task.go:870); its dump is the built-in dumpling library, as here',
  ),
  ...unitKeys(
    'mydumper',
    'skip-tz-utc',
    "nothing in DM reads it (dm/config/task.go:213); dump and load sessions here use the task's time zone (UTC by default), so TIMESTAMPs round-trip",
  ),
  ...unitKeys(
    'loader',
    'on-duplicate',
    'deprecated in DM and read by nothing (dm/config/task.go:298-299); use on-duplicate-logical',
  ),
  ...[
    'sorting-dir-physical',
    'on-duplicate-physical',
    'disk-quota-physical',
    'checksum-physical',
    'analyze',
    'range-concurrency',
    'compress-kv-pairs',
    'pd-addr',
    'security',
  ].flatMap((k) => unitKeys('loader', k, PHYSICAL)),
  ...unitKeys(
    'syncer',
    'meta-file',
    'DM reads it only when a subtask config file is loaded directly, never from a task (dm/config/task.go:400)',
  ),
  ...unitKeys('syncer', 'max-retry', 'nothing in DM reads it (dm/config/task.go:411)'),
  ...unitKeys(
    'syncer',
    'auto-fix-gtid',
    'nothing in DM reads it (dm/config/task.go:414); the source config owns GTID settings',
  ),
  ...unitKeys(
    'syncer',
    'enable-gtid',
    'nothing in DM reads it (dm/config/task.go:415): a subtask takes enable-gtid from the source config (dm/worker/source_worker.go:1150), as here',
  ),
  ...unitKeys(
    'syncer',
    'disable-detect',
    'DM logs "`disable-causality` is no longer take effect" (dm/config/task.go:956)',
  ),
  ...unitKeys(
    'syncer',
    'enable-ansi-quotes',
    'DM logs "`enable-ansi-quotes` is no longer take effect": ANSI_QUOTES is found from the upstream sql_mode (dm/config/task.go:953)',
  ),
  {
    path: ['target-database', 'max-allowed-packet'],
    why: 'DM parses it (dm/config/dbconfig/config.go:81) and only copies it in Clone (:146); no connection reads it',
  },
]);

/** source.yaml keys DM ignores. */
export const SOURCE_IGNORED_KEYS: readonly IgnoredKey[] = Object.freeze([
  {
    path: ['auto-fix-gtid'],
    why: 'deprecated in DM, which overwrites it to false with a warning (dm/config/source_config.go:73, 224-226)',
  },
  { path: ['meta-dir'], why: 'deprecated in DM and read by nothing (dm/config/source_config.go:76)' },
  {
    path: ['charset'],
    why: "deprecated in DM (dm/config/source_config.go:79); DM only hands it to the relay's binlog connection (dm/relay/relay.go:1168), where it changes nothing in the events",
  },
  {
    path: ['tracer'],
    why: 'deprecated in DM, kept "to keep compatibility with older version" (dm/config/source_config.go:100)',
  },
  {
    path: ['from', 'max-allowed-packet'],
    why: 'DM parses it (dm/config/dbconfig/config.go:81) and only copies it in Clone (:146); no connection reads it',
  },
]);

/** Emit a warning for every ignored key present in `raw` (nulls already dropped). */
export function warnIgnoredKeys(
  table: readonly IgnoredKey[],
  raw: unknown,
  src: YamlSource,
  warn?: ConfigWarningSink,
): void {
  for (const entry of table) {
    for (const path of matches(raw, entry.path, [])) {
      emitConfigWarning(
        {
          def: E.configIgnoredByDm,
          file: src.file,
          line: src.lineOf(path, 'key'),
          key: formatPath(path),
          message: `accepted without effect: ${entry.why}`,
        },
        warn,
      );
    }
  }
}

/** Every concrete path in `v` matching `pattern`. */
function matches(v: unknown, pattern: readonly string[], at: (string | number)[]): KeyPath[] {
  if (pattern.length === 0) return [at];
  if (v === null || typeof v !== 'object') return [];
  const [head, ...rest] = pattern as [string, ...string[]];
  if (Array.isArray(v)) {
    if (head !== '*') return [];
    return v.flatMap((item, i) => matches(item, rest, [...at, i]));
  }
  const obj = v as Record<string, unknown>;
  const keys = head === '*' ? Object.keys(obj) : Object.hasOwn(obj, head) ? [head] : [];
  return keys.flatMap((k) => matches(obj[k], rest, [...at, k]));
}
