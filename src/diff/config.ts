import { parse as parseToml } from 'smol-toml';
import type { DbConfig, RouteRule } from '../pkg/config/types.js';
import { dmError, E } from '../pkg/errors/index.js';

/**
 * sync-diff-inspector's own TOML (pingcap/tiflow `sync_diff_inspector/config/config.go`), so a
 * DM user's diff config runs unchanged. Unknown keys are errors naming the key path.
 */
export interface DataSource {
  readonly name: string;
  readonly db: DbConfig;
  /** Names of `[routes.*]` applied to this source's tables, in order. */
  readonly routeRules: readonly string[];
}

export interface TableConfig {
  readonly name: string;
  /** Target-table patterns (`schema.table` with `*`/`?`) this config applies to. */
  readonly targetTables: readonly string[];
  /** Extra WHERE condition applied on every side (`range`). */
  readonly range: string;
  /** Columns to split chunks on instead of the primary/unique key. */
  readonly indexFields: readonly string[];
  readonly ignoreColumns: readonly string[];
  /** Rows per chunk; 0 = default. */
  readonly chunkSize: number;
}

export interface DiffConfig {
  /** Chunks compared at once (and connections per data source). Default 4. */
  readonly checkThreadCount: number;
  /** Compare rows inside differing chunks and write fix SQL. Default true. */
  readonly exportFixSql: boolean;
  readonly checkStructOnly: boolean;
  readonly checkDataOnly: boolean;
  /**
   * `use-table-checksum` (ours; the tool has no such key): decide a one-source table of equal
   * structure by CHECKSUM TABLE on both sides first, chunks only when it differs (see
   * table-checksum.ts). Default true. False: always compare chunks, which spreads each table
   * over check-thread-count queries per server — faster when the servers have idle cores.
   */
  readonly useTableChecksum: boolean;
  readonly dataSources: ReadonlyMap<string, DataSource>;
  readonly routes: ReadonlyMap<string, RouteRule>;
  readonly outputDir: string;
  readonly sourceInstances: readonly string[];
  readonly targetInstance: string;
  readonly targetCheckTables: readonly string[];
  readonly tableConfigs: readonly TableConfig[];
}

/** Rows per chunk when a table config sets none (sync-diff-inspector picks ~this for MySQL). */
export const DEFAULT_CHUNK_SIZE = 50_000;

type Obj = Record<string, unknown>;

function fail(msg: string): never {
  throw dmError(E.diffConfig, msg);
}

function obj(v: unknown, path: string): Obj {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${path} must be a table`);
  return v as Obj;
}

function only(o: Obj, path: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) fail(`unknown key ${path ? `${path}.` : ''}${k}`);
  }
}

function str(o: Obj, k: string, path: string, dflt = ''): string {
  const v = o[k];
  if (v === undefined) return dflt;
  if (typeof v !== 'string') fail(`${path}.${k} must be a string`);
  return v;
}

function int(o: Obj, k: string, path: string, dflt: number): number {
  const v = o[k];
  if (v === undefined) return dflt;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    fail(`${path}.${k} must be a non-negative integer`);
  }
  return n;
}

function bool(o: Obj, k: string, path: string, dflt: boolean): boolean {
  const v = o[k];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(`${path}.${k} must be true or false`);
  return v;
}

function strs(o: Obj, k: string, path: string): string[] {
  const v = o[k];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    fail(`${path}.${k} must be an array of strings`);
  }
  return v as string[];
}

function dataSource(name: string, raw: unknown): DataSource {
  const path = `data-sources.${name}`;
  const o = obj(raw, path);
  only(o, path, [
    'host',
    'port',
    'user',
    'password',
    'route-rules',
    'security',
    'session',
    'snapshot',
    'sql-mode',
  ]);
  const sec = obj(o.security, `${path}.security`);
  only(sec, `${path}.security`, ['ca-path', 'cert-path', 'key-path', 'cert-allowed-cn']);
  const session: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(obj(o.session, `${path}.session`))) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') {
      fail(`${path}.session.${k} must be a string or number`);
    }
    session[k] = typeof v === 'bigint' ? Number(v) : v;
  }
  const ca = str(sec, 'ca-path', `${path}.security`);
  const db: DbConfig = {
    host: str(o, 'host', path, '127.0.0.1'),
    port: int(o, 'port', path, 3306),
    user: str(o, 'user', path, 'root'),
    password: str(o, 'password', path),
    session,
    ...(ca
      ? {
          security: {
            sslCa: ca,
            sslCert: str(sec, 'cert-path', `${path}.security`) || undefined,
            sslKey: str(sec, 'key-path', `${path}.security`) || undefined,
          },
        }
      : {}),
  };
  return { name, db, routeRules: strs(o, 'route-rules', path) };
}

function route(name: string, raw: unknown): RouteRule {
  const path = `routes.${name}`;
  const o = obj(raw, path);
  only(o, path, ['schema-pattern', 'table-pattern', 'target-schema', 'target-table']);
  const schemaPattern = str(o, 'schema-pattern', path);
  if (!schemaPattern) fail(`${path}.schema-pattern is required`);
  return {
    schemaPattern,
    tablePattern: str(o, 'table-pattern', path),
    targetSchema: str(o, 'target-schema', path),
    targetTable: str(o, 'target-table', path),
  };
}

function tableConfig(name: string, raw: unknown): TableConfig {
  const path = `table-configs.${name}`;
  const o = obj(raw, path);
  only(o, path, ['target-tables', 'range', 'index-fields', 'ignore-columns', 'chunk-size', 'collation']);
  return {
    name,
    targetTables: strs(o, 'target-tables', path),
    range: str(o, 'range', path),
    indexFields: strs(o, 'index-fields', path).filter((f) => f !== ''),
    ignoreColumns: strs(o, 'ignore-columns', path).filter((f) => f !== ''),
    chunkSize: int(o, 'chunk-size', path, 0),
  };
}

/** Parse and check a sync-diff-inspector TOML text. Throws E.diffConfig. */
export function parseDiffConfig(text: string): DiffConfig {
  let root: Obj;
  try {
    root = parseToml(text) as Obj;
  } catch (err) {
    fail(`invalid TOML: ${(err as Error).message}`);
  }
  only(root, '', [
    'check-thread-count',
    'export-fix-sql',
    'check-struct-only',
    'check-data-only',
    'skip-non-existing-table',
    'use-table-checksum',
    'data-sources',
    'routes',
    'task',
    'table-configs',
  ]);
  const dataSources = new Map<string, DataSource>();
  for (const [n, v] of Object.entries(obj(root['data-sources'], 'data-sources'))) {
    dataSources.set(n, dataSource(n, v));
  }
  const routes = new Map<string, RouteRule>();
  for (const [n, v] of Object.entries(obj(root.routes, 'routes'))) routes.set(n, route(n, v));
  const allConfigs = new Map<string, TableConfig>();
  for (const [n, v] of Object.entries(obj(root['table-configs'], 'table-configs'))) {
    allConfigs.set(n, tableConfig(n, v));
  }
  const task = obj(root.task, 'task');
  only(task, 'task', [
    'output-dir',
    'source-instances',
    'target-instance',
    'target-check-tables',
    'target-configs',
  ]);
  const outputDir = str(task, 'output-dir', 'task');
  if (!outputDir) fail('task.output-dir is required');
  const sourceInstances = strs(task, 'source-instances', 'task');
  if (sourceInstances.length === 0) fail('task.source-instances must name at least one data source');
  const targetInstance = str(task, 'target-instance', 'task');
  if (!targetInstance) fail('task.target-instance is required');
  for (const n of [...sourceInstances, targetInstance]) {
    if (!dataSources.has(n)) fail(`data source ${n} named in [task] is not defined in [data-sources]`);
  }
  for (const s of dataSources.values()) {
    for (const r of s.routeRules) {
      if (!routes.has(r)) fail(`data-sources.${s.name}.route-rules names undefined route ${r}`);
    }
  }
  const targetCheckTables = strs(task, 'target-check-tables', 'task');
  if (targetCheckTables.length === 0) fail('task.target-check-tables must not be empty');
  const tableConfigs: TableConfig[] = [];
  for (const n of strs(task, 'target-configs', 'task')) {
    const c = allConfigs.get(n);
    if (!c) fail(`task.target-configs names undefined table config ${n}`);
    tableConfigs.push(c);
  }
  return Object.freeze({
    checkThreadCount: Math.max(1, int(root, 'check-thread-count', '', 4)),
    exportFixSql: bool(root, 'export-fix-sql', '', true),
    checkStructOnly: bool(root, 'check-struct-only', '', false),
    checkDataOnly: bool(root, 'check-data-only', '', false),
    useTableChecksum: bool(root, 'use-table-checksum', '', true),
    dataSources,
    routes,
    outputDir,
    sourceInstances,
    targetInstance,
    targetCheckTables,
    tableConfigs,
  });
}
