import type { ProcessResultJson, RelayStatus } from '../pkg/api/worker-api.js';
import { asDmError, type DmError, E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { Backoff, sleep } from '../pkg/retry/backoff.js';
import type { Stage, Unit } from '../unit/unit.js';

/**
 * Runs a source's relay unit in the background for as long as the source is bound here:
 * init once, then `process` until stopped; retryable failures are retried with backoff
 * (1 s → 60 s), others leave the relay Paused with its error in the source status.
 */
export class RelayRunner {
  /** Per run: pause aborts it, resume makes a new one. */
  private ctrl = new AbortController();
  private loop: Promise<void> | undefined;
  private stage: Stage = 'New';
  private errors: DmError[] = [];

  constructor(
    private readonly relay: Unit,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stage = 'Running';
    this.loop = this.run();
  }

  /** Running → Paused (`pause-relay`): abort the relay unit's run and wait for it. */
  async pause(): Promise<void> {
    if (this.stage !== 'Running') return;
    this.ctrl.abort();
    await this.loop;
    this.stage = 'Paused';
  }

  /** Paused → Running (`resume-relay`): run the relay unit again, errors cleared. */
  resume(): void {
    if (this.stage !== 'Paused') return;
    this.ctrl = new AbortController();
    this.errors = [];
    this.start();
  }

  /** The current stage (New, Running, Paused, Stopped). */
  get currentStage(): Stage {
    return this.stage;
  }

  private async run(): Promise<void> {
    const signal = this.ctrl.signal;
    const backoff = new Backoff({ initialMs: 1000, maxMs: 60_000 });
    let inited = false;
    while (!signal.aborted) {
      let errors: DmError[];
      try {
        if (!inited) {
          await this.relay.init();
          inited = true;
        }
        const res = await this.relay.process(signal);
        if (signal.aborted) break;
        errors = res.errors.length > 0 ? res.errors : [asDmError('relay exited', E.workerUnit)];
      } catch (err) {
        if (signal.aborted) break;
        errors = [asDmError(err, E.workerUnit)];
      }
      this.errors = errors;
      const retryable = errors.every((e) => this.relay.isRetryable(e));
      this.logger.warn({ errors: errors.map(String), retryable }, 'relay stopped by error');
      if (!retryable) {
        this.stage = 'Paused';
        return;
      }
      await sleep(backoff.next(), signal);
      this.errors = [];
    }
  }

  /** Relay part of `sourceStatus` for query-status. */
  status(): RelayStatus {
    const s = (safe(() => this.relay.status()) ?? {}) as Partial<RelayStatus>;
    const result: ProcessResultJson | null =
      this.errors.length > 0
        ? { isCanceled: false, errors: this.errors.map((e) => e.toStatus()), detail: null }
        : null;
    return {
      masterBinlog: '',
      masterBinlogGtid: '',
      relaySubDir: '',
      relayBinlog: '',
      relayBinlogGtid: '',
      relayCatchUpMaster: false,
      ...s,
      stage: this.stage,
      result,
    };
  }

  /** Abort, wait, close. Idempotent. */
  async stop(): Promise<void> {
    this.ctrl.abort();
    await this.loop;
    this.stage = 'Stopped';
    await this.relay.close().catch((err: unknown) => this.logger.warn({ err }, 'closing relay failed'));
  }
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
