import type { BinlogClient, BinlogClientOptions } from '../../../src/pkg/binlog/binlog-client.js';
import type { PositionedEvent } from '../../../src/pkg/binlog/types.js';
import type { MariadbInstance } from '../../harness/index.js';

/**
 * Pull events from `client` until `until` says stop (or `timeoutMs` passes: then throw with
 * what was seen, so a hang shows up as a readable failure).
 */
export async function collect(
  client: BinlogClient,
  until: (ev: PositionedEvent, all: PositionedEvent[]) => boolean,
  opts: { timeoutMs?: number; onEvent?: (ev: PositionedEvent) => Promise<void> | void } = {},
): Promise<PositionedEvent[]> {
  const ac = new AbortController();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, timeoutMs);
  const all: PositionedEvent[] = [];
  try {
    for await (const ev of client.events(ac.signal)) {
      all.push(ev);
      await opts.onEvent?.(ev);
      if (until(ev, all)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) {
    const last = all.slice(-5).map((e) => `${e.event.type}@${e.file}:${e.pos}`);
    throw new Error(`timed out after ${timeoutMs} ms with ${all.length} events; last: ${last.join(', ')}`);
  }
  return all;
}

/** The first column of every row of every write_rows event (our tables keep the id first). */
export function writtenIds(events: PositionedEvent[], table: string): number[] {
  const ids: number[] = [];
  for (const { event } of events) {
    if (event.type === 'write_rows' && event.table === table)
      for (const r of event.rows) ids.push(Number(r[0]));
  }
  return ids;
}

/** True for events that are not part of a binlog file (fake rotate, artificial FDE, heartbeats). */
export function isArtificial(e: PositionedEvent): boolean {
  return e.pos === e.nextPos;
}

/**
 * Assert-style check that the real events form one gap-free, duplicate-free chain: each starts
 * where the previous ended, or at 4 of a later file after a rotate. Returns a problem or ''.
 */
export function chainProblem(events: PositionedEvent[]): string {
  let prev: PositionedEvent | undefined;
  const seen = new Set<string>();
  for (const e of events) {
    if (isArtificial(e)) {
      // A server-made event says where the stream goes on (MariaDB's fake GTID_LIST after
      // skipping to a start GTID): the next real event must start there.
      if (prev && e.file === prev.file && e.nextPos > 4) prev = { ...prev, nextPos: e.nextPos };
      continue;
    }
    const key = `${e.file}:${e.pos}`;
    if (seen.has(key)) return `duplicate event at ${key}`;
    seen.add(key);
    if (prev) {
      const sameFile = prev.file === e.file && prev.nextPos === e.pos;
      const nextFile = prev.file !== e.file && e.pos === 4 && e.file > prev.file;
      if (!sameFile && !nextFile) {
        return `gap: ${prev.event.type}@${prev.file}:${prev.pos}-${prev.nextPos} then ${e.event.type}@${key}`;
      }
    }
    prev = e;
  }
  return '';
}

/** The server's current binlog coordinate. */
export async function masterStatus(
  db: MariadbInstance,
): Promise<{ file: string; pos: number; gtid: string }> {
  const [s] = await db.query<{ File: string; Position: string | number }>('SHOW MASTER STATUS');
  const [g] = await db.query<{ g: string }>('SELECT @@gtid_binlog_pos AS g');
  return { file: String(s?.File), pos: Number(s?.Position), gtid: String(g?.g ?? '') };
}

/** Client options for `db` as the harness's `dm` user, with a fast reconnect backoff and 1 s heartbeats. */
export function dmUserOptions(db: MariadbInstance): Omit<BinlogClientOptions, 'start'> {
  return {
    host: db.host,
    port: db.port,
    user: 'dm',
    password: 'dmpass',
    backoff: { initialMs: 50, maxMs: 500 },
    heartbeatMs: 1000,
  };
}

/** The first `n` events as one line each (type, place, header), for assertion messages. */
export function summary(events: PositionedEvent[], n = 6): string {
  return events
    .slice(0, n)
    .map((e) => {
      const fake = e.event.type === 'rotate' && e.event.fake ? ` fake→${e.event.position}` : '';
      const h = e.event.header;
      return `${e.event.type}${fake} ${e.file}:${e.pos}-${e.nextPos} logPos=${h.logPos} size=${h.eventSize} flags=${h.flags}`;
    })
    .join('\n');
}
