/**
 * Parses `SHOW GRANTS` output into privileges per scope, and answers "does this user have
 * privilege X on *.* (or on a schema)". Handles MySQL 5.6–8.0 and MariaDB 10.x spellings,
 * including MariaDB 10.5+ names (BINLOG MONITOR, REPLICA MONITOR, REPLICATION SLAVE ADMIN).
 */

export interface Grants {
  /** Privileges on `*.*` (upper-case). */
  global: Set<string>;
  /** Privileges per schema (`db`.*), schema name as written (unquoted). */
  schemas: Map<string, Set<string>>;
}

/** Parse the rows of SHOW GRANTS (each one `GRANT … ON … TO …`). Roles and PROXY lines are skipped. */
export function parseGrants(lines: string[]): Grants {
  const g: Grants = { global: new Set(), schemas: new Map() };
  for (const line of lines) {
    const m = /^GRANT\s+(.+?)\s+ON\s+(?:(?:TABLE|FUNCTION|PROCEDURE)\s+)?(\S+)\s+TO\s/i.exec(line.trim());
    if (!m) continue;
    const privs = splitPrivileges(m[1]!);
    const on = m[2]!;
    if (on === '*.*') {
      for (const p of privs) g.global.add(p);
      continue;
    }
    const dm = /^[`"]?((?:[^`"]|``)+?)[`"]?\.\*$/.exec(on);
    if (dm) {
      const db = dm[1]!.replace(/``/g, '`').replace(/\\_/g, '_');
      const set = g.schemas.get(db) ?? new Set<string>();
      for (const p of privs) set.add(p);
      g.schemas.set(db, set);
    }
  }
  return g;
}

function splitPrivileges(text: string): string[] {
  // Column lists like SELECT (a, b) contain commas: drop parenthesised parts first.
  return text
    .replace(/\([^)]*\)/g, '')
    .split(',')
    .map((p) => p.trim().toUpperCase().replace(/\s+/g, ' '))
    .filter((p) => p !== '')
    .map((p) => (p === 'ALL' ? 'ALL PRIVILEGES' : p));
}

/** True when `*.*` grants one of `anyOf` (ALL PRIVILEGES counts for everything but GRANT OPTION). */
export function hasGlobal(g: Grants, anyOf: string[]): boolean {
  if (g.global.has('ALL PRIVILEGES')) return true;
  return anyOf.some((p) => g.global.has(p));
}

/** True when `priv` is granted globally or on `schema`.* */
export function hasOnSchema(g: Grants, schema: string, priv: string): boolean {
  if (hasGlobal(g, [priv])) return true;
  const s = g.schemas.get(schema);
  return s !== undefined && (s.has('ALL PRIVILEGES') || s.has(priv));
}

/** REPLICATION SLAVE (MariaDB 10.5+: also REPLICA / REPLICATION SLAVE ADMIN does not stream). */
export const REPL_SLAVE = ['REPLICATION SLAVE', 'REPLICA'];
/** REPLICATION CLIENT and its MariaDB 10.5+ successors (SHOW MASTER STATUS / BINARY LOGS). */
export const REPL_CLIENT = [
  'REPLICATION CLIENT',
  'BINLOG MONITOR',
  'REPLICA MONITOR',
  'SLAVE MONITOR',
  'REPLICATION SLAVE ADMIN',
  'SUPER',
];
