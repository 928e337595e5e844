/**
 * `check-task` prechecks against the real upstream(s) and downstream, DM's items where they
 * apply to the task mode: full/dump need the dump items, incremental needs the binlog and
 * replication items, `all` needs both. Each upstream is checked once even when several
 * subtasks share it. A connection failure is one failed item with the cause (short connect
 * timeout, never a hang); the items that need that connection are then not run.
 */
import type mysql from 'mysql2/promise';
import type { CheckReport, CheckResult, CheckState, PrecheckOptions } from '../pkg/api/check-report.js';
import { type CheckingItem, isCheckingItem } from '../pkg/config/checking-items.js';
import type { SubTaskConfig } from '../pkg/config/types.js';
import { BlockAllowList } from '../pkg/filter/block-allow-list.js';
import { addr, groupByServer, rows, withConnection } from './db.js';
import { type Grants, hasGlobal, hasOnSchema, parseGrants, REPL_CLIENT, REPL_SLAVE } from './grants.js';
import { shardTableChecks } from './shard-checks.js';

type Outcome = { state: CheckState; errors?: string[]; instruction?: string };
type Draft = Omit<CheckResult, 'id'>;

const NAMES: Record<string, { name: string; desc: string }> = {
  source_connection: {
    name: 'source db connection',
    desc: 'check whether the source database can be connected',
  },
  target_connection: {
    name: 'target db connection',
    desc: 'check whether the target database can be connected',
  },
  dump_privilege: { name: 'source db dump privilege checker', desc: 'check dump privileges of source DB' },
  replication_privilege: {
    name: 'source db replication privilege checker',
    desc: 'check replication privileges of source DB',
  },
  version: { name: 'mysql_version', desc: 'check whether mysql/mariadb version is satisfied' },
  server_id: { name: 'mysql_server_id', desc: 'check whether mysql server_id has been greater than 0' },
  binlog_enable: { name: 'mysql_binlog_enable', desc: 'check whether mysql binlog is enabled' },
  binlog_format: { name: 'mysql_binlog_format', desc: 'check whether mysql binlog_format is ROW' },
  binlog_row_image: { name: 'mysql_binlog_row_image', desc: 'check whether mysql binlog_row_image is FULL' },
  table_schema: {
    name: 'table structure compatibility check',
    desc: 'check compatibility of table structure',
  },
  meta_position: { name: 'meta position check', desc: 'check whether meta position is valid for db' },
  conn_number: {
    name: 'source db max_connections checker',
    desc: 'check if connection concurrency exceeds database max connections',
  },
  target_privilege: { name: 'target db privilege checker', desc: 'check privileges of target DB' },
};

function needsDump(mode: SubTaskConfig['taskMode']): boolean {
  return mode === 'all' || mode === 'full' || mode === 'dump';
}
function needsBinlog(mode: SubTaskConfig['taskMode']): boolean {
  return mode === 'all' || mode === 'incremental';
}
function needsTarget(mode: SubTaskConfig['taskMode']): boolean {
  return mode !== 'dump';
}

async function variable(c: mysql.Connection, name: string): Promise<string | undefined> {
  const r = await rows<{ Value: string }>(c, 'SHOW GLOBAL VARIABLES LIKE ?', [name]);
  return r[0]?.Value;
}

async function grantsOf(c: mysql.Connection): Promise<Grants> {
  const r = await rows<Record<string, string>>(c, 'SHOW GRANTS FOR CURRENT_USER()');
  return parseGrants(r.map((row) => String(Object.values(row)[0] ?? '')));
}

/** Run the prechecks for a task's subtasks. */
export async function runPrechecks(
  subtasks: SubTaskConfig[],
  opts: PrecheckOptions = {},
): Promise<CheckReport> {
  const timeout = opts.connectTimeoutMs ?? 5000;
  // Upstreams, downstreams and shard groups are checked concurrently (each round trip waits on
  // a server, not on us); every part fills its own list so the report keeps a stable order.
  const parts: Draft[][] = [];
  const pusher =
    (drafts: Draft[]) =>
    (item: string, extra: string, o: Outcome): void => {
      const meta = NAMES[item] ?? { name: item, desc: item };
      const sev = o.state === 'warn' ? 'warn' : 'fail';
      drafts.push({
        name: meta.name,
        desc: meta.desc,
        state: o.state,
        ...(o.errors && o.errors.length > 0
          ? { errors: o.errors.map((e) => ({ severity: sev, short_error: e })) }
          : {}),
        instruction: o.state === 'success' ? '' : (o.instruction ?? ''),
        extra,
        item,
      });
    };

  const ignoredBy = (sub: SubTaskConfig): Set<string> =>
    new Set([...(opts.ignore ?? []), ...sub.ignoreCheckingItems]);

  // Upstream: group subtasks by address so each server is checked once.
  const byUpstream = groupByServer(subtasks, (s) => s.from);
  const upstream = async (group: SubTaskConfig[], push: ReturnType<typeof pusher>): Promise<void> => {
    const first = group[0]!;
    const ignored = ignoredBy(first);
    if (ignored.has('all') || first.taskMode === 'load') return;
    const wants = (item: CheckingItem, pred: boolean) => pred && !ignored.has(item);
    const extra = `address of db instance - ${addr(first.from)}`;
    const instruction =
      'Check host, port, user and password in the source config, and that the server is reachable.';
    await withConnection(
      first.from,
      timeout,
      (errors) => push('source_connection', extra, { state: 'fail', errors, instruction }),
      (conn) => upstreamChecks(conn, group, wants, (item, o) => push(item, extra, o)),
    );
  };

  // Downstream: one check per target address.
  const byTarget = groupByServer(subtasks, (s) => s.to);
  const downstream = async (group: SubTaskConfig[], push: ReturnType<typeof pusher>): Promise<void> => {
    const first = group[0]!;
    const ignored = ignoredBy(first);
    if (ignored.has('all') || !needsTarget(first.taskMode)) return;
    const extra = `address of db instance - ${addr(first.to)}`;
    const instruction =
      'Check host, port, user and password of target-database in the task config, and that it is reachable.';
    const failed = (errors: string[]) =>
      push('target_connection', extra, { state: 'fail', errors, instruction });
    await withConnection(first.to, timeout, failed, async (conn) => {
      if (!ignored.has('target_privilege')) push('target_privilege', extra, await checkTargetPrivilege(conn));
      if (!ignored.has('conn_number')) {
        const need = group.reduce((n, s) => n + s.loader.poolSize + s.syncer.workerCount + 2, 0);
        push('conn_number', extra, await checkConnNumber(conn, need, 'target'));
      }
    });
  };

  // Sharding groups span every source: checked once for the task (DM's checker does too).
  const shards = async (drafts: Draft[]): Promise<void> => {
    const first = subtasks[0];
    if (!first) return;
    for (const g of await shardTableChecks(subtasks, ignoredBy(first), timeout)) {
      const { errors, ...rest } = g;
      drafts.push({ ...rest, ...(errors.length > 0 ? { errors } : {}), item: 'schema_of_shard_tables' });
    }
  };

  const part = (): Draft[] => {
    const d: Draft[] = [];
    parts.push(d);
    return d;
  };
  await Promise.all([
    ...[...byUpstream.values()].map((g) => upstream(g, pusher(part()))),
    ...[...byTarget.values()].map((g) => downstream(g, pusher(part()))),
    shards(part()),
  ]);
  const results = parts.flat().map((d, i) => ({ id: i + 1, ...d }));
  const failed = results.filter((r) => r.state === 'fail').length;
  const warning = results.filter((r) => r.state === 'warn').length;
  return {
    results,
    summary: {
      passed: failed === 0,
      total: results.length,
      successful: results.length - failed - warning,
      failed,
      warning,
    },
  };
}

/** Validate `ignore` names (for callers that take them from the command line). */
export function unknownCheckingItems(names: string[]): string[] {
  return names.filter((n) => !isCheckingItem(n));
}

async function upstreamChecks(
  conn: mysql.Connection,
  group: SubTaskConfig[],
  wants: (item: CheckingItem, pred: boolean) => boolean,
  push: (item: string, o: Outcome) => void,
): Promise<void> {
  const modes = group.map((s) => s.taskMode);
  const dump = modes.some(needsDump);
  const binlog = modes.some(needsBinlog);
  const run = async (item: CheckingItem, pred: boolean, fn: () => Promise<Outcome>) => {
    if (!wants(item, pred)) return;
    try {
      push(item, await fn());
    } catch (err) {
      push(item, { state: 'fail', errors: [(err as Error).message], instruction: 'Check the error above.' });
    }
  };
  const grants = await grantsOf(conn).catch(() => undefined);
  await run('version', true, () => checkVersion(conn));
  await run('dump_privilege', dump, async () => checkDumpPrivilege(grants, group));
  await run('replication_privilege', binlog, async () => checkReplicationPrivilege(grants));
  await run('server_id', binlog, async () => {
    const v = await variable(conn, 'server_id');
    return v && v !== '0'
      ? { state: 'success' }
      : {
          state: 'fail',
          errors: ['server_id is 0'],
          instruction: "please set server_id greater than 0: 'SET GLOBAL server_id = N' and in my.cnf",
        };
  });
  await run('binlog_enable', binlog, async () => {
    const v = (await variable(conn, 'log_bin'))?.toUpperCase();
    return v === 'ON' || v === '1'
      ? { state: 'success' }
      : {
          state: 'fail',
          errors: ['log_bin is OFF, and should be ON'],
          instruction: 'Enable the binlog: add log-bin to the server config (my.cnf) and restart it.',
        };
  });
  await run('binlog_format', binlog, async () => {
    const v = (await variable(conn, 'binlog_format'))?.toUpperCase() ?? '';
    return v === 'ROW'
      ? { state: 'success' }
      : {
          state: 'fail',
          errors: [`binlog_format is ${v || 'unknown'}, and should be ROW`],
          instruction:
            "please execute 'SET GLOBAL binlog_format=ROW;' (and set binlog_format=ROW in my.cnf so it survives a restart)",
        };
  });
  await run('binlog_row_image', binlog, async () => {
    const v = (await variable(conn, 'binlog_row_image'))?.toUpperCase();
    if (v === undefined || v === 'FULL') return { state: 'success' };
    return {
      state: 'fail',
      errors: [`binlog_row_image is ${v}, and should be FULL`],
      instruction: "please execute 'SET GLOBAL binlog_row_image = FULL;' (and in my.cnf)",
    };
  });
  await run(
    'meta_position',
    group.some((s) => s.taskMode === 'incremental' && s.meta?.binlogName),
    async () => {
      const logs = await rows<{ Log_name: string }>(conn, 'SHOW BINARY LOGS');
      const names = new Set(logs.map((l) => l.Log_name));
      const missing = group
        .filter((s) => s.taskMode === 'incremental' && s.meta?.binlogName && !names.has(s.meta.binlogName))
        .map((s) => `${s.sourceId}: binlog file ${s.meta!.binlogName} does not exist upstream (purged?)`);
      return missing.length === 0
        ? { state: 'success' }
        : {
            state: 'fail',
            errors: missing,
            instruction:
              'Set meta.binlog-name/binlog-pos to a binlog file listed by SHOW BINARY LOGS, or run task-mode all.',
          };
    },
  );
  await run('table_schema', dump, () => checkTableSchema(conn, group));
  await run('conn_number', dump, () =>
    checkConnNumber(
      conn,
      group.reduce((n, s) => n + s.mydumper.threads + 2, 0),
      'source',
    ),
  );
}

async function checkVersion(conn: mysql.Connection): Promise<Outcome> {
  const r = await rows<{ v: string }>(conn, 'SELECT VERSION() AS v');
  const v = r[0]?.v ?? '';
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  if (!m) return { state: 'warn', errors: [`cannot parse version "${v}"`], instruction: '' };
  const [maj, min] = [Number(m[1]), Number(m[2])];
  const maria = /mariadb/i.test(v);
  const at = (a: number, b: number) => maj > a || (maj === a && min >= b);
  if (maria) {
    return at(10, 1)
      ? { state: 'success' }
      : {
          state: 'fail',
          errors: [`version ${v} is lower than the minimum MariaDB 10.1.2`],
          instruction: 'Upgrade the upstream to MariaDB 10.1.2 or later.',
        };
  }
  if (!at(5, 6)) {
    return {
      state: 'fail',
      errors: [`version ${v} is lower than the minimum MySQL 5.6.0`],
      instruction: 'Upgrade the upstream to MySQL 5.6 or later.',
    };
  }
  if (maj > 8)
    return {
      state: 'warn',
      errors: [`version ${v} is newer than the tested MySQL 8.x`],
      instruction: 'Newer versions are expected to work; report problems.',
    };
  return { state: 'success' };
}

function checkDumpPrivilege(grants: Grants | undefined, group: SubTaskConfig[]): Outcome {
  if (!grants)
    return {
      state: 'warn',
      errors: ['cannot read SHOW GRANTS'],
      instruction: 'Make sure the user can run SHOW GRANTS.',
    };
  const lacks: string[] = [];
  const warns: string[] = [];
  if (!hasGlobal(grants, ['SELECT']) && grants.schemas.size === 0) lacks.push('SELECT');
  for (const s of group) {
    if (!needsDump(s.taskMode)) continue;
    const c = s.mydumper.consistency;
    if (c === 'flush' && !hasGlobal(grants, ['RELOAD']))
      lacks.push(`RELOAD (consistency flush of ${s.sourceId})`);
    if (c === 'lock' && !hasGlobal(grants, ['LOCK TABLES']))
      lacks.push(`LOCK TABLES (consistency lock of ${s.sourceId})`);
    if (c === 'auto' && !hasGlobal(grants, ['RELOAD'])) {
      if (hasGlobal(grants, ['LOCK TABLES']))
        warns.push('no RELOAD: consistency auto falls back to LOCK TABLES');
      else lacks.push('RELOAD or LOCK TABLES (consistency auto)');
    }
  }
  const uniq = [...new Set(lacks)];
  if (uniq.length > 0) {
    return {
      state: 'fail',
      errors: [`lack of privileges: ${uniq.join(', ')}`],
      instruction:
        "grant them, e.g. 'GRANT SELECT, RELOAD, LOCK TABLES ON *.* TO user'; on managed databases without RELOAD use consistency none or snapshot in mydumper extra-args",
    };
  }
  if (warns.length > 0)
    return { state: 'warn', errors: warns, instruction: 'Grant RELOAD for a lock-free consistent snapshot.' };
  return { state: 'success' };
}

function checkReplicationPrivilege(grants: Grants | undefined): Outcome {
  if (!grants)
    return {
      state: 'warn',
      errors: ['cannot read SHOW GRANTS'],
      instruction: 'Make sure the user can run SHOW GRANTS.',
    };
  const lacks: string[] = [];
  if (!hasGlobal(grants, REPL_SLAVE)) lacks.push('REPLICATION SLAVE');
  if (!hasGlobal(grants, REPL_CLIENT)) lacks.push('REPLICATION CLIENT (MariaDB 10.5+: BINLOG MONITOR)');
  return lacks.length === 0
    ? { state: 'success' }
    : {
        state: 'fail',
        errors: [`lack of privileges: ${lacks.join(', ')}`],
        instruction:
          "grant them: 'GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO user' (MariaDB 10.5+: REPLICATION SLAVE, BINLOG MONITOR)",
      };
}

async function checkTableSchema(conn: mysql.Connection, group: SubTaskConfig[]): Promise<Outcome> {
  const tables = await rows<{ s: string; t: string; keys: string | number }>(
    conn,
    `SELECT t.TABLE_SCHEMA AS s, t.TABLE_NAME AS t,
            (SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS c
              WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
                AND c.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE')) AS \`keys\`
       FROM information_schema.TABLES t
      WHERE t.TABLE_TYPE = 'BASE TABLE'
        AND t.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')`,
  );
  const filters = group.map(
    (s) =>
      new BlockAllowList(s.blockAllowList, { caseSensitive: s.caseSensitive, alwaysIgnore: [s.metaSchema] }),
  );
  const noKey = tables
    .filter((r) => Number(r.keys) === 0 && filters.some((f) => f.allowTable(r.s, r.t)))
    .map((r) => `\`${r.s}\`.\`${r.t}\``);
  if (noKey.length === 0) return { state: 'success' };
  const shown = noKey.slice(0, 20).join(', ') + (noKey.length > 20 ? `, … (${noKey.length} tables)` : '');
  return {
    state: 'warn',
    errors: [`table ${shown} has no primary key or unique key`],
    instruction:
      'Add a primary key or unique key: without one, replication of UPDATE/DELETE is slow and a replay after a crash can duplicate rows.',
  };
}

async function checkConnNumber(
  conn: mysql.Connection,
  need: number,
  side: 'source' | 'target',
): Promise<Outcome> {
  const max = Number((await variable(conn, 'max_connections')) ?? '0');
  if (max === 0 || max >= need) return { state: 'success' };
  return {
    state: 'fail',
    errors: [`max_connections ${max} of the ${side} is less than the ${need} connections the task needs`],
    instruction: `raise max_connections on the ${side}, or lower ${side === 'source' ? 'mydumper threads' : 'loader pool-size / syncer worker-count'}`,
  };
}

async function checkTargetPrivilege(conn: mysql.Connection): Promise<Outcome> {
  const grants = await grantsOf(conn);
  const needed = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'INDEX'];
  const lacks = needed.filter((p) => !hasGlobal(grants, [p]));
  // Schema-level grants may still cover the migrated schemas; warn rather than fail then.
  if (lacks.length === 0) return { state: 'success' };
  const anySchema = [...grants.schemas.keys()].some((db) => lacks.every((p) => hasOnSchema(grants, db, p)));
  return {
    state: anySchema ? 'warn' : 'fail',
    errors: [`lack of privileges on *.*: ${lacks.join(', ')}`],
    instruction: `grant them on the target: 'GRANT ${needed.join(', ')} ON *.* TO user'`,
  };
}
