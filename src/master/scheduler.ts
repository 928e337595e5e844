/**
 * The leader's scheduler shell: loads the schedule from etcd, watches worker keepalives,
 * and commits every change computed by {@link ScheduleCore} in one etcd transaction fenced
 * on the leader's election key (a deposed leader's writes fail instead of landing).
 * All changes run one at a time through a queue, so memory and etcd never interleave.
 */
import type { IKeyValue, Watcher } from 'etcd3';
import { dmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import { LeaderShell } from './leader-shell.js';
import { type Binding, type EtcdOp, parseHintKey, ScheduleCore } from './scheduler-core.js';

export class Scheduler extends LeaderShell {
  private core = new ScheduleCore();
  private watcher: Watcher | undefined;
  private hintWatcher: Watcher | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  /** Rebuild from etcd, repair stale bindings, and start watching keepalives. */
  async start(): Promise<void> {
    const rev = await this.reload();
    this.watcher = await this.client
      .watch()
      .prefix(Keys.workerKeepalivePrefix)
      .startRevision(String(rev + 1))
      .create();
    this.watcher.on('put', (kv: IKeyValue) => {
      const name = kv.key.toString().slice(Keys.workerKeepalivePrefix.length);
      void this.run((core) => core.workerOnline(name)).catch((err) =>
        this.log.error({ err }, 'worker online'),
      );
    });
    this.watcher.on('delete', (kv: IKeyValue) => {
      const name = kv.key.toString().slice(Keys.workerKeepalivePrefix.length);
      this.log.warn({ worker: name }, 'worker keepalive lost');
      void this.run((core) => core.workerOffline(name)).catch((err) =>
        this.log.error({ err }, 'worker offline'),
      );
    });
    this.watcher.on('error', (err) => this.log.error({ err }, 'keepalive watch error'));
    // Hints only steer later choices: applied in the queue, nothing to commit.
    this.hintWatcher = await this.client
      .watch()
      .prefix(Keys.hintRoot)
      .startRevision(String(rev + 1))
      .create();
    const onHint = (kv: IKeyValue, on: boolean) => {
      const h = parseHintKey(kv.key.toString());
      if (!h) return;
      void this.run((core) => {
        core.setHint(h, on);
        return [];
      }).catch(() => undefined);
    };
    this.hintWatcher.on('put', (kv: IKeyValue) => onHint(kv, true));
    this.hintWatcher.on('delete', (kv: IKeyValue) => onHint(kv, false));
    this.hintWatcher.on('error', (err) => this.log.error({ err }, 'hint watch error'));
  }

  /** Read the schedule from etcd into a fresh core; returns the read revision. */
  private async reload(): Promise<number> {
    const [workers, alive, sources, bound, lastBound, hints] = await Promise.all([
      this.client.getAll().prefix(Keys.workerInfoPrefix).exec(),
      this.client.getAll().prefix(Keys.workerKeepalivePrefix).exec(),
      this.client.getAll().prefix(Keys.sourceConfigPrefix).exec(),
      this.client.getAll().prefix(Keys.boundWorkerPrefix).exec(),
      this.client.getAll().prefix(Keys.lastBoundWorkerPrefix).exec(),
      this.client.getAll().prefix(Keys.hintRoot).exec(),
    ]);
    const json = <T>(kv: IKeyValue): T => JSON.parse(kv.value.toString()) as T;
    const { core, ops } = ScheduleCore.fromSnapshot({
      workers: workers.kvs.map((kv) => json<{ name: string; addr: string }>(kv)),
      alive: alive.kvs.map((kv) => kv.key.toString().slice(Keys.workerKeepalivePrefix.length)),
      sources: sources.kvs.map((kv) => kv.key.toString().slice(Keys.sourceConfigPrefix.length)),
      bound: bound.kvs.map((kv) => json<Binding>(kv)),
      lastBound: lastBound.kvs.map((kv) => json<Binding>(kv)),
      hints: hints.kvs.flatMap((kv) => parseHintKey(kv.key.toString()) ?? []),
    });
    this.core = core;
    await this.commit(ops);
    this.log.info({ workers: core.listWorkers(), sources: core.listSources() }, 'schedule loaded');
    return Number(alive.header.revision);
  }

  /** Stop watching; the core is discarded with the scheduler. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.watcher?.cancel().catch(() => undefined);
    await this.hintWatcher?.cancel().catch(() => undefined);
  }

  /** Read-only view for status and list-member. */
  view(): ScheduleCore {
    return this.core;
  }

  /**
   * Run one change: `fn` updates the core and returns the ops to persist (plus any extra ops
   * of the same request); they are committed atomically. A failed commit reloads the core
   * from etcd so memory never claims what etcd does not hold.
   */
  run<T = void>(fn: (core: ScheduleCore) => EtcdOp[] | { ops: EtcdOp[]; result: T }): Promise<T> {
    const next = this.queue.then(async () => {
      if (this.stopped) throw dmError(E.masterNotLeader, 'this master is no longer the leader');
      const out = fn(this.core);
      const { ops, result } = Array.isArray(out) ? { ops: out, result: undefined as T } : out;
      try {
        await this.commit(ops);
      } catch (err) {
        await this.reload().catch((e) => this.log.error({ err: e }, 'reload after failed commit'));
        throw err;
      }
      return result;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async commit(ops: EtcdOp[]): Promise<void> {
    if (ops.length === 0) return;
    this.log.debug({ ops }, 'commit');
    const clauses = ops.map((o) =>
      o.op === 'put' ? this.client.put(o.key).value(o.value) : this.client.delete().key(o.key),
    );
    await this.fenced(clauses, 'leadership lost while writing the schedule');
  }
}
