import type { Connection } from '../../pkg/db/connect.js';
import { dmError, E } from '../../pkg/errors/index.js';
import type { Logger } from '../../pkg/log/logger.js';
import { loadTableStructure } from '../../pkg/schema/load-structure.js';
import type { SchemaTracker } from '../../pkg/schema/schema-tracker.js';
import { renamed } from '../../pkg/schema/table-structure.js';
import { splitStatements } from '../../pkg/sql/sql-tokens.js';
import type { EventFilters } from '../event-filters.js';
import { formatLocation, type Location } from '../job.js';
import type { ShardDdlStep } from '../shard/pessimist-step.js';
import { analyseDdl, type DdlInfo, rewriteNames, splitPerTable } from './ddl-info.js';
import type { DdlSession } from './ddl-session.js';
import {
  alterForReal,
  classifyDdl,
  type OnlineDdlAction,
  type OnlineDdlRules,
  type OnlineDdlStore,
} from './online-ddl.js';

/** DDL errors that mean "already applied" when a DDL is replayed after a crash. */
const DDL_IDEMPOTENT_ERRNOS = new Set([1007, 1008, 1050, 1051, 1054, 1060, 1061, 1068, 1091, 1146, 1176]);

/** What the DDL executor needs from the sync unit (pipeline and control connection). */
export interface DdlHost {
  /** Apply (and account) every change dispatched so far; throws an applier's error. */
  drain(): Promise<void>;
  /** Persist the exit-safe point at or past `end` before the downstream changes. */
  ensureHorizon(end: Location): Promise<void>;
  /** A statement on the control connection (retried across downstream restarts). */
  ctlQuery(sql: string, params?: unknown[]): Promise<unknown>;
  /** A DDL on the control connection, run in the upstream session `session` (see ddl-session.ts). */
  ddlQuery(sql: string, session: DdlSession | undefined): Promise<unknown>;
  /** The control connection (to read downstream structures). */
  control(): Connection;
  /** True when `end` lies before the exit-safe point of the last run (a replay). */
  isReplay(end: Location): boolean;
  /** The DDL at `end` is done: move the applied position there and save the checkpoint. */
  done(end: Location): Promise<void>;
}

/** Options of {@link DdlExecutor}. */
export interface DdlExecutorOptions {
  filters: EventFilters;
  tracker: SchemaTracker;
  host: DdlHost;
  logger: Logger;
  /** Online DDL (gh-ost / pt-osc) handling, when `online-ddl` is on. */
  onlineDdl?: { rules: OnlineDdlRules; store: OnlineDdlStore };
  /**
   * Sharded merge (`shard-mode`): every replicated DDL goes through this step first; it
   * coordinates the DDL with the other shards and executes it (or not) itself.
   */
  shard?: ShardDdlStep;
}

/**
 * Replicates the statements of a QUERY event (other than BEGIN/COMMIT): splits them per
 * table, applies the built-in skip rules and filters, routes names, executes downstream
 * after draining every earlier change, and keeps the schema tracker following the upstream.
 */
export class DdlExecutor {
  constructor(private readonly o: DdlExecutorOptions) {}

  /** The per-table DDL statements of one QUERY event. */
  static analyse(schema: string, query: string): DdlInfo[] {
    const infos: DdlInfo[] = [];
    for (const stmt of splitStatements(query)) infos.push(...splitPerTable(analyseDdl(stmt, schema)));
    return infos;
  }

  /**
   * Handle every statement of a QUERY event at `at` (ending at `end`). `skip` (`dmctl binlog
   * skip` for this event): nothing is executed downstream, the tracker still follows the
   * statements and the checkpoint moves past them. `session`: the upstream session of the
   * event (its time and zone), in which every statement executed downstream runs.
   */
  async handleQuery(
    schema: string,
    query: string,
    at: Location,
    end: Location,
    opts: { skip?: boolean; session?: DdlSession } = {},
  ): Promise<void> {
    for (const info of DdlExecutor.analyse(schema, query)) {
      if (info.kind === 'skip') {
        this.o.logger.info({ sql: info.sql, at: formatLocation(at) }, 'skip statement (built-in rule)');
        continue;
      }
      if (info.kind === 'unsupported') {
        throw dmError(
          E.syncDdlUnsupported,
          `unsupported statement in binlog at ${formatLocation(at)}: ${info.sql}`,
          {
            context: { binlogPosition: formatLocation(at), sql: info.sql },
          },
        );
      }
      await this.handleDdl(info, schema, at, end, opts.skip === true, opts.session);
    }
  }

  /** One per-table DDL statement (`skip`, `session`: see handleQuery). */
  async handleDdl(
    info: DdlInfo,
    schema: string,
    at: Location,
    end: Location,
    skip = false,
    session?: DdlSession,
  ): Promise<void> {
    const { host, filters, tracker } = this.o;
    const log = this.o.logger;
    const od: OnlineDdlAction = this.o.onlineDdl
      ? classifyDdl(this.o.onlineDdl.rules, info)
      : { action: 'none' };
    let execute = od.action === 'none' && filters.allowDdl(info);
    // Every change before the DDL must be applied (and saved) before the structure changes.
    await host.drain();
    if (skip) execute = false;
    // A skipped statement (dmctl binlog skip) is not recorded nor cut over either.
    else if (od.action !== 'none') await this.onlineDdl(od, info, at, end, session);
    const sql = rewriteNames(info, (s, t) => filters.route(s, t));
    let afterDone: (() => Promise<void>) | undefined;
    let coordinated = false;
    if (execute && this.o.shard) {
      const r = await this.o.shard.ddl({
        info,
        schema,
        sql,
        at,
        end,
        exec: (s) => this.execute(s, at, end, session),
      });
      afterDone = r.afterDone;
      coordinated = r.handled;
    }
    if (execute && !coordinated) await this.execute(sql, at, end, session);
    else if (od.action === 'none' && !coordinated)
      log.info({ sql: info.sql, at: formatLocation(at) }, 'DDL filtered out');
    // The tracker follows the upstream even for filtered DDLs (later rows have that shape).
    const r = tracker.applyDdl(info.sql, schema);
    if (r.kind === 'unparsed') {
      if (!execute || coordinated) {
        for (const ref of info.refs) if (ref.table) tracker.drop(ref.schema, ref.table);
      } else {
        log.info(
          { sql: info.sql },
          'DDL not understood by the parser: re-reading the tables from the downstream',
        );
        for (const ref of info.refs) {
          if (!ref.table) continue;
          const tgt = filters.route(ref.schema, ref.table);
          const d = await loadTableStructure(host.control(), tgt.schema, tgt.table);
          if (d) tracker.put(renamed(d, ref.schema, ref.table));
          else tracker.drop(ref.schema, ref.table);
        }
      }
    }
    await host.done(end);
    // The shard lock's etcd part is finished only once the checkpoint is past the DDL.
    if (afterDone) await afterDone();
  }

  /** Execute one DDL downstream (tolerating "already done" errors when replaying after a crash). */
  private async execute(sql: string, at: Location, end: Location, session?: DdlSession): Promise<void> {
    const { host } = this.o;
    await host.ensureHorizon(end);
    this.o.logger.info({ sql, at: formatLocation(at) }, 'execute DDL');
    try {
      await host.ddlQuery(sql, session);
    } catch (err) {
      const errno = (err as { errno?: number }).errno;
      if (!(host.isReplay(end) && errno !== undefined && DDL_IDEMPOTENT_ERRNOS.has(errno))) {
        throw dmError(
          E.dbExecDownstream,
          `execute DDL failed at ${formatLocation(at)}: ${(err as Error).message}`,
          {
            cause: err,
            context: { binlogPosition: formatLocation(at), sql },
          },
        );
      }
      this.o.logger.warn({ sql, errno }, 'DDL already applied before the restart; continuing');
    }
  }

  /**
   * A ghost/trash table's DDL (gh-ost, pt-osc): never replicated as such. ALTERs of the ghost
   * table are recorded; at the cut-over RENAME they are applied to the real table.
   */
  private async onlineDdl(
    od: OnlineDdlAction,
    info: DdlInfo,
    at: Location,
    end: Location,
    session?: DdlSession,
  ): Promise<void> {
    const online = this.o.onlineDdl;
    if (!online || od.action === 'none') return;
    const q = (sql: string, params?: unknown[]): Promise<unknown> => this.o.host.ctlQuery(sql, params);
    const log = this.o.logger;
    if (od.action === 'skip') {
      log.info(
        { sql: info.sql, at: formatLocation(at) },
        'online DDL: ghost/trash table statement not replicated',
      );
      return;
    }
    if (od.action === 'record') {
      log.info({ sql: info.sql, at: formatLocation(at) }, 'online DDL: ghost table ALTER recorded');
      await online.store.record(q, od.ghost, info.sql);
      return;
    }
    for (const ghostSql of await online.store.recorded(q, od.ghost)) {
      for (const alter of DdlExecutor.analyse(od.ghost.schema, ghostSql)) {
        if (alter.kind !== 'ddl') continue;
        const realSql = alterForReal(alter, od.ghost, od.real);
        const [real] = DdlExecutor.analyse(od.real.schema, realSql);
        if (real?.kind !== 'ddl' || !this.o.filters.allowDdl(real)) continue;
        await this.execute(
          rewriteNames(real, (s, t) => this.o.filters.route(s, t)),
          at,
          end,
          session,
        );
      }
    }
    await online.store.clear(q, od.ghost);
  }
}
