/**
 * The leader's optimistic shard-DDL coordinator (DM's dm/master/shardddl/optimist.go): the
 * etcd shell around `OptimismKeeper`. Rebuilt from the infos, operations and source tables
 * in etcd on leadership; follows the info prefix with a watch; answers each info with an
 * operation (fenced on the leader's campaign key); deletes a lock's keys once resolved.
 */
import type { IKeyValue, Watcher } from 'etcd3';
import { dmError, E } from '../../pkg/errors/index.js';
import { Keys } from '../../pkg/etcd/keys.js';
import {
  decodeJson,
  type OptimismInfo,
  type OptimismOperation,
  type SourceTables,
} from '../../pkg/shardddl/optimism/types.js';
import type { DdlLockView } from '../../pkg/shardddl/status.js';
import { SerialLeaderShell } from '../leader-shell.js';
import { type OptimismAction, OptimismKeeper } from './optimism-keeper.js';

export class Optimist extends SerialLeaderShell {
  protected readonly stepName = 'optimistic shard DDL';
  private readonly keeper = new OptimismKeeper();
  private watcher: Watcher | undefined;
  private opWatcher: Watcher | undefined;

  async start(): Promise<void> {
    const infoRes = await this.client.getAll().prefix(Keys.shardOptimisticInfoPrefix).exec();
    const opRes = await this.client.getAll().prefix(Keys.shardOptimisticOperationPrefix).exec();
    const rev = Math.max(Number(infoRes.header.revision), Number(opRes.header.revision));
    const answered = new Set<number>();
    const done = new Set<number>();
    const ops = opRes.kvs.map((kv) => decodeJson<OptimismOperation>(kv.value.toString()));
    for (const op of ops) {
      answered.add(op['info-revision']);
      if (op.done) done.add(op['info-revision']);
    }
    const infos = infoRes.kvs
      .map((kv) => ({
        info: decodeJson<OptimismInfo>(kv.value.toString()),
        revision: Number(kv.mod_revision),
      }))
      .sort((a, b) => a.revision - b.revision)
      .map((x) => ({ ...x, answered: answered.has(x.revision), done: done.has(x.revision) }));
    const tables = await this.sourceTables();
    await this.apply(this.keeper.restore(infos, (t) => tables.filter((s) => s.task === t), ops));
    if (infos.length)
      this.log.info(
        { infos: infos.length, locks: this.keeper.list().length },
        'optimistic shard DDL locks rebuilt from etcd',
      );
    const w = await this.client
      .watch()
      .prefix(Keys.shardOptimisticInfoPrefix)
      .startRevision(String(rev + 1))
      .create();
    this.watcher = w;
    w.on('put', (kv: IKeyValue) =>
      this.enqueue(() => this.onInfo(decodeJson<OptimismInfo>(kv.value.toString()), Number(kv.mod_revision))),
    );
    w.on('error', (err) => this.log.warn({ err: err.message }, 'optimistic shard DDL watch error'));
    // Operations marked done by the workers: a conflict's resolving DDL is downstream, the
    // other conflict tables may be redirected.
    const ow = await this.client
      .watch()
      .prefix(Keys.shardOptimisticOperationPrefix)
      .startRevision(String(rev + 1))
      .create();
    this.opWatcher = ow;
    ow.on('put', (kv: IKeyValue) => {
      const op = decodeJson<OptimismOperation>(kv.value.toString());
      if (!op.done) return;
      void this.enqueue(() => this.apply(this.keeper.opDone(op.source, op['up-schema'], op['up-table'])));
    });
    ow.on('error', (err) =>
      this.log.warn({ err: err.message }, 'optimistic shard DDL operation watch error'),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watcher?.cancel().catch(() => undefined);
    await this.opWatcher?.cancel().catch(() => undefined);
    this.watcher = undefined;
    this.opWatcher = undefined;
    await this.idle();
  }

  async list(task?: string): Promise<DdlLockView[]> {
    await this.idle();
    return this.keeper.list(task);
  }

  has(id: string): boolean {
    return this.keeper.has(id);
  }

  /** `shard-ddl-lock unlock --force-remove` of an optimistic lock. */
  async remove(id: string): Promise<void> {
    let found = false;
    await this.enqueue(async () => {
      found = this.keeper.has(id);
      await this.apply(this.keeper.remove(id));
    });
    if (!found) throw dmError(E.shardLockNotFound, `lock with ID ${id} not found`);
  }

  /** DM's table-level unlock of a table in `detected` conflict (`-s -d -t --action`). */
  async unlockTable(
    id: string,
    source: string,
    upSchema: string,
    upTable: string,
    action: 'exec' | 'skip',
  ): Promise<void> {
    let failure: unknown;
    await this.enqueue(async () => {
      try {
        await this.apply(this.keeper.unlockTable(id, source, upSchema, upTable, action));
      } catch (err) {
        failure = err;
      }
    });
    if (failure) throw failure;
  }

  async dropTask(task: string): Promise<void> {
    await this.enqueue(async () => {
      await this.apply(this.keeper.dropTask(task));
      const t = encodeURIComponent(task);
      for (const prefix of [
        Keys.shardOptimisticInfoPrefix,
        Keys.shardOptimisticOperationPrefix,
        Keys.shardOptimisticSourceTablesPrefix,
      ])
        await this.client.delete().prefix(`${prefix}${t}/`).exec();
    });
  }

  private async onInfo(info: OptimismInfo, revision: number): Promise<void> {
    const tables = (await this.sourceTables()).filter((s) => s.task === info.task);
    this.log.info(
      {
        task: info.task,
        source: info.source,
        table: `${info['up-schema']}.${info['up-table']}`,
        ddls: info.ddls,
      },
      'optimistic shard DDL info',
    );
    await this.apply(this.keeper.putInfo(info, revision, tables));
  }

  private async sourceTables(): Promise<SourceTables[]> {
    const kvs = await this.client.getAll().prefix(Keys.shardOptimisticSourceTablesPrefix).strings();
    return Object.values(kvs).map((v) => decodeJson<SourceTables>(v));
  }

  private async apply(actions: OptimismAction[]): Promise<void> {
    for (const a of actions) {
      if (a.kind === 'put-op') {
        const o = a.op;
        this.log.info(
          {
            id: o.id,
            source: o.source,
            table: `${o['up-schema']}.${o['up-table']}`,
            ddls: o.ddls,
            conflict: o['conflict-message'],
          },
          'optimistic shard DDL operation',
        );
        await this.write([
          this.client
            .put(Keys.shardOptimisticOperation(o.task, o.source, o['up-schema'], o['up-table']))
            .value(JSON.stringify(o)),
        ]);
        continue;
      }
      // Resolved: the tables' infos go (operations stay until overwritten, so a worker
      // waiting for its answer still finds it).
      const dels = a.tables.map((t) =>
        this.client.delete().key(Keys.shardOptimisticInfo(t.task, t.source, t.upSchema, t.upTable)),
      );
      await this.write(dels);
      this.log.info({ id: a.id }, 'optimistic shard DDL lock resolved');
    }
  }
}
