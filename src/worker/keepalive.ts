import type { Etcd3, Lease } from 'etcd3';
import { Keys } from '../pkg/etcd/keys.js';
import type { Logger } from '../pkg/log/logger.js';
import { Backoff, sleep } from '../pkg/retry/backoff.js';

/** Callbacks of {@link WorkerKeepalive}. */
export interface KeepaliveEvents {
  /** The keepalive key is in place under a live lease (first time, and after every re-grant). */
  onAlive: () => void;
  /**
   * The lease is (or must be assumed) expired: etcd said so, or no keepalive got through for
   * a whole TTL. The master treats this worker as offline and may re-bind its source, so the
   * worker must stop its subtasks now (DM: an isolated worker stops its tasks).
   */
  onLost: (reason: string) => void;
}

/**
 * The worker's liveness in etcd: `Keys.workerKeepalive(name)` under a lease of `ttl` seconds
 * (DM's `/dm-worker/a/`). The key disappears when the worker dies or is cut off for a TTL,
 * which is how the leader notices. After a loss the lease is re-granted and the key re-put,
 * with backoff, until `close()`.
 */
export class WorkerKeepalive {
  private lease: Lease | undefined;
  private lastOk = 0;
  private closed = false;
  private alive = false;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly stopCtrl = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly client: Etcd3,
    private readonly name: string,
    private readonly addr: string,
    private ttl: number,
    private readonly events: KeepaliveEvents,
    private readonly logger: Logger,
  ) {}

  /** Set by `setTtl`: the next wake re-grants under the new TTL without reporting a loss. */
  private ttlChange = false;

  /**
   * Move the key to a lease of `ttl` seconds (relay on/off: DM's relay-keepalive-ttl). The new
   * lease is granted and the key put under it before the old lease stops being kept alive,
   * so the key never disappears and the leader sees no offline worker.
   */
  setTtl(ttl: number): void {
    if (ttl === this.ttl || this.closed) return;
    this.logger.info({ from: this.ttl, to: ttl }, 'worker lease TTL changes');
    this.ttl = ttl;
    if (this.alive) {
      this.ttlChange = true;
      this.wake?.();
    }
  }

  /** True while the lease is believed alive. */
  get isAlive(): boolean {
    return this.alive;
  }

  /** Start granting/keeping the lease in the background; resolves once the first grant succeeded. */
  async start(): Promise<void> {
    let firstResolve: () => void = () => undefined;
    const first = new Promise<void>((r) => {
      firstResolve = r;
    });
    this.loop = this.run(firstResolve);
    await Promise.race([first, this.loop]);
  }

  private async run(firstDone: () => void): Promise<void> {
    const backoff = new Backoff({ initialMs: 200, maxMs: Math.max(1000, (this.ttl * 1000) / 2) });
    while (!this.closed) {
      try {
        const quiet = this.ttlChange;
        this.ttlChange = false;
        await this.grant();
        backoff.reset();
        this.alive = true;
        firstDone();
        if (!quiet) this.events.onAlive();
        const reason = await this.waitLoss();
        if (this.closed) return;
        if (this.ttlChange) continue;
        this.alive = false;
        this.logger.warn({ reason }, 'worker lease lost; stopping local work and re-registering');
        this.events.onLost(reason);
      } catch (err) {
        if (this.closed) return;
        this.logger.warn({ err: (err as Error).message }, 'cannot grant worker lease; retrying');
        this.dropLease();
        await sleep(backoff.next(), this.stopCtrl.signal);
      }
    }
  }

  private async grant(): Promise<void> {
    this.dropLease();
    const lease = this.client.lease(this.ttl, { autoKeepAlive: true });
    this.lease = lease;
    lease.on('keepaliveSucceeded', () => {
      this.lastOk = Date.now();
    });
    lease.on('lost', () => this.wake?.());
    await lease.grant();
    this.lastOk = Date.now();
    const value = JSON.stringify({ name: this.name, addr: this.addr, ts: new Date().toISOString() });
    await lease.put(Keys.workerKeepalive(this.name)).value(value);
  }

  /** Resolves with a reason when etcd reports the lease lost or keepalives stop for a TTL. */
  private waitLoss(): Promise<string> {
    return new Promise((resolve) => {
      const done = (reason: string): void => {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
        this.wake = undefined;
        resolve(reason);
      };
      this.wake = () =>
        done(this.closed ? 'closed' : this.ttlChange ? 'lease TTL changed' : 'etcd reported the lease lost');
      // Our own watchdog: etcd3 only reports a loss after 2×TTL of silence; the server-side
      // lease is gone after 1×TTL, and the leader may already have re-bound our source.
      this.watchdog = setInterval(
        () => {
          if (Date.now() - this.lastOk > this.ttl * 1000) done(`no keepalive for ${this.ttl}s`);
        },
        Math.max(200, (this.ttl * 1000) / 6),
      );
      this.watchdog.unref();
    });
  }

  private dropLease(): void {
    const l = this.lease;
    this.lease = undefined;
    if (l) {
      l.removeAllListeners();
      l.on('lost', () => undefined);
      l.release();
    }
  }

  /** Stop keeping alive and revoke the lease (the key vanishes at once). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopCtrl.abort();
    this.wake?.();
    const l = this.lease;
    this.lease = undefined;
    if (l) {
      l.removeAllListeners();
      l.on('lost', () => undefined);
      await Promise.race([l.revoke().catch(() => undefined), sleep(2000)]);
    }
    await this.loop;
  }
}
