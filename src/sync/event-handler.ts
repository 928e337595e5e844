/**
 * The sync unit's handling of one binlog event (after the reader): ROWS events to the row
 * dispatcher (or held for a pending shard DDL), transaction boundaries to the applied
 * position, other QUERY events to the DDL executor (with a pending `dmctl binlog
 * skip|replace|inject` applied). Tracks the read position (after the last event handled) and
 * the seen position (end of the event being handled: every dispatched job lies at or before it).
 */

import type { BinlogOperator } from '../pkg/binlog/binlog-operator.js';
import { queryTxnRole } from '../pkg/binlog/txn-boundaries.js';
import type { PositionedEvent } from '../pkg/binlog/types.js';
import type { Logger } from '../pkg/log/logger.js';
import type { SchemaTracker } from '../pkg/schema/schema-tracker.js';
import { operatedQuery } from './binlog-operator.js';
import type { DdlExecutor } from './ddl/ddl-executor.js';
import type { EventFilters } from './event-filters.js';
import type { ExecutedGtids } from './executed-gtids.js';
import type { Location } from './job.js';
import type { RowsDispatcher } from './rows-dispatcher.js';
import type { DmlHolder } from './shard/dml-holder.js';
import type { SyncStats } from './sync-stats.js';

/** The parts of the sync unit an event goes through. */
export interface EventParts {
  stats: SyncStats;
  gtids: ExecutedGtids;
  filters: EventFilters;
  tracker: SchemaTracker;
  rows: RowsDispatcher;
  ddl: () => DdlExecutor;
  holder: DmlHolder | undefined;
  binlogOps: BinlogOperator | undefined;
  log: Logger;
  /** A transaction boundary at `end` (commit timestamp `ts`). */
  boundary(end: Location, ts: number): void;
}

export class EventHandler {
  /** Read position: after the last event handled. */
  readLoc: Location = { file: '', pos: 4 };
  /** End of the event being handled (every dispatched job lies at or before it). */
  seenLoc: Location = { file: '', pos: 4 };

  constructor(private readonly p: EventParts) {}

  /** Handle every event of `batches` in order until they end or `signal` aborts. */
  async consume(batches: AsyncIterable<PositionedEvent[]>, signal: AbortSignal): Promise<void> {
    let sinceYield = 0;
    for await (const batch of batches) {
      for (const pe of batch) {
        if (signal.aborted) return;
        const wait = this.handle(pe);
        if (wait) await wait;
        // While events are buffered the reader runs on microtasks alone and starves the
        // appliers' socket callbacks (measured: event-loop delay p50 200–1100 ms during
        // catch-up). Yield to I/O every few hundred events.
        if (++sinceYield >= 256) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      if (signal.aborted) return;
    }
  }

  /**
   * Handle one event. A promise only when it has to wait (DDL, a full applier queue, a table
   * structure to load): most events cost no promise and no microtask hop.
   */
  handle(pe: PositionedEvent): Promise<void> | undefined {
    const p = this.p;
    // Held DML a resolved wait released goes first (it lies before this event).
    const released = p.holder?.redirect?.();
    if (released) return released.then(() => this.handle(pe));
    const ev = pe.event;
    p.stats.record();
    p.gtids.observe(ev);
    if (ev.type === 'rotate') {
      if (ev.nextFile) this.readLoc = { ...this.readLoc, file: ev.nextFile, pos: ev.position };
      return undefined;
    }
    if (ev.type === 'heartbeat' || ev.type === 'heartbeat_v2' || ev.type === 'format_description')
      return undefined;
    const end: Location = { file: pe.file, pos: pe.nextPos };
    this.seenLoc = end;
    let wait: Promise<void> | undefined;
    switch (ev.type) {
      case 'write_rows':
      case 'update_rows':
      case 'delete_rows':
        // A shard table that met a DDL its group has not resolved: its DML waits.
        if (p.holder?.holds(ev.schema, ev.table) && p.filters.allowRows(ev)) {
          p.holder.hold(ev, pe, end, p.tracker.get(ev.schema, ev.table));
          break;
        }
        wait = p.rows.handle(ev, pe, end);
        break;
      case 'xid':
        p.boundary(end, ev.header.timestamp);
        break;
      case 'query': {
        const role = queryTxnRole(ev.query);
        if (role === 'begin') break;
        if (role === 'end') {
          p.boundary(end, ev.header.timestamp);
          break;
        }
        wait = this.handleQuery(ev.schema, ev.query, pe, end, ev.header.timestamp, ev.statusVars.timeZone);
        break;
      }
      default:
        break;
    }
    if (wait) {
      return wait.then(() => {
        this.readLoc = end;
      });
    }
    this.readLoc = end;
    return undefined;
  }

  private async handleQuery(
    schema: string,
    query: string,
    pe: PositionedEvent,
    end: Location,
    ts: number,
    timeZone: string | undefined,
  ): Promise<void> {
    // A pending `dmctl binlog skip|replace|inject` for this event changes what is executed.
    const op = this.p.binlogOps?.take(pe.file, pe.pos);
    if (op) this.p.log.warn({ op: op.kind, at: op.pos, sqls: op.sqls }, 'binlog operation applied');
    await this.p.ddl().handleQuery(schema, operatedQuery(op, query), { file: pe.file, pos: pe.pos }, end, {
      skip: op?.kind === 'skip',
      session: { timestamp: ts, timeZone },
    });
    this.p.boundary(end, ts);
  }
}
