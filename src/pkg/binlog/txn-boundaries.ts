/**
 * The one transaction-boundary detector of a binlog stream (issue 16: it was written four
 * times, with different ideas of which QUERY texts open and close a transaction).
 *
 * Transaction shapes: MySQL `GTID, BEGIN, …, XID|COMMIT` and `GTID, ddl`; MariaDB
 * `GTID, …, XID|COMMIT` (GTID implies BEGIN unless FL_STANDALONE) and standalone
 * `GTID(FL_STANDALONE), ddl`; XA: `XA START … XA END, XA_PREPARE` then `XA COMMIT|ROLLBACK`.
 */
import type { BinlogEvent } from './types.js';

/** What a QUERY event's text does to a transaction. */
export type QueryTxnRole = 'begin' | 'end' | 'statement';

/**
 * `begin` for BEGIN; `end` for COMMIT, ROLLBACK (not ROLLBACK TO SAVEPOINT), XA COMMIT and
 * XA ROLLBACK; `statement` for anything else (a DDL, or a statement-based DML in a body).
 */
export function queryTxnRole(query: string): QueryTxnRole {
  const q = query.trimStart();
  if (/^BEGIN\b/i.test(q)) return 'begin';
  if (/^(COMMIT|XA\s+COMMIT|XA\s+ROLLBACK)\b/i.test(q) || /^ROLLBACK(?!\s+TO\b)/i.test(q)) return 'end';
  return 'statement';
}

/** What one event does to the transaction structure of the stream. */
export interface TxnStep {
  /** The event opens a transaction: a position just before it is a valid start point. */
  start: boolean;
  /** After the event no transaction is open: its end is a transaction boundary. */
  idle: boolean;
}

/**
 * Follows transaction boundaries in a binlog stream (pure). A transaction starts at its GTID
 * event (MySQL GTID/ANONYMOUS_GTID, MariaDB GTID), or — without GTID events — at its BEGIN
 * or at a standalone statement (DDL). Shapes: MySQL `GTID, BEGIN, …, XID|COMMIT` and
 * `GTID, ddl`; MariaDB `GTID, …, XID|COMMIT` and standalone `GTID(FL_STANDALONE), ddl`.
 */
export class TxnBoundaries {
  /** idle: between transactions; gtid: a GTID seen, its BEGIN or single statement next; trx: in a body. */
  private mode: 'idle' | 'gtid' | 'trx' = 'idle';

  feed(ev: BinlogEvent): TxnStep {
    let start = false;
    switch (ev.type) {
      case 'gtid':
      case 'anonymous_gtid':
        start = true;
        this.mode = 'gtid';
        break;
      case 'mariadb_gtid':
        start = true;
        this.mode = ev.standalone ? 'gtid' : 'trx';
        break;
      case 'xid':
        this.mode = 'idle';
        break;
      case 'unknown':
        if (ev.name === 'xa_prepare') this.mode = 'idle';
        break;
      case 'query': {
        const role = queryTxnRole(ev.query);
        if (role === 'begin') {
          start = this.mode === 'idle';
          this.mode = 'trx';
        } else if (role === 'end') {
          this.mode = 'idle';
        } else if (this.mode === 'idle') {
          start = true; // a statement of its own (DDL) without a GTID event
        } else if (this.mode === 'gtid') {
          this.mode = 'idle'; // the single statement of a GTID transaction
        }
        break;
      }
      default:
        break;
    }
    return { start, idle: this.mode === 'idle' };
  }
}
