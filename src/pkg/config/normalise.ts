/**
 * Helpers that turn schema-checked YAML values (kebab-case) into the normalised shapes of
 * types.ts. They run after the schema check, so types are known to be right.
 */
import { normaliseSecurity } from './security.js';
import type { DbConfig, FilterRule } from './types.js';

export type Raw = Record<string, unknown>;

/** A string field: yaml.v2 fills string fields from any scalar, so numbers/booleans become text. */
export function s(v: unknown, dflt = ''): string {
  if (v === undefined || v === null) return dflt;
  return String(v);
}

export function n(v: unknown, dflt: number): number {
  return typeof v === 'number' ? v : dflt;
}

/** Go-style zero-value default: 0 means "not set" (as DM's adjust() does for counts). */
export function nz(v: unknown, dflt: number): number {
  return typeof v === 'number' && v !== 0 ? v : dflt;
}

export function b(v: unknown, dflt: boolean): boolean {
  return typeof v === 'boolean' ? v : dflt;
}

export function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => s(x)) : [];
}

export function sub(v: unknown): Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {};
}

/** A DB connection block (`from` / `target-database`). Passwords are decrypted by `decrypt`. */
export function normaliseDb(raw: Raw, defaultPort: number, decrypt: (p: string) => string): DbConfig {
  const db: DbConfig = {
    host: s(raw.host),
    port: n(raw.port, defaultPort),
    user: s(raw.user),
    password: decrypt(s(raw.password)),
  };
  if (raw.session !== undefined) {
    db.session = Object.fromEntries(Object.entries(sub(raw.session)).map(([k, v]) => [k, s(v)]));
  }
  if (raw.security !== undefined) {
    db.security = normaliseSecurity(sub(raw.security));
  }
  return db;
}

function filterAction(a: string): FilterRule['action'] {
  const l = a.toLowerCase();
  return l === 'ignore' ? 'Ignore' : l === 'error' ? 'Error' : 'Do';
}

/** A binlog event filter rule; `action` is case-insensitive in DM. */
export function normaliseFilterRule(raw: Raw): FilterRule {
  return {
    schemaPattern: s(raw['schema-pattern']),
    tablePattern: s(raw['table-pattern']),
    events: list(raw.events).map((e) => e.toLowerCase().trim()),
    sqlPattern: list(raw['sql-pattern']),
    action: filterAction(s(raw.action)),
  };
}
