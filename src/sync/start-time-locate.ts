import { BinlogClient } from '../pkg/binlog/binlog-client.js';
import { TxnBoundaries } from '../pkg/binlog/txn-boundaries.js';
import type { BinlogEvent, Flavor } from '../pkg/binlog/types.js';
import type { SubTaskConfig } from '../pkg/config/types.js';
import { binlogEndpoint, type Connection } from '../pkg/db/connect.js';
import { dmError, E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { ExecutedGtids } from './executed-gtids.js';
import type { Location } from './job.js';

/**
 * `start-task --start-time T`: the binlog position of the first transaction whose events carry
 * a timestamp >= T (DM's "position by time"). The binlog files are binary-searched by the
 * timestamp of their first transaction, then the chosen file is scanned (and on into the next
 * files, which all start at or after T) for the first transaction start at or after T.
 * Timestamps are the binlog headers' (seconds since the epoch, written by the upstream), so
 * the answer is only as precise as DM's: "roughly" the start point.
 */

/** How the located position relates to the binlog the upstream still has. */
export type StartTimeBound = 'in-range' | 'before-oldest' | 'after-newest';

/** A located start: a transaction start (or the current end), with the GTID set before it. */
export interface LocatedStart {
  location: Location;
  bound: StartTimeBound;
}

export { TxnBoundaries, type TxnStep } from '../pkg/binlog/txn-boundaries.js';

/** One event as the scan needs it: the event, its file and offsets. */
export interface ScanEvent {
  event: BinlogEvent;
  file: string;
  pos: number;
  nextPos: number;
}

/**
 * The scan for the first transaction at or after a time (pure: fed events in stream order).
 * Keeps the executed GTID set before the found transaction (from the files' GTID list /
 * previous-GTIDs events and the transactions passed), and the last transaction boundary seen,
 * which is where a start-time later than every event starts: the current end.
 */
export class StartTimeScan {
  private readonly txn = new TxnBoundaries();
  private readonly gtids = new ExecutedGtids(() => undefined);
  private boundary: Location | undefined;
  /** The located start once found. */
  found: Location | undefined;

  constructor(
    private readonly t: number,
    flavor: Flavor | '',
  ) {
    this.gtids.begin(flavor);
  }

  /** Feed the next event; true once the start is found (feed no more). */
  feed(pe: ScanEvent): boolean {
    const ev = pe.event;
    // Rotate / heartbeat events are not in a file's content (fake ones carry timestamp 0).
    if (ev.type === 'rotate' || ev.type === 'heartbeat' || ev.type === 'heartbeat_v2') return false;
    const step = this.txn.feed(ev);
    if (step.start && ev.header.timestamp >= this.t) {
      this.found = this.at({ file: pe.file, pos: pe.pos });
      return true;
    }
    this.gtids.observe(ev);
    if (step.idle) this.boundary = { file: pe.file, pos: pe.nextPos };
    return false;
  }

  /** Where the stream ended between transactions (the current end when nothing was found). */
  get end(): Location | undefined {
    return this.boundary ? this.at(this.boundary) : undefined;
  }

  private at(l: Location): Location {
    const gtid = this.gtids.now();
    return gtid ? { file: l.file, pos: l.pos, gtid } : { file: l.file, pos: l.pos };
  }
}

/**
 * Binary search over files 0..n-1 ordered by time: the last index whose key (first
 * transaction's timestamp) is < t, or -1 when none is (t at or before the oldest file).
 */
export async function lastFileBefore(
  n: number,
  key: (i: number) => Promise<number>,
  t: number,
): Promise<number> {
  let lo = 0;
  let hi = n - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((await key(mid)) < t) {
      ans = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return ans;
}

/** Options of {@link locateStartTime}. */
export interface LocateOptions {
  cfg: SubTaskConfig;
  /** Seconds since the epoch (see {@link parseStartTime}). */
  t: number;
  /** A SQL connection to the upstream (`SHOW BINARY LOGS`). */
  upstream: Connection;
  logger: Logger;
  signal?: AbortSignal;
}

/**
 * Locate the start point for time `t` on the upstream server. T earlier than the oldest
 * binlog: the oldest file's first transaction. Later than every event: the current end of the
 * binlog (DM refuses such a time with "start-time too late"; starting at the end is what a
 * user asking for "from now on" wants, and the log says so).
 */
export async function locateStartTime(o: LocateOptions): Promise<LocatedStart> {
  const [rows] = (await o.upstream.query('SHOW BINARY LOGS')) as unknown as [{ Log_name: string }[]];
  const files = rows.map((r) => String(r.Log_name));
  if (files.length === 0) throw dmError(E.syncFailed, 'start-time: the upstream has no binary logs');
  const keys = new Map<number, number>();
  const key = async (i: number): Promise<number> => {
    const k = keys.get(i) ?? (await firstTxnTime(o, files[i] as string));
    keys.set(i, k);
    return k;
  };
  const idx = await lastFileBefore(files.length, key, o.t);
  const file = files[Math.max(0, idx)] as string;
  const scan = new StartTimeScan(o.t, o.cfg.flavor);
  await readFrom(o, file, (pe) => scan.feed(pe), false);
  if (scan.found) {
    return { location: scan.found, bound: idx < 0 ? 'before-oldest' : 'in-range' };
  }
  const end = scan.end;
  if (!end) throw dmError(E.syncFailed, `start-time: no transaction boundary found from binlog ${file}`);
  return { location: end, bound: 'after-newest' };
}

/**
 * The key of a binlog file for the binary search: the timestamp of its first transaction, or
 * of its format description (the file's creation) when it holds none.
 */
async function firstTxnTime(o: LocateOptions, file: string): Promise<number> {
  const txn = new TxnBoundaries();
  let created: number | undefined;
  let first: number | undefined;
  await readFrom(
    o,
    file,
    (pe) => {
      const ev = pe.event;
      if (ev.type === 'rotate' || ev.type === 'heartbeat' || ev.type === 'heartbeat_v2') return false;
      if (ev.type === 'format_description') created ??= ev.header.timestamp;
      if (txn.feed(ev).start) first = ev.header.timestamp;
      return first !== undefined;
    },
    true,
  );
  return first ?? created ?? 0;
}

/**
 * Read the upstream's binlog from `file` position 4 to the current end (non-blocking dump),
 * calling `onEvent` until it returns true. `oneFile` stops at the end of `file`.
 */
async function readFrom(
  o: LocateOptions,
  file: string,
  onEvent: (pe: ScanEvent) => boolean,
  oneFile: boolean,
): Promise<void> {
  const { cfg } = o;
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const client = new BinlogClient({
    ...binlogEndpoint(cfg.from),
    // Its own random id (picked by the client), never the relay's: sync streams and the
    // relay of this source may be registered at the same time.
    reservedServerIds: cfg.serverId ? [cfg.serverId] : [],
    flavor: cfg.flavor,
    start: { file, pos: 4 },
    nonBlocking: true,
    heartbeatMs: 0,
    // A failing upstream is the caller's error to report, not one to wait out here.
    backoff: { initialMs: 200, maxMs: 1000, maxAttempts: 3 },
    logger: o.logger,
  });
  try {
    for await (const pe of client.events(ac.signal)) {
      if (oneFile && pe.file !== file) break;
      if (onEvent(pe)) break;
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    ac.abort();
  }
}
