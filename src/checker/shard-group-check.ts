import type { CheckError, CheckState } from '../pkg/api/check-report.js';
import type { ShardMode } from '../pkg/config/types.js';

/**
 * The pure core of DM's sharding prechecks (dm/pkg/checker/table_structure.go
 * `ShardingTablesChecker` for pessimistic, `OptimisticShardingTablesChecker` for optimistic):
 * the shard tables merged into one target table, compared column by column.
 *
 * - pessimistic: every shard must have the first one's column list (name and type, in
 *   order): "column length mismatch" / "different column definition", fail.
 * - optimistic: the structures must join (same-named columns of one type; a column some
 *   shards lack must be nullable or have a default, or rows of those shards could not be
 *   written): "fail to join table info", fail.
 * - both: a shard with an AUTO_INCREMENT column is a warning (ids of shards collide once
 *   merged), with DM's text and advice. DM passes `auto_increment_ID` to the checker but never
 *   reads it; here ignoring `auto_increment_ID` drops these warnings, as its name promises.
 */

/** One column as information_schema.COLUMNS describes it. */
export interface ShardColumn {
  name: string;
  /** COLUMN_TYPE, e.g. `int(11)`, `varchar(20)`. */
  type: string;
  autoIncrement: boolean;
  nullable: boolean;
  hasDefault: boolean;
}

export interface ShardTable {
  sourceId: string;
  schema: string;
  table: string;
  columns: ShardColumn[];
}

export interface ShardGroupResult {
  name: string;
  desc: string;
  state: CheckState;
  errors: CheckError[];
  instruction: string;
  extra: string;
}

/** DM's `AutoIncrementKeyChecking` (the result's extra when only auto-increment warnings). */
export const AUTO_INCREMENT_KEY_CHECKING = 'auto-increment key checking';
const AUTO_INCREMENT_ADVICE =
  'If happen conflict, please handle it by yourself. You can refer to https://docs.pingcap.com/tidb-data-migration/stable/shard-merge-best-practices/#handle-conflicts-between-primary-keys-or-unique-indexes-across-multiple-sharded-tables';

/** `` `db`.`t` `` as DM prints a filter.Table. */
export function tableId(schema: string, table: string): string {
  return `\`${schema}\`.\`${table}\``;
}

const brief = (c: ShardColumn) => `${c.name.toLowerCase()} ${c.type.toLowerCase()}`;

/** Check one sharding group (`tables` sorted as they should be reported; the first is the reference). */
export function checkShardGroup(
  target: string,
  tables: readonly ShardTable[],
  mode: Exclude<ShardMode, ''>,
  checkAutoIncrement: boolean,
): ShardGroupResult {
  const optimistic = mode === 'optimistic';
  const first = tables[0];
  const r: ShardGroupResult = {
    name: optimistic
      ? `optimistic sharding table ${target} consistency checking`
      : `sharding table ${target} consistency checking`,
    desc: optimistic
      ? 'check consistency of sharding table structures for Optimistic Sharding Merge'
      : 'check consistency of sharding table structures',
    state: 'success',
    errors: [],
    instruction: '',
    extra: first ? `sourceID ${first.sourceId} on sharding ${target}` : `sharding ${target}`,
  };
  if (!first) return r;
  const fail = (e: CheckError, extra: string, instruction: string) => {
    r.state = 'fail';
    r.errors.push(e);
    r.extra = extra;
    r.instruction = instruction;
  };
  let joined = first.columns;
  let joinedFrom = `sourceID ${first.sourceId} table ${tableId(first.schema, first.table)}`;
  for (const t of tables) {
    const id = tableId(t.schema, t.table);
    if (checkAutoIncrement && t.columns.some((c) => c.autoIncrement)) {
      if (r.state === 'success') {
        r.state = 'warn';
        r.instruction = AUTO_INCREMENT_ADVICE;
        r.extra = AUTO_INCREMENT_KEY_CHECKING;
      }
      r.errors.push({
        severity: 'warn',
        short_error: `sourceID ${t.sourceId} table ${id} of sharding ${target} have auto-increment key, please make sure them don't conflict in target table!`,
      });
    }
    if (t === first) continue;
    if (optimistic) {
      const j = joinColumns(joined, t.columns);
      if (typeof j === 'string') {
        fail(
          { severity: 'fail', short_error: j },
          `fail to join table info ${joinedFrom} with sourceID ${t.sourceId} table ${id}`,
          'please set compatible table structures for sharding tables: same types for same-named columns, and columns missing in some shards nullable or with a default',
        );
        continue;
      }
      joined = j;
      joinedFrom = `${joinedFrom}, sourceID ${t.sourceId} table ${id}`;
      continue;
    }
    const e = consistency(first, t, target);
    if (e) fail(e, `error on sharding ${target}`, 'please set same table structure for sharding tables');
  }
  return r;
}

function consistency(self: ShardTable, other: ShardTable, _target: string): CheckError | undefined {
  const selfId = `sourceID ${self.sourceId} table ${tableId(self.schema, self.table)}`;
  const otherId = `sourceID ${other.sourceId} table ${tableId(other.schema, other.table)}`;
  if (self.columns.length !== other.columns.length) {
    const names = (t: ShardTable) => `[${t.columns.map((c) => c.name.toLowerCase()).join(' ')}]`;
    return {
      severity: 'fail',
      short_error: `column length mismatch (self: ${self.columns.length} vs other: ${other.columns.length})`,
      self: `${selfId} columns ${names(self)}`,
      other: `${otherId} columns ${names(other)}`,
    };
  }
  for (let i = 0; i < self.columns.length; i++) {
    const a = brief(self.columns[i] as ShardColumn);
    const b = brief(other.columns[i] as ShardColumn);
    if (a !== b) {
      return {
        severity: 'fail',
        short_error: 'different column definition',
        self: `${selfId} column ${a}`,
        other: `${otherId} column ${b}`,
      };
    }
  }
  return undefined;
}

/** Joined column list, or the reason the two cannot join. */
function joinColumns(a: readonly ShardColumn[], b: readonly ShardColumn[]): ShardColumn[] | string {
  const byName = new Map(b.map((c) => [c.name.toLowerCase(), c]));
  const out: ShardColumn[] = [];
  for (const c of a) {
    const o = byName.get(c.name.toLowerCase());
    byName.delete(c.name.toLowerCase());
    if (!o) {
      if (!c.nullable && !c.hasDefault)
        return `column ${c.name} is NOT NULL without a default and missing in another shard`;
      out.push(c);
      continue;
    }
    if (o.type.toLowerCase() !== c.type.toLowerCase())
      return `column ${c.name} has incompatible types ${c.type} and ${o.type}`;
    out.push({ ...c, nullable: c.nullable || o.nullable, hasDefault: c.hasDefault && o.hasDefault });
  }
  for (const o of byName.values()) {
    if (!o.nullable && !o.hasDefault)
      return `column ${o.name} is NOT NULL without a default and missing in another shard`;
    out.push(o);
  }
  return out;
}
