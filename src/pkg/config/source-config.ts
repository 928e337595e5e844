/**
 * `parseSourceConfig`: DM's source.yaml → SourceConfig, with every error naming the key path
 * and file line. Keys DM ignores too are accepted with a coded warning (dm-ignored-keys.ts).
 */
import { E } from '../errors/index.js';
import type { ConfigWarningSink } from './config-warnings.js';
import { SOURCE_DEFAULTS } from './defaults.js';
import { SOURCE_IGNORED_KEYS, warnIgnoredKeys } from './dm-ignored-keys.js';
import { parseGoDuration } from './duration.js';
import { maybeDecrypt } from './encrypt.js';
import { checkFilterEvent } from './filter-event-check.js';
import { b, n, normaliseDb, normaliseFilterRule, type Raw, s, sub } from './normalise.js';
import { sourceSchema } from './schema/source-schema.js';
import { dropNulls, schemaIssues } from './schema-check.js';
import type { SourceConfig } from './types.js';
import { type ConfigIssue, issuesError, YamlSource } from './yaml-doc.js';

export interface ParseOptions {
  /** Cluster key (hex) to decrypt `dmctl encrypt`ed passwords; without it they stay as written. */
  encryptKey?: string;
  /** Where coded warnings go (keys DM ignores too); default: the process-wide sink (config-warnings.ts). */
  warn?: ConfigWarningSink;
}

/** DM's limit on source-id length. */
const MAX_SOURCE_ID_LENGTH = 32;

export function parseSourceConfig(text: string, file = 'source.yaml', opts: ParseOptions = {}): SourceConfig {
  const src = YamlSource.parse(text, file);
  const raw = dropNulls(src.value ?? {});
  const issues = schemaIssues(sourceSchema, raw, src);
  if (issues.length > 0) throw issuesError(file, issues);
  const r = raw as Raw;
  const more: ConfigIssue[] = [];
  const at = (path: (string | number)[], detail: string): void => {
    more.push({ def: E.configInvalidValue, path, line: src.lineOf(path), detail });
  };

  const sourceId = s(r['source-id']);
  if (sourceId === '') at(['source-id'], 'must not be empty');
  if (sourceId.length > MAX_SOURCE_ID_LENGTH)
    at(['source-id'], `longer than ${MAX_SOURCE_ID_LENGTH} characters`);
  const relayBinlogName = s(r['relay-binlog-name']);
  if (relayBinlogName !== '' && !/^[\w.-]+\.\d+$/.test(relayBinlogName)) {
    at(['relay-binlog-name'], `invalid binlog file name ${JSON.stringify(relayBinlogName)}`);
  }
  const from = sub(r.from);
  if (s(from.host) === '') at(['from', 'host'], 'must not be empty');

  const purge = sub(r.purge);
  const checker = sub(r.checker);
  const backoffRollback = s(checker['backoff-rollback'], SOURCE_DEFAULTS.checker.backoffRollback);
  const backoffMax = s(checker['backoff-max'], SOURCE_DEFAULTS.checker.backoffMax);
  for (const [key, v] of [
    ['backoff-rollback', backoffRollback],
    ['backoff-max', backoffMax],
    ['check-interval', checker['check-interval']],
    ['backoff-min', checker['backoff-min']],
  ] as const) {
    if (v !== undefined && parseGoDuration(s(v)) === undefined) {
      at(['checker', key], `invalid duration ${JSON.stringify(s(v))} (e.g. 5m, 30s)`);
    }
  }
  const factor = checker['backoff-factor'];
  if (typeof factor === 'number' && !(factor >= 1)) {
    at(['checker', 'backoff-factor'], `must be >= 1 (the delay grows by it), got ${factor}`);
  }
  const minMs = parseGoDuration(s(checker['backoff-min'], SOURCE_DEFAULTS.checker.backoffMin));
  const maxMs = parseGoDuration(backoffMax);
  if (minMs !== undefined && maxMs !== undefined && minMs > maxMs) {
    at(['checker', 'backoff-min'], `backoff-min must not exceed backoff-max (${backoffMax})`);
  }
  if (Array.isArray(r.filters)) {
    r.filters.forEach((f, i) => {
      normaliseFilterRule(sub(f)).events.forEach((e, j) => {
        checkFilterEvent(
          e,
          ['filters', i, 'events', j],
          src,
          (def, path, detail) => more.push({ def, path, line: src.lineOf(path), detail }),
          opts.warn,
        );
      });
    });
  }
  if (more.length > 0) throw issuesError(file, more);
  warnIgnoredKeys(SOURCE_IGNORED_KEYS, r, src, opts.warn);

  const flavor = s(r.flavor).toLowerCase();
  const cfg: SourceConfig = {
    sourceId,
    flavor: flavor === 'mysql' || flavor === 'mariadb' ? flavor : '',
    enableGtid: b(r['enable-gtid'], SOURCE_DEFAULTS.enableGtid),
    enableRelay: b(r['enable-relay'], SOURCE_DEFAULTS.enableRelay),
    relayBinlogName,
    relayBinlogGtid: s(r['relay-binlog-gtid']),
    relayDir: s(r['relay-dir'], SOURCE_DEFAULTS.relayDir) || SOURCE_DEFAULTS.relayDir,
    from: normaliseDb(from, SOURCE_DEFAULTS.port, (p) =>
      opts.encryptKey === undefined ? p : maybeDecrypt(p, opts.encryptKey),
    ),
    serverId: n(r['server-id'], SOURCE_DEFAULTS.serverId),
    purge: {
      interval: n(purge.interval, SOURCE_DEFAULTS.purge.interval),
      expires: n(purge.expires, SOURCE_DEFAULTS.purge.expires),
      remainSpace: n(purge['remain-space'], SOURCE_DEFAULTS.purge.remainSpace),
    },
    checker: {
      checkEnable: b(checker['check-enable'], SOURCE_DEFAULTS.checker.checkEnable),
      backoffRollback,
      backoffMax,
      backoffMin: s(checker['backoff-min'], SOURCE_DEFAULTS.checker.backoffMin),
      backoffJitter: b(checker['backoff-jitter'], SOURCE_DEFAULTS.checker.backoffJitter),
      backoffFactor:
        typeof checker['backoff-factor'] === 'number'
          ? checker['backoff-factor']
          : SOURCE_DEFAULTS.checker.backoffFactor,
      ...(checker['check-interval'] !== undefined ? { checkInterval: s(checker['check-interval']) } : {}),
    },
    enable: b(r.enable, SOURCE_DEFAULTS.enable),
    caseSensitive: b(r['case-sensitive'], false),
    filters: Array.isArray(r.filters) ? r.filters.map((f) => normaliseFilterRule(sub(f))) : [],
  };
  return cfg;
}
