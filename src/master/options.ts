/**
 * dm-master options: DM's flags and TOML config keys, resolved into one frozen object with
 * every default filled in one place. Pure (no I/O) so it is unit-tested without processes.
 */
import { hostname } from 'node:os';
import { parse as parseToml } from 'smol-toml';
import { emitConfigWarning } from '../pkg/config/config-warnings.js';
import { dmError, E } from '../pkg/errors/index.js';
import { LOG_FORMATS, type LogFormat } from '../pkg/log/logger.js';
import {
  CLUSTER_TLS_CONTENT_KEYS,
  type ClusterTlsPaths,
  clusterTlsPathsOf,
  TLS_CONTENT_IGNORED,
  wrapScheme,
} from '../pkg/tls/cluster-tls.js';

/** Resolved dm-master options. Defaults are documented per field. */
export interface MasterOptions {
  /** `--name`; default `dm-master-<hostname>` (as DM). */
  readonly name: string;
  /** `--master-addr`: client (HTTP API) listen `host:port`; default `127.0.0.1:8261`. */
  readonly masterAddr: string;
  /** `--advertise-addr`: what others use to reach this master; default = master-addr (host 127.0.0.1 when empty/0.0.0.0). */
  readonly advertiseAddr: string;
  /** `--peer-urls`: etcd peer listen URL(s); default `http://127.0.0.1:8291`. */
  readonly peerUrls: string;
  /** `--advertise-peer-urls`; default = peer-urls. */
  readonly advertisePeerUrls: string;
  /** `--initial-cluster name=url,…`; default `<name>=<advertise-peer-urls>`. */
  readonly initialCluster: string;
  /** `--join`: client addresses of existing masters (comma-separated); empty = none. */
  readonly join: string[];
  /** `--data-dir`; default `default.<name>`. The etcd member lives in `<data-dir>/etcd`. */
  readonly dataDir: string;
  /** `--log-file`; empty = stderr. */
  readonly logFile: string;
  /** `-L/--log-level`; default `info`. */
  readonly logLevel: string;
  /** `--log-format`: `json` (default here; DM's default is `text`) or `text` (DM's text lines). */
  readonly logFormat: LogFormat;
  /** `--etcd-bin`; default `etcd` (from PATH). */
  readonly etcdBin: string;
  /** `--etcd-client-urls`: the supervised member's client URL; default peer host, peer port + 1. */
  readonly etcdClientUrls: string;
  /** `--etcd-endpoints`: use this external etcd cluster instead of supervising a member. */
  readonly etcdEndpoints: string[];
  /** `--election-ttl` seconds: leader session lease TTL; default 10 (DM: 60) for fast failover. */
  readonly electionTtl: number;
  /**
   * `--secret-key-path` (DM 8): file holding the 64-hex-digit AES-256 key of DM-format
   * passwords (`dmctl encrypt`); empty = DM's former built-in key (see pkg/config/encrypt.ts).
   */
  readonly secretKeyPath: string;
  /**
   * `--ssl-ca`, `--ssl-cert`, `--ssl-key`, `--cert-allowed-cn` (DM's `security.Security`):
   * cluster TLS, on when `ssl-ca` is set; then every URL gets `https://` (DM's WrapSchemes).
   */
  readonly tls: ClusterTlsPaths;
  /**
   * DM's embedded-etcd keys given (`auto-compaction-mode`, `auto-compaction-retention`,
   * `quota-backend-bytes`, `max-txn-ops`, `max-request-bytes`) as flags of the supervised
   * etcd member, e.g. `--quota-backend-bytes=2147483648`; empty = etcd's defaults.
   */
  readonly etcdFlags: readonly string[];
  /**
   * `initial-cluster-state` (TOML, DM's key): `new` (default) or `existing`, for the etcd member
   * of a first start without `join`; a restart with data, or a join, is `existing` regardless (as DM).
   */
  readonly initialClusterState: 'new' | 'existing';
  /**
   * `openapi` (TOML, DM's key): serve DM's OpenAPI `/api/v1/…` (and the dashboard built on it).
   * `openapi = false` turns them off, as DM; unset = on (DM's default is off: here dmctl does
   * not need it, but the dashboard does). `[experimental] openapi = true` = `openapi = true`.
   */
  readonly openapi: boolean;
}

/** Raw option values as given on the command line or in the TOML file (kebab-case keys). */
export type RawMasterOptions = Partial<Record<MasterOptionKey, string | number>>;

const OPTION_KEYS = [
  'name',
  'master-addr',
  'advertise-addr',
  'peer-urls',
  'advertise-peer-urls',
  'initial-cluster',
  'initial-cluster-state',
  'join',
  'data-dir',
  'log-file',
  'log-level',
  'etcd-bin',
  'etcd-client-urls',
  'etcd-endpoints',
  'election-ttl',
  'secret-key-path',
  'ssl-ca',
  'ssl-cert',
  'ssl-key',
  'cert-allowed-cn',
  'auto-compaction-mode',
  'auto-compaction-retention',
  'quota-backend-bytes',
  'max-txn-ops',
  'max-request-bytes',
  'openapi',
  'log-format',
] as const;
export type MasterOptionKey = (typeof OPTION_KEYS)[number];

/**
 * DM master keys that are etcd member settings: passed to the supervised etcd as its flags
 * (DM embeds etcd with the same settings). Unset = etcd's own default.
 */
const ETCD_KEYS: Readonly<Record<string, { flag: string; kind: 'string' | 'uint' }>> = {
  'auto-compaction-mode': { flag: '--auto-compaction-mode', kind: 'string' },
  'auto-compaction-retention': { flag: '--auto-compaction-retention', kind: 'string' },
  'quota-backend-bytes': { flag: '--quota-backend-bytes', kind: 'uint' },
  'max-txn-ops': { flag: '--max-txn-ops', kind: 'uint' },
  'max-request-bytes': { flag: '--max-request-bytes', kind: 'uint' },
};

/**
 * DM keys refused at load, with why: accepting them would be a setting that quietly does
 * nothing. `accept` lists the values that are what we do anyway (accepted without effect).
 */
const REFUSED_KEYS = new Map<string, { why: string; accept?: (v: unknown) => boolean }>([
  // DM's defaults describe what we do (a 30 s deadline is within our per-call deadlines); other
  // values would tune a gRPC client that does not exist here.
  [
    'rpc-timeout',
    {
      why: 'master→worker calls are HTTP requests with fixed per-call deadlines; only DM\'s default "30s" is accepted',
      accept: (v) => v === '30s' || v === '',
    },
  ],
  [
    'rpc-rate-limit',
    {
      why: "master→worker calls are not rate limited; only DM's default 10 is accepted",
      accept: (v) => v === 10,
    },
  ],
  [
    'rpc-rate-burst',
    {
      why: "master→worker calls are not rate limited; only DM's default 40 is accepted",
      accept: (v) => v === 40,
    },
  ],
  ['v1-sources-path', { why: 'upgrading a DM v1.0 cluster is not supported', accept: (v) => v === '' }],
  ['keepalive-ttl', { why: 'keepalive-ttl is a dm-worker setting (set it in the worker config)' }],
]);

const LOG_ROTATE_IGNORED = 'DM reads nothing from it (its flag is commented out, dm/master/config.go:72)';

/** Parse a dm-master TOML config file. Keys may be kebab-case or snake_case (as DM). */
export function parseMasterToml(text: string, file: string): RawMasterOptions {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const line = (err as { line?: number }).line ?? 0;
    throw dmError(
      E.configParse,
      `${file}:${line}: TOML syntax error: ${(err as Error).message.split('\n')[0]}`,
      {
        cause: err,
      },
    );
  }
  const out: RawMasterOptions = {};
  for (const [rawKey, value] of Object.entries(doc)) {
    const key = rawKey.replaceAll('_', '-');
    // The path of this very file (DM's `--config` flag also has a TOML twin): nothing to do.
    if (key === 'config-file') continue;
    const line = lineOf(text, rawKey);
    // DM reads nothing from log-rotate: its flag is commented out (dm/master/config.go:72) and
    // no code reads the field (:108). Accepted, with the coded warning that DM ignores it too.
    const ignored =
      key === 'log-rotate'
        ? LOG_ROTATE_IGNORED
        : CLUSTER_TLS_CONTENT_KEYS.has(key)
          ? TLS_CONTENT_IGNORED
          : undefined;
    if (ignored !== undefined) {
      emitConfigWarning({
        def: E.configIgnoredByDm,
        file,
        line,
        key: rawKey,
        message: `accepted without effect: ${ignored}`,
      });
      continue;
    }
    // DM: `openapi` (bool); `[experimental] openapi = true` is the GA key's former place
    // (dm/master/config.go:340-343); its `false` changes nothing there either.
    if (key === 'openapi' || key === 'experimental') {
      const v = key === 'openapi' ? value : (value as Record<string, unknown> | null)?.openapi;
      const others =
        key === 'experimental' && typeof value === 'object' && value !== null
          ? Object.keys(value).filter((k) => k !== 'openapi')
          : [];
      // An empty `[experimental]` table (what DM's `config master` prints) sets nothing.
      if (key === 'experimental' && v === undefined && others.length === 0) continue;
      if (typeof v !== 'boolean' || others.length > 0)
        throw dmError(
          E.configWrongType,
          `${file}:${line}: ${others.length > 0 ? `experimental.${others[0]}: unknown key` : `${rawKey}: expected true or false`}`,
          { context: { file, key: rawKey, line } },
        );
      if (key === 'openapi') out.openapi = String(v);
      // DM sets OpenAPI = true from it whatever `openapi` says (dm/master/config.go:340)
      else if (v) out.openapi = 'true';
      continue;
    }
    if (key === 'log-format' && !(LOG_FORMATS as readonly unknown[]).includes(value)) {
      throw dmError(
        E.configInvalidValue,
        `${file}:${line}: log-format: must be "json" or "text", got ${JSON.stringify(value)}`,
        { context: { file, key: rawKey, line } },
      );
    }
    const refused = REFUSED_KEYS.get(key);
    if (refused !== undefined) {
      if (refused.accept?.(value)) continue;
      throw dmError(
        E.configInvalidValue,
        `${file}:${line}: ${rawKey} = ${JSON.stringify(value)}: not supported: ${refused.why}`,
        { context: { file, key: rawKey, line } },
      );
    }
    const etcd = ETCD_KEYS[key];
    if (etcd !== undefined) {
      const ok =
        etcd.kind === 'uint'
          ? typeof value === 'number' && Number.isInteger(value) && value >= 0
          : typeof value === 'string' || typeof value === 'number';
      if (!ok)
        throw dmError(
          E.configWrongType,
          `${file}:${line}: ${rawKey}: expected ${etcd.kind === 'uint' ? 'a non-negative integer' : 'a string'}`,
          { context: { file, key: rawKey, line } },
        );
      out[key as MasterOptionKey] = value as string | number;
      continue;
    }
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      throw dmError(E.configUnknownKey, `${file}:${line}: unknown key "${rawKey}"`, {
        context: { file, key: rawKey, line },
      });
    }
    // DM's `cert-allowed-cn = ["dm"]` (a TOML array of strings).
    if (key === 'cert-allowed-cn' && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      out[key] = value.join(',');
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw dmError(E.configWrongType, `${file}:${line}: ${rawKey}: expected string or number`, {
        context: { file, key: rawKey, line },
      });
    }
    out[key as MasterOptionKey] = value;
  }
  return out;
}

/** 1-based line where `key =` (or `[key]`) first appears (0 when not found). */
function lineOf(text: string, key: string): number {
  const k = key.replace(/[-]/g, '\\-');
  // `key = …` or a table header `[key]`.
  const re = new RegExp(`^\\s*(?:["']?${k}["']?\\s*=|\\[\\s*${k}\\s*\\])`);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (re.test(lines[i] ?? '')) return i + 1;
  return 0;
}

/** Split `host:port` (host may be empty, as in DM's `:8261`). */
export function splitHostPort(addr: string): { host: string; port: number } {
  const s = addr.replace(/^https?:\/\//, '');
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw dmError(E.configInvalidValue, `invalid address "${addr}": expected host:port`);
  }
  return { host: s.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

/**
 * DM's `utils.WrapSchemes(s, https)`: without TLS a URL written without a scheme
 * (`127.0.0.1:8291`, `localhost:8291`) gets `http://`; with TLS every URL gets `https://`
 * (DM replaces the scheme written, so `http://` in a TLS cluster's config becomes
 * `https://`). Applied to every URL list before it is read.
 */
export function wrapSchemes(urls: string, https = false): string {
  return urls
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '')
    .map((u) => (https ? wrapScheme(u, true) : /^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : `http://${u}`))
    .join(',');
}

/** `name=url,…` with each URL's scheme wrapped (DM wraps initial-cluster the same way). */
function wrapInitialCluster(list: string, https: boolean): string {
  return list
    .split(',')
    .map((kv) => {
      const i = kv.indexOf('=');
      return i < 0 ? kv : `${kv.slice(0, i)}=${wrapSchemes(kv.slice(i + 1), https)}`;
    })
    .join(',');
}

function firstUrl(urls: string): URL {
  const first = urls.split(',')[0]?.trim() ?? '';
  try {
    return new URL(first);
  } catch (err) {
    throw dmError(E.configInvalidValue, `invalid URL "${first}"`, { cause: err });
  }
}

function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::';
}

/**
 * Merge the config file (lower precedence) and flags (higher) and fill defaults.
 * Conflicting or malformed values raise E.configInvalidValue.
 */
export function resolveMasterOptions(flags: RawMasterOptions, file: RawMasterOptions = {}): MasterOptions {
  const get = (k: MasterOptionKey): string | undefined => {
    const v = flags[k] ?? file[k];
    return v === undefined || v === '' ? undefined : String(v);
  };
  const name = get('name') ?? `dm-master-${hostname()}`;
  const tls = clusterTlsPathsOf(get, 'dm-master');
  const https = tls.sslCa !== '';
  const masterAddr = get('master-addr') ?? '127.0.0.1:8261';
  const ma = splitHostPort(masterAddr);
  let advertiseAddr = get('advertise-addr') ?? masterAddr;
  const aa = splitHostPort(advertiseAddr);
  if (isWildcard(aa.host)) advertiseAddr = `127.0.0.1:${aa.port}`;
  const peerUrls = wrapSchemes(get('peer-urls') ?? '127.0.0.1:8291', https);
  let advertisePeerUrls = wrapSchemes(get('advertise-peer-urls') ?? peerUrls, https);
  const ap = firstUrl(advertisePeerUrls);
  if (isWildcard(ap.hostname)) advertisePeerUrls = `${ap.protocol}//127.0.0.1:${ap.port}`;
  const pu = firstUrl(peerUrls);
  const ecu = get('etcd-client-urls');
  const etcdClientUrls =
    ecu !== undefined
      ? wrapSchemes(ecu, https)
      : `${pu.protocol}//${pu.hostname}:${Number(pu.port || 80) + 1}`;
  const join = (get('join') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const etcdEndpoints = (get('etcd-endpoints') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => wrapSchemes(s, https));
  const logFormat = get('log-format') ?? 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(logFormat)) {
    throw dmError(E.configInvalidValue, `log-format must be "json" or "text", got "${logFormat}"`, {
      context: { key: 'log-format' },
    });
  }
  const ics = get('initial-cluster-state') ?? 'new';
  if (ics !== 'new' && ics !== 'existing') {
    throw dmError(
      E.configInvalidValue,
      `initial-cluster-state must be "new" or "existing", got ${JSON.stringify(ics)}`,
      { context: { key: 'initial-cluster-state' } },
    );
  }
  const electionTtl = Number(get('election-ttl') ?? 10);
  if (!Number.isInteger(electionTtl) || electionTtl < 1) {
    throw dmError(
      E.configInvalidValue,
      `election-ttl must be a positive integer (seconds), got ${electionTtl}`,
    );
  }
  if (ma.port === firstUrlPort(peerUrls) && isLocal(ma.host, pu.hostname)) {
    throw dmError(
      E.configInvalidValue,
      `master-addr ${masterAddr} and peer-urls ${peerUrls} use the same port`,
    );
  }
  return Object.freeze({
    name,
    masterAddr,
    advertiseAddr,
    peerUrls,
    advertisePeerUrls,
    initialCluster: wrapInitialCluster(get('initial-cluster') ?? `${name}=${advertisePeerUrls}`, https),
    join,
    dataDir: get('data-dir') ?? `default.${name}`,
    logFile: get('log-file') ?? '',
    logLevel: get('log-level') ?? 'info',
    logFormat: logFormat as LogFormat,
    etcdBin: get('etcd-bin') ?? 'etcd',
    etcdClientUrls,
    etcdEndpoints,
    electionTtl,
    secretKeyPath: get('secret-key-path') ?? '',
    tls,
    initialClusterState: ics,
    openapi: get('openapi') !== 'false',
    etcdFlags: Object.freeze(
      Object.entries(ETCD_KEYS).flatMap(([k, { flag }]) => {
        const v = get(k as MasterOptionKey);
        return v === undefined ? [] : [`${flag}=${v}`];
      }),
    ),
  });
}

function firstUrlPort(urls: string): number {
  const u = firstUrl(urls);
  return Number(u.port || 80);
}

function isLocal(a: string, b: string): boolean {
  return a === b || isWildcard(a) || isWildcard(b);
}
