/**
 * The leader's pessimistic shard-DDL coordinator (DM's dm/master/shardddl/pessimist.go): the
 * etcd shell around `PessimismKeeper`. On leadership it rebuilds every lock from the infos and
 * operations in etcd, then follows both prefixes with watches; each change goes through the
 * keeper, and the writes it asks for are committed fenced on the leader's campaign key (a
 * deposed leader cannot write). Changes are handled one at a time, in watch order.
 */
import type { IKeyValue, Watcher } from 'etcd3';
import { dmError, E } from '../../pkg/errors/index.js';
import { Keys } from '../../pkg/etcd/keys.js';
import {
  decodeInfo,
  decodeOperation,
  encodeOperation,
  type PessimismInfo,
  type PessimismOperation,
} from '../../pkg/shardddl/pessimism/types.js';
import type { DdlLockView } from '../../pkg/shardddl/status.js';
import { SerialLeaderShell } from '../leader-shell.js';
import { type KeeperAction, PessimismKeeper, type UnlockOptions } from './pessimism-keeper.js';

export class Pessimist extends SerialLeaderShell {
  protected readonly stepName = 'shard DDL coordination';
  private readonly keeper = new PessimismKeeper();
  private watchers: Watcher[] = [];
  /** Task → its sources (from the subtask configs), refreshed on each info. */
  private taskSources = new Map<string, string[]>();

  async start(): Promise<void> {
    const infoRes = await this.client.getAll().prefix(Keys.shardPessimisticInfoPrefix).exec();
    const opRes = await this.client.getAll().prefix(Keys.shardPessimisticOperationPrefix).exec();
    const rev = Math.max(Number(infoRes.header.revision), Number(opRes.header.revision));
    const infos = infoRes.kvs
      .slice()
      .sort((a, b) => Number(a.create_revision) - Number(b.create_revision))
      .map((kv) => decodeInfo(kv.value.toString()));
    const ops = opRes.kvs.map((kv) => decodeOperation(kv.value.toString()));
    await this.refreshTasks();
    const actions = this.keeper.restore(infos, ops, (t) => this.sourcesOf(t));
    if (infos.length || ops.length)
      this.log.info(
        { infos: infos.length, ops: ops.length, locks: this.keeper.list().length },
        'shard DDL locks rebuilt from etcd',
      );
    await this.apply(actions);
    const w1 = await this.client
      .watch()
      .prefix(Keys.shardPessimisticInfoPrefix)
      .startRevision(String(rev + 1))
      .create();
    const w2 = await this.client
      .watch()
      .prefix(Keys.shardPessimisticOperationPrefix)
      .startRevision(String(rev + 1))
      .create();
    this.watchers = [w1, w2];
    w1.on('put', (kv: IKeyValue) => this.enqueue(() => this.onInfo(decodeInfo(kv.value.toString()))));
    w2.on('put', (kv: IKeyValue) =>
      this.enqueue(() => this.onOperation(decodeOperation(kv.value.toString()))),
    );
    for (const w of this.watchers)
      w.on('error', (err) => this.log.warn({ err: err.message }, 'shard DDL watch error'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watchers) await w.cancel().catch(() => undefined);
    this.watchers = [];
    await this.idle();
  }

  /** DM's `show-ddl-locks`. */
  async list(task?: string): Promise<DdlLockView[]> {
    await this.idle();
    return this.keeper.list(task);
  }

  /** DM's `unlock-ddl-lock`. */
  async unlock(id: string, o: UnlockOptions): Promise<void> {
    let err: unknown;
    await this.enqueue(async () => {
      const actions = this.keeper.unlock(id, o);
      if (!actions) {
        err = this.keeper.has(id)
          ? dmError(E.shardDdl, `source ${o.owner} has not reached lock ${id}: it cannot be the owner`)
          : dmError(E.shardLockNotFound, `lock with ID ${id} not found`);
        return;
      }
      this.log.warn({ id, ...o }, 'shard DDL lock unlocked by hand');
      await this.apply(actions);
    });
    if (err) throw err;
  }

  /** stop-task: the task's locks, infos and operations go (as DM does). */
  async dropTask(task: string): Promise<void> {
    await this.enqueue(async () => {
      await this.apply(this.keeper.dropTask(task));
      // Infos/operations of the task not part of any lock (e.g. a conflict) go too.
      await this.client.delete().prefix(`${Keys.shardPessimisticInfoPrefix}${task}/`).exec();
      await this.client.delete().prefix(`${Keys.shardPessimisticOperationPrefix}${task}/`).exec();
    });
  }

  private async onInfo(info: PessimismInfo): Promise<void> {
    await this.refreshTasks();
    this.log.info(
      { task: info.task, source: info.source, target: `${info.schema}.${info.table}`, ddls: info.ddls },
      'shard DDL info',
    );
    await this.apply(this.keeper.putInfo(info, this.sourcesOf(info.task)));
  }

  private async onOperation(op: PessimismOperation): Promise<void> {
    if (op.done) this.log.info({ id: op.id, source: op.source, exec: op.exec }, 'shard DDL operation done');
    await this.apply(this.keeper.putOperation(op));
  }

  private async apply(actions: KeeperAction[]): Promise<void> {
    for (const a of actions) {
      if (a.kind === 'put-op') {
        const key = Keys.shardPessimisticOperation(a.op.task, a.op.source);
        this.log.info(
          { id: a.op.id, source: a.op.source, exec: a.op.exec, conflict: a.op.conflictMsg },
          'shard DDL operation',
        );
        await this.write([this.client.put(key).value(encodeOperation(a.op))]);
        continue;
      }
      // Delete the lock's infos and operations (only those still about this lock).
      for (const source of a.sources) {
        const opKey = Keys.shardPessimisticOperation(a.task, source);
        const infoKey = Keys.shardPessimisticInfo(a.task, source);
        const op = await this.client.get(opKey).string();
        if (op && decodeOperation(op).id === a.id) await this.write([this.client.delete().key(opKey)]);
        const info = a.infos ? await this.client.get(infoKey).string() : undefined;
        if (info) {
          const i = decodeInfo(info);
          if (`${i.task}` === a.task && ddlTarget(a.id, i))
            await this.write([this.client.delete().key(infoKey)]);
        }
      }
      this.log.info({ id: a.id }, 'shard DDL lock resolved');
    }
  }

  private async refreshTasks(): Promise<void> {
    const keys = await this.client.getAll().prefix(Keys.subtaskConfigRoot).keys();
    const m = new Map<string, string[]>();
    for (const k of keys) {
      const [source, task] = k.slice(Keys.subtaskConfigRoot.length).split('/');
      if (!source || !task) continue;
      m.set(task, [...(m.get(task) ?? []), source]);
    }
    this.taskSources = m;
  }

  private sourcesOf(task: string): string[] {
    return this.taskSources.get(task) ?? [];
  }
}

/** True when the info is about the lock `id` (same target). */
function ddlTarget(id: string, i: PessimismInfo): boolean {
  return id.endsWith(`\`${i.schema.replaceAll('`', '``')}\`.\`${i.table.replaceAll('`', '``')}\``);
}
