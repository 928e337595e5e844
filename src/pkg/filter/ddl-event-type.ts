/**
 * The filter event of a DDL, as DM's DDLWorker.AstToDDLEvent (dm/syncer/ddl.go:1127-1190):
 * an `ALTER TABLE` is classified by its first spec that DM maps to a finer event (`drop
 * column`, `rename index`, `modify constraint`, …); otherwise it stays `alter table`, as every
 * other statement keeps its own event. `MODIFY`/`CHANGE COLUMN` are `alter table` here: DM
 * refines them only by comparing with the tracked column (handleModifyColumn), not built here
 * (the event names only that comparison yields are refused at load: dm-event-types.ts).
 */

/** [spec pattern, DM event]; the first spec matching any pattern decides (DM's spec loop). */
const ALTER_SPECS: readonly (readonly [RegExp, string | null])[] = [
  // MODIFY/CHANGE: DM returns its comparison's result at once; without it, `alter table`.
  [/^(MODIFY|CHANGE)\b/, 'alter table'],
  [/^RENAME\s+COLUMN\b/, 'rename column'],
  [/^RENAME\s+(INDEX|KEY)\b/, 'rename index'],
  [/^RENAME\b/, 'rename table'],
  [/^DROP\s+PRIMARY\s+KEY\b/, 'drop primary key'],
  [/^DROP\s+(INDEX|KEY)\b/, 'drop index'],
  [/^DROP\s+PARTITION\b/, 'drop table partition'],
  // DROP FOREIGN KEY / CHECK / CONSTRAINT: no finer event in DM (next spec).
  [/^DROP\s+(FOREIGN\s+KEY|CHECK|CONSTRAINT)\b/, null],
  [/^DROP\b/, 'drop column'],
  [/^TRUNCATE\s+PARTITION\b/, 'truncate table partition'],
  [/^ALTER\s+(COLUMN\s+)?`?[^`\s]+`?\s+(SET|DROP)\s+DEFAULT\b/, 'modify default value'],
  // TiDB's parser makes every ADD INDEX/KEY/UNIQUE/PRIMARY/FOREIGN/CHECK an AddConstraint spec.
  [/^ADD\s+(CONSTRAINT|INDEX|KEY|UNIQUE|PRIMARY|FOREIGN|FULLTEXT|SPATIAL|CHECK)\b/, 'modify constraint'],
  [/^(CONVERT\s+TO\s+)?(DEFAULT\s+)?(CHARACTER\s+SET|CHARSET)\b/, 'modify charset'],
  [/^(DEFAULT\s+)?COLLATE\b/, 'modify collation'],
  [/^ENGINE\b/, 'modify storage engine'],
  [/^REORGANIZE\s+PARTITION\b/, 'reorganize table partition'],
  [/^REBUILD\s+PARTITION\b/, 'rebuild table partition'],
  [/^COALESCE\s+PARTITION\b/, 'coalesce table partition'],
  [/^EXCHANGE\s+PARTITION\b/, 'exchange table partition'],
];

/** The event DM's filter sees for a DDL whose statement kind is `eventName`. */
export function ddlFilterEvent(eventName: string, sql: string): string {
  if (eventName !== 'alter table') return eventName;
  for (const spec of alterSpecs(sql)) {
    const hit = ALTER_SPECS.find(([re]) => re.test(spec));
    if (hit?.[1]) return hit[1];
  }
  return 'alter table';
}

/** The specs of `ALTER TABLE t spec, spec, …` (upper-cased, comments and quoted text kept out of the split). */
export function alterSpecs(sql: string): string[] {
  const text = sql
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(--\s|#)[^\n]*/g, ' ')
    .trim();
  const head =
    /^ALTER\s+(ONLINE\s+|IGNORE\s+)*TABLE\s+(`[^`]*`|[^\s.`]+)(\s*\.\s*(`[^`]*`|[^\s.`]+))?\s*/i.exec(text);
  if (!head) return [];
  const body = text.slice(head[0].length);
  const specs: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      specs.push(body.slice(start, i));
      start = i + 1;
    }
  }
  specs.push(body.slice(start));
  return specs.map((s) => s.trim().replace(/;$/, '').toUpperCase()).filter((s) => s !== '');
}
