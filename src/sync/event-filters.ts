import type { RowsEvent } from '../pkg/binlog/types.js';
import type { SubTaskConfig } from '../pkg/config/types.js';
import { type DmError, dmError, E } from '../pkg/errors/index.js';
import { BinlogEventFilter } from '../pkg/filter/binlog-event-filter.js';
import { BlockAllowList } from '../pkg/filter/block-allow-list.js';
import { ddlFilterEvent } from '../pkg/filter/ddl-event-type.js';
import { ExpressionFilter } from '../pkg/filter/expression-filter.js';
import { type ExtendColumns, TableRouter } from '../pkg/router/table-router.js';
import { TableMap } from '../pkg/schema/table-map.js';
import type { DdlInfo } from './ddl/ddl-info.js';
import { classifyTable, type OnlineDdlRules, onlineDdlRules } from './ddl/online-ddl.js';
import type { RowChange, TableName } from './job.js';

const DML_NAMES = ['insert', 'update', 'delete'] as const;

/** DM's ErrSyncerUnitBinlogEventFilter: "event %s on %v". */
function filterError(event: string, schema: string, table: string): DmError {
  return dmError(
    E.syncEventFilterError,
    `binlog event filter: action Error matched event ${event} on \`${schema}\`.\`${table}\``,
    { context: { event, schema, table } },
  );
}

/**
 * Everything that decides whether (and where) an upstream event is replicated: the
 * block-allow list, binlog event filters, expression filters and table routes of a subtask.
 * Pure: no I/O.
 */
export class EventFilters {
  readonly bal: BlockAllowList;
  readonly router: TableRouter;
  private readonly eventFilter: BinlogEventFilter;
  private readonly exprFilter: ExpressionFilter;
  private readonly online: OnlineDdlRules | undefined;
  private readonly sourceId: string;

  constructor(cfg: SubTaskConfig) {
    this.sourceId = cfg.sourceId;
    const cs = { caseSensitive: cfg.caseSensitive };
    this.bal = new BlockAllowList(cfg.blockAllowList, { ...cs, alwaysIgnore: [cfg.metaSchema] });
    this.router = new TableRouter(cfg.routes, cs);
    this.eventFilter = new BinlogEventFilter(cfg.filters, cs);
    this.exprFilter = new ExpressionFilter(cfg.expressionFilters, { ...cs, timeZone: cfg.timezone });
    this.online = cfg.onlineDdl ? onlineDdlRules(cfg) : undefined;
  }

  /** Extended columns (route extraction) a source table's rows fill downstream, if any. */
  extendColumns(schema: string, table: string): ExtendColumns | undefined {
    return this.router.extendColumns(schema, table, this.sourceId);
  }

  /** True when the table is replicated at all (block-allow list). */
  allowTable(schema: string, table: string): boolean {
    return this.bal.allowTable(schema, table);
  }

  /**
   * True when the rows of this ROWS event pass the block-allow list and event filters; a
   * filter rule with `action: Error` matching them throws E.syncEventFilterError.
   */
  allowRows(ev: RowsEvent): boolean {
    const kind = ev.type === 'write_rows' ? 0 : ev.type === 'update_rows' ? 1 : 2;
    // The answer depends on (schema, table, kind) only, and the rules never change: remember
    // it per table (a ROWS event's names are the same string objects its table map gave).
    let d = this.rowsDecisions.get(ev.schema, ev.table);
    if (!d) {
      d = [
        this.decideRows(ev.schema, ev.table, 'insert'),
        this.decideRows(ev.schema, ev.table, 'update'),
        this.decideRows(ev.schema, ev.table, 'delete'),
      ];
      this.rowsDecisions.set(ev.schema, ev.table, d);
    }
    const decision = d[kind] as boolean | 'Error';
    if (decision === 'Error') throw filterError(DML_NAMES[kind]!, ev.schema, ev.table);
    return decision;
  }

  private readonly rowsDecisions = new TableMap<(boolean | 'Error')[]>({ schemas: 10_000, tables: 100_000 });

  private decideRows(
    schema: string,
    table: string,
    dmEvent: 'insert' | 'update' | 'delete',
  ): boolean | 'Error' {
    // Online DDL: the ghost table's copy and the tool's bookkeeping tables are not replicated.
    if (this.online && classifyTable(this.online, table).kind !== 'real') return false;
    if (!this.bal.allowTable(schema, table)) return false;
    const action = this.eventFilter.filter(schema, table, dmEvent);
    return action === 'Error' ? 'Error' : action === 'Do';
  }

  /** True when expression filters apply to the table (only then does skipChange look at rows). */
  hasExpressionRules(schema: string, table: string): boolean {
    return this.exprFilter.hasRules(schema, table);
  }

  /** True when an expression filter drops this row change. `names`: the tracked column names. */
  skipChange(schema: string, table: string, names: string[], change: RowChange): boolean {
    if (!this.exprFilter.hasRules(schema, table)) return false;
    if (change.type === 'insert') return this.exprFilter.skipInsert(schema, table, names, change.after ?? []);
    if (change.type === 'delete')
      return this.exprFilter.skipDelete(schema, table, names, change.before ?? []);
    return this.exprFilter.skipUpdate(schema, table, names, change.before ?? [], change.after ?? []);
  }

  /**
   * True when a DDL is executed downstream (it is tracked either way). A filter rule with
   * `action: Error` matching it throws E.syncEventFilterError (the task stops, as DM).
   */
  allowDdl(info: DdlInfo): boolean {
    const subject = info.refs[0];
    if (!subject) return true;
    if (subject.table === '') {
      if (!this.bal.allowSchema(subject.schema)) return false;
    } else if (!info.refs.some((r) => r.table !== '' && this.bal.allowTable(r.schema, r.table))) return false;
    // DM's AstToDDLEvent: an ALTER TABLE is matched by its finer event (drop column, …).
    const ev = ddlFilterEvent(info.eventName, info.sql) as Parameters<BinlogEventFilter['filter']>[2];
    const action = this.eventFilter.filter(subject.schema, subject.table, ev, info.sql);
    if (action === 'Error') throw filterError(info.eventName, subject.schema, subject.table);
    return action === 'Do';
  }

  /** The downstream name of an upstream table (a schema alone when `table` is ''). */
  route(schema: string, table: string): TableName {
    return table === ''
      ? { schema: this.router.route(schema, '').schema, table: '' }
      : this.router.route(schema, table);
  }
}
