import type { Flavor } from '../binlog/types.js';

/**
 * A set of executed transactions in one flavor's syntax. Implementations are mutable value
 * objects (`add`/`merge` change them in place; `clone` before sharing).
 *
 * - MySQL (`MysqlGtidSet`): `uuid:1-5:7,uuid2:3` — every transaction ever executed.
 * - MariaDB (`MariadbGtidList`): `domain-server-seq,…` — the last transaction per domain
 *   (MariaDB's replication state is a position per domain, not a set).
 */
export interface GtidSet {
  readonly flavor: Flavor;
  /** Record one executed transaction given as text (`uuid:gno` or `d-s-n`). Throws E.gtidParse. */
  add(gtid: string): void;
  /** Fold another set of the same flavor into this one (union / per-domain max). */
  merge(other: GtidSet): void;
  /** True when every transaction of `other` is in this set (MariaDB: every domain is at or past it). */
  contains(other: GtidSet): boolean;
  equals(other: GtidSet): boolean;
  isEmpty(): boolean;
  clone(): GtidSet;
  /** Canonical text: the same set always prints the same way. */
  toString(): string;
}
