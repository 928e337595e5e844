import { dmError, E } from '../errors/index.js';
import type { GtidSet } from './types.js';

/** One MariaDB GTID: replication domain, originating server, sequence number (u64). */
export interface MariadbGtid {
  domainId: number;
  serverId: number;
  seqNo: bigint;
}

const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;

/**
 * MariaDB's replication position: the last GTID per domain (`0-1-100,1-2-7`), as in
 * `@@gtid_slave_pos` / `@slave_connect_state`. Printed ordered by domain id.
 */
export class MariadbGtidList implements GtidSet {
  readonly flavor = 'mariadb' as const;
  private readonly domains = new Map<number, MariadbGtid>();

  /**
   * Parse `d-s-n[,d-s-n…]`; whitespace around items is ignored, empty text = empty list.
   * When a domain appears twice (as in `@@gtid_binlog_state`, one entry per server), the
   * highest sequence number wins: that is the domain's position. Throws E.gtidParse.
   */
  static parse(text: string): MariadbGtidList {
    const list = new MariadbGtidList();
    for (const raw of text.split(',')) {
      const item = raw.trim();
      if (item === '') continue;
      list.put(parseOne(item, text), false);
    }
    return list;
  }

  /** Set the domain's position to `d-s-n` (the newest transaction wins regardless of seq). */
  add(gtid: string): void {
    this.put(parseOne(gtid.trim(), gtid), true);
  }

  /** Hot-path variant of `add` without text parsing. */
  addGtid(g: MariadbGtid): void {
    this.domains.set(g.domainId, { ...g });
  }

  /** Per domain, keep the higher sequence number. */
  merge(other: GtidSet): void {
    for (const g of asMariadb(other).domains.values()) this.put(g, false);
  }

  contains(other: GtidSet): boolean {
    for (const g of asMariadb(other).domains.values()) {
      const mine = this.domains.get(g.domainId);
      if (!mine || mine.seqNo < g.seqNo) return false;
    }
    return true;
  }

  equals(other: GtidSet): boolean {
    return other.flavor === 'mariadb' && this.toString() === other.toString();
  }

  isEmpty(): boolean {
    return this.domains.size === 0;
  }

  /** The position of one domain, if any. */
  get(domainId: number): MariadbGtid | undefined {
    const g = this.domains.get(domainId);
    return g ? { ...g } : undefined;
  }

  /** All positions, ordered by domain id. */
  list(): MariadbGtid[] {
    return [...this.domains.values()].sort((a, b) => a.domainId - b.domainId).map((g) => ({ ...g }));
  }

  clone(): MariadbGtidList {
    const c = new MariadbGtidList();
    for (const g of this.domains.values()) c.domains.set(g.domainId, { ...g });
    return c;
  }

  toString(): string {
    // Printed for every checkpointed transaction: the usual single domain without copies.
    if (this.domains.size === 1) {
      for (const g of this.domains.values()) return `${g.domainId}-${g.serverId}-${g.seqNo}`;
    }
    return this.list()
      .map((g) => `${g.domainId}-${g.serverId}-${g.seqNo}`)
      .join(',');
  }

  private put(g: MariadbGtid, overwrite: boolean): void {
    const cur = this.domains.get(g.domainId);
    if (overwrite || !cur || cur.seqNo < g.seqNo) this.domains.set(g.domainId, { ...g });
  }
}

function parseOne(item: string, text: string): MariadbGtid {
  const m = /^(\d+)-(\d+)-(\d+)$/.exec(item);
  if (!m) throw parseError(text, `"${item}" is not domain-server-seq`);
  const domainId = Number(m[1]);
  const serverId = Number(m[2]);
  const seqNo = BigInt(m[3]!);
  if (domainId > U32_MAX || serverId > U32_MAX || seqNo > U64_MAX) {
    throw parseError(text, `"${item}" is out of range`);
  }
  return { domainId, serverId, seqNo };
}

function asMariadb(s: GtidSet): MariadbGtidList {
  if (!(s instanceof MariadbGtidList)) {
    throw dmError(E.gtidParse, `cannot combine a ${s.flavor} GTID set with a MariaDB GTID list`);
  }
  return s;
}

function parseError(text: string, why: string): Error {
  return dmError(E.gtidParse, `invalid MariaDB GTID list "${text}": ${why}`, { context: { gtid: text } });
}
