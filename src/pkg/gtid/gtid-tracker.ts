import { queryTxnRole } from '../binlog/txn-boundaries.js';
import type { BinlogEvent, Flavor } from '../binlog/types.js';
import { type MariadbGtid, MariadbGtidList } from './mariadb-gtid-list.js';
import { emptyGtidSet, parseGtidSet } from './parse-gtid-set.js';
import type { GtidSet } from './types.js';

/**
 * Follows a binlog event stream and keeps the set of COMPLETED transactions: a transaction's
 * GTID joins the set only at its end (XID, COMMIT, the DDL statement itself, XA PREPARE), so
 * the set is always a safe point to resume from — the server restarts after it, at a
 * transaction boundary.
 *
 * Transaction shapes:
 * - MySQL: GTID, QUERY "BEGIN", …, XID | QUERY "COMMIT"; DDL: GTID, QUERY ddl.
 * - MariaDB: GTID (implies BEGIN unless FL_STANDALONE), …, XID | QUERY "COMMIT";
 *   standalone (DDL): GTID, QUERY ddl.
 *
 * The set is "known" only when it has a base: the start GTID set, or a GTID_LIST /
 * PREVIOUS_GTIDS event (they open every binlog file and state what came before). A stream
 * started by file/position in the middle of a file has no base until the next file.
 */
export class GtidTracker {
  private set: GtidSet;
  private known: boolean;
  /** The open transaction's GTID: text (MySQL), or MariaDB's as numbers (no parse per transaction). */
  private pending: string | MariadbGtid | undefined;
  private inTrx = false;

  constructor(
    readonly flavor: Flavor,
    start?: string,
  ) {
    this.known = start !== undefined;
    this.set = start === undefined ? emptyGtidSet(flavor) : parseGtidSet(flavor, start);
  }

  /** The completed set, or undefined when it has no base yet. Do not mutate. */
  get executed(): GtidSet | undefined {
    return this.known ? this.set : undefined;
  }

  /** True while inside a transaction (between its GTID and its end). */
  get inTransaction(): boolean {
    return this.pending !== undefined;
  }

  observe(ev: BinlogEvent): void {
    switch (ev.type) {
      case 'gtid':
        this.pending = ev.gtid;
        this.inTrx = false;
        return;
      case 'anonymous_gtid':
        this.pending = undefined;
        this.inTrx = false;
        return;
      case 'mariadb_gtid':
        this.pending = {
          domainId: ev.domainId,
          serverId: ev.header.serverId,
          seqNo: BigInt(ev.seqNo),
        };
        this.inTrx = !ev.standalone;
        return;
      case 'previous_gtids':
        this.base(ev.gtidSet);
        return;
      case 'mariadb_gtid_list':
        this.base(ev.gtids);
        return;
      case 'xid':
        this.complete();
        return;
      case 'query':
        this.onQuery(ev.query);
        return;
      case 'unknown':
        if (ev.name === 'xa_prepare') this.complete();
        return;
      default:
        return;
    }
  }

  private onQuery(sql: string): void {
    if (this.pending === undefined) return;
    const role = queryTxnRole(sql);
    if (role === 'begin') {
      this.inTrx = true;
    } else if (!this.inTrx || role === 'end') {
      this.complete(); // a DDL / standalone statement is its own transaction
    }
  }

  private base(text: string): void {
    // A file's list states what ran before the file: merging never moves us backwards.
    this.set.merge(parseGtidSet(this.flavor, text));
    this.known = true;
  }

  private complete(): void {
    const p = this.pending;
    if (typeof p === 'string') this.set.add(p);
    else if (p && this.set instanceof MariadbGtidList) this.set.addGtid(p);
    else if (p) this.set.add(`${p.domainId}-${p.serverId}-${p.seqNo}`); // wrong flavor: add() says so
    this.pending = undefined;
    this.inTrx = false;
  }
}
