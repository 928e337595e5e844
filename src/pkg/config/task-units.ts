/**
 * The per-instance unit configs of a task file (`mydumpers`, `loaders`, `syncers` or the
 * inline `mydumper`/`loader`/`syncer`), defaults from defaults.ts, checks as DM's
 * `MydumperConfig`/`LoaderConfig`/`SyncerConfig` adjust.
 */
import { E } from '../errors/index.js';
import { LOADER_DEFAULTS, MYDUMPER_DEFAULTS, SYNCER_DEFAULTS } from './defaults.js';
import { parseDumpExtraArgs, sizeToMb } from './dump-extra-args.js';
import { parseGoDuration } from './duration.js';
import { b, n, nz, type Raw, s } from './normalise.js';
import type { LoaderConfig, MydumperConfig, SyncerConfig } from './types.js';
import type { Bad, KeyPath } from './yaml-doc.js';

export function normaliseMydumper(raw: Raw, path: KeyPath, bad: Bad): MydumperConfig {
  const cfg: MydumperConfig = {
    ...MYDUMPER_DEFAULTS,
    threads: nz(raw.threads, MYDUMPER_DEFAULTS.threads),
    rows: n(raw.rows, MYDUMPER_DEFAULTS.rows),
    where: s(raw.where),
    skipTzUtc: b(raw['skip-tz-utc'], MYDUMPER_DEFAULTS.skipTzUtc),
    extraArgs: s(raw['extra-args']),
  };
  // DM: `if cfg.StatementSize > 0` — 0 keeps the default.
  if (nz(raw['statement-size'], 0) > 0) cfg.statementSize = n(raw['statement-size'], 0);
  // DM `ParseFileSize`: a bare number is MiB, else a size with a unit; 0 = no size limit
  // (dumpling's UnspecifiedSize: tables are not cut by size).
  if (raw['chunk-filesize'] !== undefined && s(raw['chunk-filesize']) !== '') {
    const mb = sizeToMb(raw['chunk-filesize']);
    if (mb === undefined)
      bad(
        E.configInvalidValue,
        [...path, 'chunk-filesize'],
        `invalid \`chunk-filesize\` ${JSON.stringify(raw['chunk-filesize'])} (MB, e.g. 64, or a size such as 1GiB; 0 = no limit)`,
      );
    else cfg.chunkFilesize = mb;
  }
  // The dumpling flags DM reads from extra-args: applied, or refused with the reason.
  const extra = parseDumpExtraArgs(cfg.extraArgs);
  for (const p of extra.problems)
    bad(E.configInvalidValue, [...path, 'extra-args'], `${JSON.stringify(p.arg)}: ${p.why}`);
  if (extra.consistency !== undefined) cfg.consistency = extra.consistency;
  if (extra.statementSize !== undefined && extra.statementSize > 0) cfg.statementSize = extra.statementSize;
  if (extra.chunkFilesizeMb !== undefined) cfg.chunkFilesize = extra.chunkFilesizeMb;
  if (extra.rows !== undefined) cfg.rows = extra.rows;
  if (extra.threads !== undefined) cfg.threads = extra.threads;
  if (extra.where !== undefined) cfg.where = extra.where;
  if (extra.tables !== undefined || extra.databases !== undefined) {
    cfg.dumpOnly = {
      doDbs: extra.tables ? [...new Set(extra.tables.map((x) => x.schema))] : (extra.databases ?? []),
      ignoreDbs: [],
      doTables: (extra.tables ?? []).map((x) => ({ dbName: x.schema, tblName: x.table })),
      ignoreTables: [],
    };
  }
  return cfg;
}

export function normaliseLoader(raw: Raw, path: KeyPath, bad: Bad): LoaderConfig {
  const cfg: LoaderConfig = {
    ...LOADER_DEFAULTS,
    poolSize: nz(raw['pool-size'], LOADER_DEFAULTS.poolSize),
    dir: s(raw.dir) || LOADER_DEFAULTS.dir,
  };
  const mode = s(raw['import-mode']).toLowerCase();
  if (mode === 'physical' || mode === 'import-into')
    bad(
      E.configNotSupported,
      [...path, 'import-mode'],
      `import-mode ${mode} is TiDB-only (${mode === 'physical' ? 'Lightning local backend' : 'IMPORT INTO'}) and not supported; use logical`,
    );
  else if (mode !== '' && !['logical', 'sql', 'loader'].includes(mode)) {
    bad(
      E.configInvalidValue,
      [...path, 'import-mode'],
      `invalid value "${mode}", expected one of: logical, sql, loader`,
    );
  }
  // DM maps the deprecated `sql`/`loader` modes to logical; so do we.
  cfg.importMode = 'logical';
  // DM reads only on-duplicate-logical; the deprecated `on-duplicate` is read by nothing
  // (dm/config/task.go:298-299; warned in dm-ignored-keys.ts).
  const dup = s(raw['on-duplicate-logical']).toLowerCase();
  if (dup !== '') {
    if (dup === 'replace' || dup === 'error' || dup === 'ignore') cfg.onDuplicateLogical = dup;
    else
      bad(
        E.configInvalidValue,
        [...path, 'on-duplicate-logical'],
        `invalid value "${dup}", expected one of: replace, error, ignore`,
      );
  }
  // The physical-import keys have no effect in logical mode (in DM too), but DM's
  // LoaderConfig.adjust still refuses values outside their sets (dm/config/task.go:366-393).
  for (const [key, allowed] of [
    ['on-duplicate-physical', ['none', 'manual']],
    ['checksum-physical', ['required', 'optional', 'off']],
    ['analyze', ['required', 'optional', 'off']],
  ] as const) {
    const v = s(raw[key]).toLowerCase();
    if (v !== '' && !(allowed as readonly string[]).includes(v))
      bad(
        E.configInvalidValue,
        [...path, key],
        `invalid value "${v}", expected one of: ${allowed.join(', ')}`,
      );
  }
  return cfg;
}

export function normaliseSyncer(raw: Raw, path: KeyPath, bad: Bad): SyncerConfig {
  const cfg: SyncerConfig = {
    ...SYNCER_DEFAULTS,
    workerCount: nz(raw['worker-count'], SYNCER_DEFAULTS.workerCount),
    batch: nz(raw.batch, SYNCER_DEFAULTS.batch),
    queueSize: nz(raw['queue-size'], SYNCER_DEFAULTS.queueSize),
    checkpointFlushInterval: nz(raw['checkpoint-flush-interval'], SYNCER_DEFAULTS.checkpointFlushInterval),
    safeMode: b(raw['safe-mode'], SYNCER_DEFAULTS.safeMode),
    compact: b(raw.compact, SYNCER_DEFAULTS.compact),
    multipleRows: b(raw['multiple-rows'], SYNCER_DEFAULTS.multipleRows),
    enableAnsiQuotes: b(raw['enable-ansi-quotes'], SYNCER_DEFAULTS.enableAnsiQuotes),
  };
  // DM: empty safe-mode-duration = twice the checkpoint flush interval.
  cfg.safeModeDuration = s(raw['safe-mode-duration']) || `${2 * cfg.checkpointFlushInterval}s`;
  const ms = parseGoDuration(cfg.safeModeDuration);
  if (ms === undefined || ms < 0) {
    bad(
      E.configInvalidValue,
      [...path, 'safe-mode-duration'],
      `invalid duration "${cfg.safeModeDuration}" (e.g. 60s, 1m30s)`,
    );
  } else if (cfg.safeMode && ms === 0) {
    bad(
      E.configInvalidValue,
      [...path, 'safe-mode-duration'],
      'safe-mode: true conflicts with safe-mode-duration 0s',
    );
  }
  return cfg;
}
