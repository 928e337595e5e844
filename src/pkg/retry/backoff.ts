/**
 * Bounded exponential backoff with jitter, used by every reconnecting loop (binlog client,
 * DB connections, etcd watches) so they all behave the same way.
 */
export interface BackoffOptions {
  /** First delay in ms. Default 200. */
  initialMs?: number;
  /** Largest delay in ms. Default 10_000. */
  maxMs?: number;
  /** Growth factor. Default 2. */
  factor?: number;
  /** Give up after this many attempts (Infinity = never). Default Infinity. */
  maxAttempts?: number;
  /** Fraction of random jitter, 0..1. Default 0.2. */
  jitter?: number;
}

export class Backoff {
  private attempt = 0;
  private readonly o: Required<BackoffOptions>;

  constructor(opts: BackoffOptions = {}) {
    this.o = {
      initialMs: opts.initialMs ?? 200,
      maxMs: opts.maxMs ?? 10_000,
      factor: opts.factor ?? 2,
      maxAttempts: opts.maxAttempts ?? Number.POSITIVE_INFINITY,
      jitter: opts.jitter ?? 0.2,
    };
  }

  get attempts(): number {
    return this.attempt;
  }

  /** True when another attempt is allowed. */
  canRetry(): boolean {
    return this.attempt < this.o.maxAttempts;
  }

  /** The next delay in ms (grows each call). */
  next(): number {
    const base = Math.min(this.o.maxMs, this.o.initialMs * this.o.factor ** this.attempt);
    this.attempt++;
    const j = base * this.o.jitter * (Math.random() * 2 - 1);
    return Math.max(0, Math.round(base + j));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Sleep that can be cut short by an AbortSignal (resolves early, never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
