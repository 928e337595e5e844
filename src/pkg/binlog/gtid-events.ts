import type { BufferReader } from './buffer-reader.js';
import type {
  EventHeader,
  GtidEvent,
  MariadbGtidEvent,
  MariadbGtidListEvent,
  PreviousGtidsEvent,
} from './types.js';

/** MariaDB GTID flags. */
export const FL_STANDALONE = 0x01;
export const FL_GROUP_COMMIT_ID = 0x02;

function uuidText(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * MySQL GTID / ANONYMOUS_GTID: flags u8 | sid 16 | gno u64 | [lt_type u8 (2) |
 * last_committed u64 | sequence_number u64 | …newer fields, ignored].
 */
export function decodeMysqlGtid(header: EventHeader, r: BufferReader, anonymous: boolean): GtidEvent {
  const flags = r.u8();
  const sid = r.bytes(16);
  const gno = r.u64String();
  const ev: GtidEvent = {
    type: anonymous ? 'anonymous_gtid' : 'gtid',
    header,
    gtid: anonymous ? '' : `${uuidText(sid)}:${gno}`,
    commitFlag: (flags & 1) !== 0,
  };
  if (r.remaining >= 17 && r.u8() === 2) {
    ev.lastCommitted = r.u64();
    ev.sequenceNumber = r.u64();
  }
  return ev;
}

/** PREVIOUS_GTIDS: n_sids u64 | per sid: uuid 16 | n_intervals u64 | (start u64, end u64 exclusive)… */
export function decodePreviousGtids(header: EventHeader, r: BufferReader): PreviousGtidsEvent {
  const nSids = r.u64();
  const parts: string[] = [];
  for (let i = 0; i < nSids; i++) {
    let s = uuidText(r.bytes(16));
    const n = r.u64();
    r.need(n * 16); // reject absurd counts before looping
    for (let j = 0; j < n; j++) {
      const start = r.u64();
      const end = r.u64() - 1;
      s += start === end ? `:${start}` : `:${start}-${end}`;
    }
    parts.push(s);
  }
  return { type: 'previous_gtids', header, gtidSet: parts.join(',') };
}

/** MariaDB GTID: seq_no u64 | domain_id u32 | flags u8 | [commit_id u64 if FL_GROUP_COMMIT_ID]. */
export function decodeMariadbGtid(header: EventHeader, r: BufferReader): MariadbGtidEvent {
  const seqNo = r.u64String();
  const domainId = r.u32();
  const flags = r.u8();
  const ev: MariadbGtidEvent = {
    type: 'mariadb_gtid',
    header,
    domainId,
    seqNo,
    gtid: `${domainId}-${header.serverId}-${seqNo}`,
    flags,
    standalone: (flags & FL_STANDALONE) !== 0,
  };
  if ((flags & FL_GROUP_COMMIT_ID) !== 0 && r.remaining >= 8) ev.commitId = r.u64String();
  return ev;
}

/** MariaDB GTID_LIST: count u32 (low 28 bits; top 4 are flags) | (domain u32, server u32, seq u64)… */
export function decodeMariadbGtidList(header: EventHeader, r: BufferReader): MariadbGtidListEvent {
  const count = r.u32() & 0x0fffffff;
  r.need(count * 16);
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const domain = r.u32();
    const server = r.u32();
    parts.push(`${domain}-${server}-${r.u64String()}`);
  }
  return { type: 'mariadb_gtid_list', header, gtids: parts.join(',') };
}
