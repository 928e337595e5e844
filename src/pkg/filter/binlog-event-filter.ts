/**
 * DM's binlog event filter (tiflow pkg/binlog-filter). Rules select tables by
 * `schema-pattern`/`table-pattern` (wildcards; table rules win over schema rules for a
 * table), then:
 *
 * - an `Ignore` rule whose `events` match the event, or whose `sql-pattern` matches the
 *   statement, ignores it (Ignore wins at once);
 * - a `Do` rule whose `events` do NOT match, or whose non-empty `sql-pattern` does not
 *   match the statement, ignores it (Do rules are allow lists);
 * - an `Error` rule that matches the same way makes the event an error (the task stops);
 * - otherwise the event is done. No matching rule = Do.
 *
 * `events` match in list order: `all` → yes, `none` → no; for DDL `all ddl`/`none ddl` (and
 * `incompatible ddl changes` for DM's incompatible class), for DML `all dml`/`none dml`; else
 * an exact event name (names and classes: dm-event-types.ts; a DDL's event: ddl-event-type.ts). `sql-pattern` regexes are joined with
 * `|`, case-insensitive, unanchored.
 */
import type { FilterRule } from '../config/types.js';
import { dmError, E } from '../errors/index.js';
import {
  DML_EVENTS,
  type DmEventType,
  isDmEventType,
  isIncompatibleDdl,
  normaliseEventName,
} from './dm-event-types.js';
import { WildcardPattern } from './pattern.js';

export {
  type DdlEvent,
  DML_EVENTS,
  type DmEventType,
  type DmlEvent,
  GROUP_EVENTS,
  isDmEventType,
} from './dm-event-types.js';

const DML = new Set<string>(DML_EVENTS);

interface Compiled {
  schema: WildcardPattern;
  table: WildcardPattern | undefined;
  events: string[];
  sql: RegExp | undefined;
  action: FilterAction;
  order: number;
}

/** What a filter decides for an event: replicate, skip, or stop the task with an error. */
export type FilterAction = 'Do' | 'Ignore' | 'Error';

export class BinlogEventFilter {
  private readonly tableRules: Compiled[];
  private readonly schemaRules: Compiled[];

  constructor(rules: FilterRule[], opts: { caseSensitive: boolean }) {
    const compiled = rules.map((r, order): Compiled => {
      const events = r.events.map(normaliseEventName);
      for (const e of events) {
        if (!isDmEventType(e))
          throw dmError(E.configInvalidValue, `binlog event filter: unknown event type "${e}"`);
      }
      let sql: RegExp | undefined;
      if (r.sqlPattern.length > 0) {
        try {
          sql = new RegExp(r.sqlPattern.join('|'), 'i');
        } catch (err) {
          throw dmError(
            E.configInvalidValue,
            `binlog event filter: invalid sql-pattern ${JSON.stringify(r.sqlPattern)}`,
            {
              cause: err,
            },
          );
        }
      }
      return {
        schema: new WildcardPattern(r.schemaPattern, opts.caseSensitive),
        table: r.tablePattern ? new WildcardPattern(r.tablePattern, opts.caseSensitive) : undefined,
        events,
        sql,
        action: r.action,
        order,
      };
    });
    this.tableRules = compiled.filter((c) => c.table);
    this.schemaRules = compiled.filter((c) => !c.table);
  }

  private rulesFor(schema: string, table: string): Compiled[] {
    if (table !== '') {
      const t = this.tableRules.filter((c) => c.schema.test(schema) && c.table!.test(table));
      if (t.length > 0) return t;
    }
    return this.schemaRules.filter((c) => c.schema.test(schema));
  }

  /** Decide one event; `sql` is the DDL text (for sql-pattern), if any. */
  filter(schema: string, table: string, event: DmEventType, sql?: string): FilterAction {
    const rules = this.rulesFor(schema, table);
    const isDml = DML.has(event);
    for (const r of rules) {
      // As tiflow's BinlogEvent.Filter: a matched Ignore or Error rule decides at once.
      const matched = matchEvent(r.events, event, isDml);
      if (matched && r.action !== 'Do') return r.action;
      if (!matched && r.action === 'Do') return 'Ignore';
      if (sql !== undefined && sql !== '' && r.sql) {
        const m = r.sql.test(sql);
        if (m && r.action !== 'Do') return r.action;
        if (!m && r.action === 'Do') return 'Ignore';
      }
    }
    return 'Do';
  }

  /** True when the statement text alone is ignored by a sql-pattern (for unparsable DDL). */
  ignoreSql(schema: string, table: string, sql: string): boolean {
    return this.rulesFor(schema, table).some((r) => r.action === 'Ignore' && r.sql?.test(sql) === true);
  }
}

function matchEvent(rules: string[], event: string, isDml: boolean): boolean {
  for (const r of rules) {
    if (r === 'all') return true;
    if (r === 'none') return false;
    if (isDml) {
      if (r === 'all dml') return true;
      if (r === 'none dml') return false;
    } else {
      if (r === 'all ddl') return true;
      if (r === 'none ddl') return false;
      // DM's incompatibleDDL class also matches the group name (filter.go matchEvent).
      if (r === 'incompatible ddl changes' && isIncompatibleDdl(event)) return true;
    }
    if (r === event) return true;
  }
  return false;
}
