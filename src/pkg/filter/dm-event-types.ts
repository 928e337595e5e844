/**
 * DM's binlog event filter event names (tiflow pkg/binlog-filter filter.go:41-121 and
 * util.go:57-135 `toEventType`), by class: DML, compatible DDL, incompatible DDL (matched by
 * the `incompatible ddl changes` group as well as by name) and the groups. What the sync unit
 * here classifies a DDL as: ddl-event-type.ts (DM's DDLWorker.AstToDDLEvent).
 */

export const DML_EVENTS = ['insert', 'update', 'delete'] as const;

/**
 * The incompatible-DDL names at the end of DM's list that its syncer never classifies a
 * MySQL/MariaDB DDL as (TiDB-only changes, or derived by TiDB alone); see NEVER_EMITTED_EVENTS.
 */
const TIDB_ONLY_EVENTS = [
  'add foreign key',
  'drop foreign key',
  'modify schema charset and collate',
  'modify table charset and collate',
  'modify table comment',
  'recover table',
  'alter table partitioning',
  'remove table partitioning',
  'add column',
  'set default value',
  'rebase auto id',
  'add primary key',
  'alter index visibility',
  'alter ttl info',
  'alter ttl remove',
  'multi schema change',
] as const;

/** DM's `ddl` class (filter.go ClassifyEvent). */
export const COMPATIBLE_DDL_EVENTS = [
  'create database',
  'alter database',
  'create table',
  'create index',
  'create view',
  'drop view',
  'alter table',
  'add table partition',
] as const;

/** DM's `incompatibleDDL` class: matched by `incompatible ddl changes` too. */
export const INCOMPATIBLE_DDL_EVENTS = [
  'drop database',
  'drop table',
  'drop index',
  'rename table',
  'truncate table',
  'drop table partition',
  'truncate table partition',
  'value range decrease',
  'precision decrease',
  'modify column',
  'rename column',
  'rename index',
  'drop column',
  'drop primary key',
  'drop unique key',
  'modify default value',
  'modify constraint',
  'modify columns order',
  'modify charset',
  'modify collation',
  'remove auto increment',
  'modify storage engine',
  'reorganize table partition',
  'rebuild table partition',
  'coalesce table partition',
  'split table partition',
  'exchange table partition',
  ...TIDB_ONLY_EVENTS,
] as const;

export const GROUP_EVENTS = [
  'all',
  'none',
  'all dml',
  'all ddl',
  'none dml',
  'none ddl',
  'incompatible ddl changes',
] as const;

/** DM's aliases (util.go:127-133): written as the left, matched as the right. */
export const EVENT_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  'create schema': 'create database',
  'drop schema': 'drop database',
  'alter schema': 'alter database',
});

/**
 * Names DM accepts but its syncer never classifies a DDL as (DDLWorker.AstToDDLEvent,
 * dm/syncer/ddl.go:1127-1190, returns none of them): a rule naming them matches nothing in DM
 * either. Accepted with the coded warning that DM ignores them too.
 */
export const NEVER_EMITTED_EVENTS: ReadonlySet<string> = new Set([
  'add table partition',
  'split table partition',
  ...TIDB_ONLY_EVENTS,
]);

/**
 * Names DM derives only by comparing a `MODIFY`/`CHANGE COLUMN` with the tracked column
 * (handleModifyColumn, dm/syncer/ddl.go:1060-1124): that comparison is not built here, so a
 * rule naming them would never match; refused at load (E.configNotSupported).
 */
export const COLUMN_COMPARE_EVENTS: ReadonlySet<string> = new Set([
  'value range decrease',
  'precision decrease',
  'modify column',
  'remove auto increment',
  'drop unique key',
  'modify columns order',
]);

export type DmlEvent = (typeof DML_EVENTS)[number];
export type DdlEvent = (typeof COMPATIBLE_DDL_EVENTS)[number] | (typeof INCOMPATIBLE_DDL_EVENTS)[number];
/** Every event name DM's filter knows (aliases resolved). */
export type DmEventType = DmlEvent | DdlEvent | (typeof GROUP_EVENTS)[number];

const KNOWN = new Set<string>([
  ...DML_EVENTS,
  ...COMPATIBLE_DDL_EVENTS,
  ...INCOMPATIBLE_DDL_EVENTS,
  ...GROUP_EVENTS,
]);
const INCOMPATIBLE = new Set<string>(INCOMPATIBLE_DDL_EVENTS);

/** A written event name as DM reads it: lower case, aliases resolved. */
export function normaliseEventName(name: string): string {
  const l = name.toLowerCase().trim();
  return EVENT_ALIASES[l] ?? l;
}

/** True for an event name DM's filter accepts (any case, aliases included). */
export function isDmEventType(name: string): boolean {
  return KNOWN.has(normaliseEventName(name));
}

/** True for DM's incompatibleDDL class. */
export function isIncompatibleDdl(event: string): boolean {
  return INCOMPATIBLE.has(event);
}
