// The one-dialect build: the package's main entry bundles every dialect's grammar (≈ 34 MB of
// the dm-worker's resident memory, against ≈ 10 MB for one).
import nodeSqlParser from 'node-sql-parser/build/mariadb.js';
import {
  type ColumnInfo,
  columnIndex,
  enumSetFromType,
  type IndexInfo,
  renamed,
  type TableStructure,
} from './table-structure.js';

const parser = new nodeSqlParser.Parser();

/** Minimal view of node-sql-parser's AST (it ships loose types). */
// biome-ignore lint/suspicious/noExplicitAny: the parser's AST is untyped JSON.
type Ast = any;

/** What a DDL did to the tracked tables, for a caller that owns the table map. */
export type TrackerOp =
  | { op: 'put'; table: TableStructure }
  | { op: 'drop'; schema: string; table: string }
  | { op: 'dropSchema'; schema: string }
  | { op: 'rename'; from: [string, string]; to: [string, string] }
  | { op: 'like'; from: [string, string]; to: [string, string] }
  | { op: 'none' };

/**
 * Translate one DDL statement into tracker operations, given the current structures.
 * Returns undefined when the parser cannot read the statement or it holds a clause we do
 * not model: the caller then re-reads the table from the downstream after executing it.
 */
export function ddlToOps(
  sql: string,
  defaultSchema: string,
  get: (schema: string, table: string) => TableStructure | undefined,
): TrackerOp[] | undefined {
  let ast: Ast;
  try {
    ast = parser.astify(sql, { database: 'MariaDB' });
  } catch {
    return undefined;
  }
  if (Array.isArray(ast)) {
    if (ast.length !== 1) return undefined;
    ast = ast[0];
  }
  const db = (x: { db?: string | null }): string => x.db || defaultSchema;
  try {
    switch (ast.type) {
      case 'create': {
        if (ast.keyword === 'database' || ast.keyword === 'schema') return [{ op: 'none' }];
        if (ast.keyword === 'index') {
          const t = get(db(ast.table), ast.table.table);
          if (!t) return undefined;
          if (ast.index_type !== 'unique') return [{ op: 'none' }];
          const next = structuredClone(t);
          next.uniqueKeys.push({
            name: ast.index,
            columns: ast.index_columns.map((c: Ast) => colName(c)),
            primary: false,
            unique: true,
          });
          return [{ op: 'put', table: next }];
        }
        if (ast.keyword !== 'table') return undefined;
        const ref = ast.table[0];
        if (ast.like) {
          const src = ast.like.table[0];
          return [{ op: 'like', from: [db(src), src.table], to: [db(ref), ref.table] }];
        }
        if (ast.query_expr || !ast.create_definitions) return undefined;
        return [{ op: 'put', table: createTable(db(ref), ref.table, ast) }];
      }
      case 'alter': {
        const ref = ast.table[0];
        const t = get(db(ref), ref.table);
        if (!t) return undefined;
        const next = structuredClone(t);
        let renameTo: string | undefined;
        for (const e of ast.expr ?? []) {
          const r = alterOne(next, e);
          if (r === false) return undefined;
          if (typeof r === 'string') renameTo = r;
        }
        const ops: TrackerOp[] = [{ op: 'put', table: next }];
        if (renameTo) {
          const [s, tb] = renameTo.includes('.') ? renameTo.split('.') : [next.schema, renameTo];
          ops.push({ op: 'rename', from: [next.schema, next.table], to: [s as string, tb as string] });
        }
        return ops;
      }
      case 'rename':
        return (ast.table as Ast[][]).map(([a, b]) => ({
          op: 'rename' as const,
          from: [db(a), a.table] as [string, string],
          to: [db(b), b.table] as [string, string],
        }));
      case 'drop': {
        if (ast.keyword === 'database' || ast.keyword === 'schema') {
          const name = typeof ast.name === 'string' ? ast.name : ast.name?.[0]?.value;
          return name ? [{ op: 'dropSchema', schema: name }] : undefined;
        }
        if (ast.keyword === 'index') {
          const t = get(db(ast.table), ast.table.table);
          if (!t) return undefined;
          const next = structuredClone(t);
          const name = colName(ast.name).toLowerCase();
          next.uniqueKeys = next.uniqueKeys.filter((k) => k.name.toLowerCase() !== name);
          return [{ op: 'put', table: next }];
        }
        if (ast.keyword !== 'table') return undefined;
        return (ast.name as Ast[]).map((n) => ({ op: 'drop' as const, schema: db(n), table: n.table }));
      }
      case 'truncate':
        return [{ op: 'none' }];
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

function colName(c: Ast): string {
  if (typeof c === 'string') return c;
  const v = c?.column ?? c?.value;
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'expr' in v) return String(v.expr?.value ?? '');
  return String(v);
}

/** Column definition AST → ColumnInfo. `tableCharset` applies to text columns without one. */
function columnFromDef(def: Ast, tableCharset: string): ColumnInfo {
  const d = def.definition ?? {};
  const base = String(d.dataType ?? '').toLowerCase();
  let type = base;
  if (d.expr?.value && /^(enum|set)$/.test(base)) {
    // The parser keeps the literal's escapes ('' stays ''), so it is re-quoted as is.
    const vals = (d.expr.value as Ast[]).map((v) => `'${String(v.value)}'`);
    type = `${base}(${vals.join(',')})`;
  } else if (d.length !== undefined && d.length !== null) {
    type = `${base}(${d.length}${d.scale !== undefined && d.scale !== null ? `,${d.scale}` : ''})`;
  }
  const suffix: string[] = (Array.isArray(d.suffix) ? d.suffix : []).map((s: unknown) =>
    String(s).toUpperCase(),
  );
  const isText = /char|text|enum|set/.test(base) && !/binary/.test(base);
  const isBin = /binary|blob/.test(base);
  const cs = def.character_set?.value?.value as string | undefined;
  const primaryInline = def.primary_key === 'primary key' || def.primary === 'primary key';
  const nullable = !(def.nullable?.type === 'not null' || primaryInline);
  return {
    name: colName(def.column),
    type,
    unsigned: suffix.includes('UNSIGNED'),
    ...(isBin ? { charset: 'binary' } : isText ? { charset: (cs ?? tableCharset).toLowerCase() } : {}),
    nullable,
    generated: Boolean(def.generated),
    invisible: false,
    ...enumSetFromType(type),
  };
}

function indexFromConstraint(c: Ast): IndexInfo | undefined {
  const kind = String(c.constraint_type ?? c.keyword ?? '').toLowerCase();
  const primary = kind.includes('primary');
  const unique = primary || kind.includes('unique');
  if (!unique) return undefined;
  return {
    name: primary ? 'PRIMARY' : String(c.index ?? c.constraint ?? colName(c.definition?.[0])),
    columns: (c.definition as Ast[]).map((x) => colName(x)),
    primary,
    unique: true,
  };
}

function tableCharsetOf(ast: Ast): string {
  for (const o of ast.table_options ?? []) {
    const k = String(o.keyword ?? '').toLowerCase();
    if (k.includes('character set') || k.includes('charset')) {
      const v = typeof o.value === 'object' && o.value ? o.value.value : o.value;
      return String(v).toLowerCase();
    }
  }
  return 'utf8mb4';
}

function createTable(schema: string, table: string, ast: Ast): TableStructure {
  const cs = tableCharsetOf(ast);
  const t: TableStructure = { schema, table, columns: [], uniqueKeys: [], charset: cs };
  for (const d of ast.create_definitions as Ast[]) {
    if (d.resource === 'column') {
      const col = columnFromDef(d, cs);
      t.columns.push(col);
      if (d.primary_key === 'primary key' || d.primary === 'primary key')
        t.uniqueKeys.unshift({ name: 'PRIMARY', columns: [col.name], primary: true, unique: true });
      else if (d.unique === 'unique' || d.unique === 'unique key' || d.unique_or_primary === 'unique')
        t.uniqueKeys.push({ name: col.name, columns: [col.name], primary: false, unique: true });
    } else if (d.resource === 'constraint' || d.resource === 'index') {
      const k = indexFromConstraint(d);
      if (k) {
        if (k.primary) {
          t.uniqueKeys.unshift(k);
          for (const c of k.columns) {
            const i = columnIndex(t, c);
            if (i >= 0) (t.columns[i] as ColumnInfo).nullable = false;
          }
        } else t.uniqueKeys.push(k);
      }
    } else return failUnknown();
  }
  return t;
}

function failUnknown(): never {
  throw new Error('unmodelled clause');
}

/** Apply one ALTER TABLE clause in place. false = not modelled; a string = RENAME TO target. */
function alterOne(t: TableStructure, e: Ast): boolean | string {
  const action = String(e.action ?? '').toLowerCase();
  const resource = String(e.resource ?? '').toLowerCase();
  if (resource === 'column') {
    const cs = t.charset ?? t.columns.find((c) => c.charset && c.charset !== 'binary')?.charset ?? 'utf8mb4';
    if (action === 'add') {
      const col = columnFromDef(e, cs);
      if (columnIndex(t, col.name) >= 0) return false;
      insertAt(t, col, e.suffix);
      return true;
    }
    if (action === 'drop') {
      const i = columnIndex(t, colName(e.column));
      if (i < 0) return false;
      const name = (t.columns[i] as ColumnInfo).name.toLowerCase();
      t.columns.splice(i, 1);
      // MySQL drops a column from its indexes; an index left with no column disappears.
      t.uniqueKeys = t.uniqueKeys
        .map((k) => ({ ...k, columns: k.columns.filter((c) => c.toLowerCase() !== name) }))
        .filter((k) => k.columns.length > 0);
      return true;
    }
    if (action === 'modify' || action === 'change') {
      const oldName = colName(action === 'change' ? e.old_column : e.column);
      const i = columnIndex(t, oldName);
      if (i < 0) return false;
      const col = columnFromDef(e, cs);
      if (
        t.uniqueKeys.some(
          (k) => k.primary && k.columns.some((c) => c.toLowerCase() === oldName.toLowerCase()),
        )
      )
        col.nullable = false;
      t.columns.splice(i, 1);
      renameInKeys(t, oldName, col.name);
      if (e.suffix) insertAt(t, col, e.suffix);
      else t.columns.splice(i, 0, col);
      return true;
    }
    if (action === 'rename') {
      const oldName = colName(e.old_column);
      const i = columnIndex(t, oldName);
      if (i < 0) return false;
      const newName = colName(e.column);
      (t.columns[i] as ColumnInfo).name = newName;
      renameInKeys(t, oldName, newName);
      return true;
    }
    return false;
  }
  if (resource === 'index' || resource === 'key' || resource === 'constraint') {
    if (action === 'add') {
      const k = indexFromConstraint({ ...e, constraint_type: e.constraint_type ?? e.keyword });
      if (k) {
        if (k.primary) t.uniqueKeys.unshift(k);
        else t.uniqueKeys.push(k);
      }
      return true;
    }
    if (action === 'drop') {
      const kw = String(e.keyword ?? '').toLowerCase();
      if (kw.includes('primary')) t.uniqueKeys = t.uniqueKeys.filter((k) => !k.primary);
      else {
        const name = String(e.index ?? e.key ?? '').toLowerCase();
        t.uniqueKeys = t.uniqueKeys.filter((k) => k.name.toLowerCase() !== name);
      }
      return true;
    }
    return false;
  }
  if (resource === 'table' && action === 'rename') {
    return typeof e.table === 'string' ? e.table : `${e.table?.db ? `${e.table.db}.` : ''}${e.table?.table}`;
  }
  // Table options, ALGORITHM/LOCK, partitions: no effect on the row image.
  if (['algorithm', 'lock', 'partition', 'table_option', 'engine'].includes(resource)) return true;
  return false;
}

function renameInKeys(t: TableStructure, oldName: string, newName: string): void {
  const o = oldName.toLowerCase();
  for (const k of t.uniqueKeys) k.columns = k.columns.map((c) => (c.toLowerCase() === o ? newName : c));
}

function insertAt(t: TableStructure, col: ColumnInfo, suffix: Ast): void {
  const kw = String(suffix?.keyword ?? '').toUpperCase();
  if (kw === 'FIRST') t.columns.unshift(col);
  else if (kw === 'AFTER') {
    const i = columnIndex(t, colName(suffix.expr));
    if (i < 0) throw new Error('AFTER unknown column');
    t.columns.splice(i + 1, 0, col);
  } else t.columns.push(col);
}

/** Apply `like`/`rename` ops need the source structure: helper for the tracker. */
export function copyAs(t: TableStructure, to: [string, string]): TableStructure {
  return renamed(t, to[0], to[1]);
}
