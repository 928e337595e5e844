/**
 * The fields of the validator's pending rows, one slot per row, side by side in one Int32Array
 * (`f[slot * STRIDE + field]`): a catch-up keeps hundreds of thousands of pending rows, and as
 * objects each would be copied and walked by the garbage collector on the dm-worker's main
 * thread (see row-arena.ts); one slot's fields share a cache line, so replacing a row touches
 * one line, not one per field. A freed slot is reused; its version grows on every change, so a
 * reader can tell that what it read is stale.
 */
export const KIND = 0; // 0 upsert (the row must be there, as it is), 1 delete (the key must be gone)
export const SOURCE = 1; // index of the source table (PendingRows' list)
export const STRUCTURE = 2; // index of the table structure (PendingRows' list)
export const GEN = 3; // the flush generation the row was added in
export const VER = 4; // bumped whenever the slot's row is replaced or dropped
export const CHUNK = 5; // the row image's address in the RowArena
export const OFFSET = 6;
export const LENGTH = 7;
export const STRIDE = 8;

export class PendingSlots {
  f = new Int32Array(0);
  /** When the key's first pending change was seen (ms since the epoch). */
  firstSeen = new Float64Array(0);
  private readonly free: number[] = [];
  private next = 0;

  alloc(): number {
    const s = this.free.pop();
    if (s !== undefined) return s;
    if (this.next === this.firstSeen.length) this.grow();
    return this.next++;
  }

  release(s: number): void {
    this.f[s * STRIDE + VER]!++;
    this.free.push(s);
  }

  private grow(): void {
    const n = Math.max(1024, this.firstSeen.length * 2);
    const f = new Int32Array(n * STRIDE);
    f.set(this.f);
    this.f = f;
    const t = new Float64Array(n);
    t.set(this.firstSeen);
    this.firstSeen = t;
  }
}
