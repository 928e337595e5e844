import { WildcardPattern } from '../pkg/filter/pattern.js';

/**
 * TiDB's table-filter syntax as sync-diff-inspector uses it for `target-check-tables` and
 * `target-tables`: `schema.table` with `*`/`?` wildcards, `!` in front excludes. As in TiDB, the
 * LAST rule that matches decides, so `["db*.*", "!db2.*"]` selects every `db*` but `db2`.
 * Backquotes around a part are allowed (`` `my.db`.t ``).
 */
export class TableFilter {
  private readonly rules: { include: boolean; schema: WildcardPattern; table: WildcardPattern }[];

  constructor(patterns: readonly string[]) {
    this.rules = patterns.map((p) => {
      const include = !p.startsWith('!');
      const [schema, table] = splitPattern(include ? p : p.slice(1));
      return {
        include,
        schema: new WildcardPattern(schema, false),
        table: new WildcardPattern(table, false),
      };
    });
  }

  matches(schema: string, table: string): boolean {
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const r = this.rules[i]!;
      if (r.schema.test(schema) && r.table.test(table)) return r.include;
    }
    return false;
  }
}

/** `a.b` → [a, b]; `` `a.x`.`b` `` → [a.x, b]; a pattern without a dot means every table of it. */
export function splitPattern(p: string): [string, string] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '`') {
      if (quoted && p[i + 1] === '`') {
        cur += '`';
        i++;
      } else quoted = !quoted;
    } else if (c === '.' && !quoted && parts.length === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return [parts[0] ?? '', parts[1] ?? '*'];
}
