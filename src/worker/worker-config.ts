import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { emitConfigWarning } from '../pkg/config/config-warnings.js';
import { dmError, E } from '../pkg/errors/index.js';
import { LOG_FORMATS, type LogFormat } from '../pkg/log/logger.js';
import {
  CLUSTER_TLS_CONTENT_KEYS,
  type ClusterTlsPaths,
  clusterTlsPathsOf,
  TLS_CONTENT_IGNORED,
} from '../pkg/tls/cluster-tls.js';

/**
 * dm-worker configuration: command-line flags (DESIGN.md §1, DM's names) and the same keys in
 * a TOML file (`--config`). Flags given on the command line win over the file, as in DM.
 */
export interface WorkerConfig {
  /** `--name`. Default: `dm-worker-<advertise-addr>` with `:` and `.` replaced (unique per address). */
  name: string;
  /** `--worker-addr`: listen `host:port`. Default `127.0.0.1:8262` (DM's port). */
  workerAddr: string;
  /** `--advertise-addr`: what masters call. Default: `worker-addr` (required when it listens on 0.0.0.0). */
  advertiseAddr: string;
  /** `--join`: master client addresses (`host:port`, comma-separated). Required. */
  join: string[];
  /** `--log-file`. Default: stderr. */
  logFile: string;
  /** `-L/--log-level`: debug|info|warn|error. Default info. */
  logLevel: string;
  /** `--log-format`: `json` (default here; DM's default is `text`) or `text` (DM's text lines). */
  logFormat: LogFormat;
  /**
   * `--keepalive-ttl` seconds: the worker's etcd lease TTL. Default 5 (DM: 60): a dead worker's
   * source is re-bound within ~6 s (measured 4–6 s). Losing nothing does not depend on it (the
   * downstream fence does that, pkg/db/fence.ts); raise it on flaky networks.
   */
  keepaliveTtl: number;
  /**
   * `--relay-keepalive-ttl` seconds: the lease TTL while this worker runs a relay (DM: 1800, so
   * a blip does not move the source away from its relay log). Default here: `keepalive-ttl`,
   * because a new worker rebuilds the relay from the oldest checkpoint and nothing is lost.
   */
  relayKeepaliveTtl: number;
  /** `--work-dir` (ours): dump files and relay data live below it. Default: the process cwd, as DM. */
  workDir: string;
  /** `ssl-ca`, `ssl-cert`, `ssl-key`, `cert-allowed-cn` (DM's `security.Security`): cluster TLS, on with `ssl-ca`. */
  tls: ClusterTlsPaths;
  /**
   * `relay-dir` (TOML only, as DM): when set, the relay log of the source bound here lives in
   * `<relay-dir>/<name>`, over the source's own `relay-dir` (DM: "worker's relay-dir has higher
   * priority than source's relay-dir", dm/worker/source_worker.go:437-441). Relative to
   * `work-dir`. Empty = the source's `relay-dir`.
   */
  relayDir: string;
}

/** Default `keepalive-ttl` (seconds); DM's is 60 (see docs/high-availability.md). */
export const DEFAULT_KEEPALIVE_TTL = 5;

/** Keys accepted in the TOML file (kebab-case, as the flags). */
const FILE_KEYS = [
  'name',
  'worker-addr',
  'advertise-addr',
  'join',
  'log-file',
  'log-level',
  'keepalive-ttl',
  'relay-keepalive-ttl',
  'work-dir',
  'ssl-ca',
  'ssl-cert',
  'ssl-key',
  'cert-allowed-cn',
  'relay-dir',
  'log-format',
] as const;
type FileKey = (typeof FILE_KEYS)[number];

/** Raw flag values from commander (undefined = not given). */
export type WorkerFlags = Partial<Record<FileKey | 'config', string>>;

/**
 * DM worker keys that DM parses and ignores: accepted with a coded warning (20050) saying so.
 * `config-file` is the path of the file itself (DM's `--config`): nothing to do.
 */
const IGNORED_KEYS: ReadonlyMap<string, string> = new Map([
  [
    'log-rotate',
    'DM reads nothing from it: its flag is commented out (dm/worker/config.go:70) and no code reads the field (:93)',
  ],
  [
    'redact-info-log',
    'DM parses it (dm/worker/config.go:98) but nothing reads it: log redaction stays off (dm/pkg/log/log.go:234)',
  ],
]);

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** Parse a TOML config file's text into flag-shaped values; unknown keys and bad types are coded errors naming key and line. */
export function parseWorkerToml(text: string, file = 'worker.toml'): WorkerFlags {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    const line = err instanceof TomlError ? err.line : 0;
    throw dmError(E.configParse, `${file}:${line}: ${(err as Error).message.split('\n')[0]}`, {
      cause: err,
      context: { file, line },
    });
  }
  const out: WorkerFlags = {};
  for (const [key, value] of Object.entries(doc)) {
    const line = lineOf(text, key);
    if (key === 'config-file') continue;
    const ignored =
      IGNORED_KEYS.get(key) ?? (CLUSTER_TLS_CONTENT_KEYS.has(key) ? TLS_CONTENT_IGNORED : undefined);
    if (ignored !== undefined) {
      emitConfigWarning({
        def: E.configIgnoredByDm,
        file,
        line,
        key,
        message: `accepted without effect: ${ignored}`,
      });
      continue;
    }
    if (key === 'log-format' && !(LOG_FORMATS as readonly unknown[]).includes(value)) {
      throw dmError(
        E.configInvalidValue,
        `${file}:${line}: log-format: must be "json" or "text", got ${JSON.stringify(value)}`,
        { context: { file, key, line } },
      );
    }
    if (!(FILE_KEYS as readonly string[]).includes(key)) {
      throw dmError(E.configUnknownKey, `${file}:${line}: unknown key "${key}"`, {
        context: { file, key, line, allowed: FILE_KEYS },
      });
    }
    const k = key as FileKey;
    if (k === 'keepalive-ttl' || k === 'relay-keepalive-ttl') {
      if (typeof value !== 'number' && typeof value !== 'bigint') throw wrongType(file, key, line, 'integer');
      out[k] = String(value);
    } else if ((k === 'join' || k === 'cert-allowed-cn') && Array.isArray(value)) {
      if (!value.every((v) => typeof v === 'string'))
        throw wrongType(file, key, line, 'string or string array');
      out[k] = value.join(',');
    } else {
      if (typeof value !== 'string') throw wrongType(file, key, line, 'string');
      out[k] = value;
    }
  }
  return out;
}

function wrongType(file: string, key: string, line: number, want: string) {
  return dmError(E.configWrongType, `${file}:${line}: key "${key}" must be a ${want}`, {
    context: { file, key, line },
  });
}

/** 1-based line where `key = …` is written (0 when not found, e.g. dotted or quoted forms). */
function lineOf(text: string, key: string): number {
  const lines = text.split('\n');
  const re = new RegExp(`^\\s*["']?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*[=.]`);
  const i = lines.findIndex((l) => re.test(l));
  return i + 1;
}

/** Merge file values under the flags, fill defaults, validate. */
export function resolveWorkerConfig(flags: WorkerFlags, cwd = process.cwd()): WorkerConfig {
  const file = flags.config ? parseWorkerToml(readFileOrThrow(flags.config), flags.config) : {};
  const get = (k: FileKey): string | undefined => flags[k] ?? file[k];
  const tls = clusterTlsPathsOf(get, flags.config ?? 'dm-worker');
  const workerAddr = get('worker-addr') ?? '127.0.0.1:8262';
  checkAddr('worker-addr', workerAddr);
  const listenHost = workerAddr.slice(0, workerAddr.lastIndexOf(':'));
  let advertiseAddr = get('advertise-addr');
  if (!advertiseAddr) {
    if (listenHost === '' || listenHost === '0.0.0.0' || listenHost === '::') {
      throw dmError(
        E.configMissingKey,
        `advertise-addr is required when worker-addr (${workerAddr}) listens on all interfaces`,
        { context: { key: 'advertise-addr' } },
      );
    }
    advertiseAddr = workerAddr;
  }
  checkAddr('advertise-addr', advertiseAddr);
  const join = (get('join') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (join.length === 0) {
    throw dmError(E.configMissingKey, 'join (master addresses) is required', { context: { key: 'join' } });
  }
  for (const j of join) checkAddr('join', j.replace(/^https?:\/\//, ''));
  const keepaliveTtl = ttlOf('keepalive-ttl', get('keepalive-ttl') ?? String(DEFAULT_KEEPALIVE_TTL));
  const relayKeepaliveTtl = ttlOf('relay-keepalive-ttl', get('relay-keepalive-ttl') ?? String(keepaliveTtl));
  const logLevel = get('log-level') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw dmError(
      E.configInvalidValue,
      `log-level must be one of ${LOG_LEVELS.join('|')}, got "${logLevel}"`,
      {
        context: { key: 'log-level' },
      },
    );
  }
  const logFormat = get('log-format') || 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw dmError(E.configInvalidValue, `log-format must be "json" or "text", got "${logFormat}"`, {
      context: { key: 'log-format' },
    });
  }
  return Object.freeze({
    name: get('name') || `dm-worker-${advertiseAddr.replace(/[:.]/g, '-')}`,
    workerAddr,
    advertiseAddr,
    join,
    logFile: get('log-file') ?? '',
    logLevel,
    logFormat: logFormat as LogFormat,
    keepaliveTtl,
    relayKeepaliveTtl,
    workDir: get('work-dir') || cwd,
    tls,
    relayDir: get('relay-dir') ?? '',
  });
}

function ttlOf(key: string, text: string): number {
  const ttl = Number(text);
  if (!Number.isInteger(ttl) || ttl < 1) {
    throw dmError(E.configInvalidValue, `${key} must be a whole number of seconds >= 1, got "${text}"`, {
      context: { key },
    });
  }
  return ttl;
}

function checkAddr(key: string, addr: string): void {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw dmError(E.configInvalidValue, `${key} must be host:port, got "${addr}"`, { context: { key } });
  }
}

function readFileOrThrow(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw dmError(E.configParse, `cannot read config file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
