/**
 * DM's pessimistic shard-DDL messages (dm/pkg/shardddl/pessimism/{info,operation}.go), kept
 * in etcd under Keys.shardPessimisticInfo / Keys.shardPessimisticOperation as JSON with DM's
 * field names. Pure: codecs only.
 */
import { dmError, E } from '../../errors/index.js';

/** A source's sharding group met `ddls` on every one of its shard tables (worker → master). */
export interface PessimismInfo {
  task: string;
  source: string;
  /** Target schema and table (after routing). */
  schema: string;
  table: string;
  /** The DDLs, routed to the target. */
  ddls: string[];
}

/** What the leader tells one source to do with lock `id` (master → worker; worker marks done). */
export interface PessimismOperation {
  /** The lock ID (`ddlLockId`). */
  id: string;
  task: string;
  source: string;
  ddls: string[];
  /** Execute the DDLs downstream (owner) or skip them (the others). */
  exec: boolean;
  /** Set by the worker once it executed/skipped. */
  done: boolean;
  /**
   * Ours (not in DM): why the lock refuses this source's DDLs (they differ from the lock's).
   * The worker pauses with DM's error 38016 instead of waiting silently forever.
   */
  conflictMsg?: string;
}

export function encodeInfo(i: PessimismInfo): string {
  return JSON.stringify({ task: i.task, source: i.source, schema: i.schema, table: i.table, ddls: i.ddls });
}

export function encodeOperation(o: PessimismOperation): string {
  return JSON.stringify(o);
}

export function decodeInfo(text: string): PessimismInfo {
  const v = parse(text);
  return {
    task: str(v.task),
    source: str(v.source),
    schema: str(v.schema),
    table: str(v.table),
    ddls: strs(v.ddls),
  };
}

export function decodeOperation(text: string): PessimismOperation {
  const v = parse(text);
  const op: PessimismOperation = {
    id: str(v.id),
    task: str(v.task),
    source: str(v.source),
    ddls: strs(v.ddls),
    exec: v.exec === true,
    done: v.done === true,
  };
  if (typeof v.conflictMsg === 'string' && v.conflictMsg !== '') op.conflictMsg = v.conflictMsg;
  return op;
}

/** Two DDL lists are the same lock content (whitespace-insensitive, as they come from different shards). */
export function sameDdls(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((d, i) => normalizeDdl(d) === normalizeDdl(b[i] ?? ''));
}

/** Whitespace collapsed, outer spaces and trailing `;` cut. */
export function normalizeDdl(sql: string): string {
  return sql.replace(/\s+/g, ' ').replace(/;\s*$/, '').trim();
}

function parse(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object') return v as Record<string, unknown>;
  } catch (err) {
    throw dmError(E.shardDdl, `invalid shard-DDL record in etcd: ${text.slice(0, 200)}`, { cause: err });
  }
  throw dmError(E.shardDdl, `invalid shard-DDL record in etcd: ${text.slice(0, 200)}`);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
