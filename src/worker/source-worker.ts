import { isAbsolute, join } from 'node:path';
import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { SubTaskStatus, WorkerStatusResponse } from '../pkg/api/worker-api.js';
import type { BinlogLocation } from '../pkg/binlog/types.js';
import { maybeDecrypt } from '../pkg/config/encrypt.js';
import type { DbConfig, SourceConfig, SubTaskConfig } from '../pkg/config/types.js';
import { Keys } from '../pkg/etcd/keys.js';
import { readIndex } from '../relay/relay-layout.js';
import type { UnitDeps } from '../unit/unit.js';
import { RelayRunner } from './relay-runner.js';
import { relayStartFor } from './relay-start.js';
import { type Binding, bindingOf, nextRev, parseJson, writeHint } from './source-keys.js';
import { SubTask, type SubTaskOptions } from './subtask.js';
import { EXPECTED_STAGES, type ExpectedStage, reconcileAction } from './subtask-stage.js';
import { defaultRelayFactory, type RelayFactory } from './unit-factory.js';

/** Options of {@link SourceWorker}. */
export interface SourceWorkerOptions {
  client: Etcd3;
  /** This worker's `--name`. */
  name: string;
  deps: UnitDeps;
  /** Passed to every SubTask (unit factory, resume point, auto-resume backoff). */
  subtask?: SubTaskOptions;
  /** Default: `defaultRelayFactory`. */
  relayFactory?: RelayFactory;
  /** Called when a relay starts or ends here (the worker switches to `relay-keepalive-ttl`). */
  onRelay?: (running: boolean) => void;
  /**
   * The worker's `relay-dir` (TOML): when set, the bound source's relay log (and the subtasks
   * reading it) use `<relayDir>/<name>` instead of the source's relay-dir, as DM.
   */
  relayDir?: string;
}

/**
 * Makes this worker do what the leader's schedule in etcd says (DM's worker/server.go +
 * source_worker.go): watch `Keys.boundWorker(name)`; when a source is bound, load its
 * config, start its relay if enabled, and keep the local subtasks equal to the expected
 * stages under `Keys.subtaskConfigPrefix(source)` / `Keys.subtaskStagePrefix(source)`.
 *
 * Every watch starts from the revision of the snapshot read just before, so no change is
 * missed or seen twice. All reactions run one at a time through a queue (a pause must
 * finish before a following stop acts). `suspend()` (lease lost: the leader may re-bind the
 * source elsewhere) stops everything; `start()` again re-reads the binding from scratch.
 */
export class SourceWorker {
  private readonly o: SourceWorkerOptions;
  /** Bumped by every start/suspend: events of an older generation are dropped. */
  private gen = 0;
  private queue: Promise<void> = Promise.resolve();
  private boundWatcher: Watcher | undefined;
  private sourceWatchers: Watcher[] = [];
  private source = '';
  /** Epoch of the current binding (0 when free). */
  private epoch = 0;
  private sourceCfg: SourceConfig | undefined;
  private relay: RelayRunner | undefined;
  private readonly subtasks = new Map<string, SubTask>();
  private readonly configs = new Map<string, { raw: string; cfg: SubTaskConfig }>();
  private readonly expected = new Map<string, ExpectedStage>();
  /** The cluster's password key (`Keys.encryptKey`), read on bind; passwords in etcd are sealed with it. */
  private encryptKey: string | undefined;

  constructor(opts: SourceWorkerOptions) {
    this.o = opts;
  }

  private get log() {
    return this.o.deps.logger;
  }

  /** The bound source ('' when free). */
  get boundSource(): string {
    return this.source;
  }

  /** Read the binding and watch it (and, once bound, the source's subtasks). */
  start(): Promise<void> {
    const gen = ++this.gen;
    return this.enqueue(async () => {
      if (gen !== this.gen) return;
      const key = Keys.boundWorker(this.o.name);
      const res = await this.o.client.get(key).exec();
      const kv = res.kvs[0];
      await this.applyBinding(gen, kv ? bindingOf(kv) : undefined);
      const w = await this.o.client.watch().key(key).startRevision(nextRev(res.header?.revision)).create();
      if (gen !== this.gen) {
        await w.cancel();
        return;
      }
      this.boundWatcher = w;
      w.on('put', (kv2) => void this.enqueue(() => this.applyBinding(gen, bindingOf(kv2))));
      w.on('delete', () => void this.enqueue(() => this.applyBinding(gen, undefined)));
      w.on('error', (err) => this.log.warn({ err: err.message }, 'binding watch error'));
    });
  }

  /** Stop everything local and stop watching (lease lost, or shutdown). */
  suspend(): Promise<void> {
    ++this.gen;
    return this.enqueue(async () => {
      const w = this.boundWatcher;
      this.boundWatcher = undefined;
      await w?.cancel().catch(() => undefined);
      await this.unbind();
    });
  }

  /** Graceful shutdown: units stop (and flush their checkpoints) before this resolves. */
  async close(): Promise<void> {
    await this.suspend();
  }

  /** `GET /status` payload; `task` filters subTaskStatus. */
  status(task?: string): WorkerStatusResponse {
    const subTaskStatus: SubTaskStatus[] = [];
    for (const [name, st] of this.subtasks) {
      if (task === undefined || task === name) subTaskStatus.push(st.status());
    }
    return {
      sourceStatus: {
        source: this.source,
        worker: this.o.name,
        result: null,
        relayStatus: this.relay ? this.relay.status() : null,
      },
      subTaskStatus,
    };
  }

  /** The bound source's relay directory when relay is enabled, else ''. */
  relayDir(): string {
    if (!this.sourceCfg || (!this.sourceCfg.enableRelay && !this.relay)) return '';
    return this.relayDirOf(this.sourceCfg);
  }

  /** Same resolution as the relay unit: relative to the worker's work dir. */
  private relayDirOf(cfg: SourceConfig): string {
    const d = cfg.relayDir || 'relay-dir';
    return isAbsolute(d) ? d : join(this.o.deps.workDir, d);
  }

  /** DM: `filepath.Join(worker relay-dir, worker name)` when the worker sets one (source_worker.go:437-441). */
  private get workerRelayDir(): string | undefined {
    return this.o.relayDir ? join(this.o.relayDir, this.o.name) : undefined;
  }

  /** Names of local subtasks (for tests and metrics). */
  subtask(name: string): SubTask | undefined {
    return this.subtasks.get(name);
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const p = this.queue.then(fn).catch((err: unknown) => {
      this.log.error({ err }, 'worker reconcile step failed');
    });
    this.queue = p;
    return p;
  }

  private async applyBinding(gen: number, b: Binding | undefined): Promise<void> {
    if (gen !== this.gen) return;
    const source = b?.source ?? '';
    // A new binding of the same source (a new epoch) restarts everything under the new epoch.
    if (source === this.source && (source === '' || b?.epoch === this.epoch)) return;
    if (this.source) await this.unbind();
    if (source && b) await this.bind(gen, source, b.epoch);
  }

  private async bind(gen: number, source: string, epoch: number): Promise<void> {
    this.log.info({ source, epoch }, 'source bound to this worker');
    this.source = source;
    this.epoch = epoch;
    const c = this.o.client;
    this.encryptKey = (await c.get(Keys.encryptKey).string()) ?? undefined;
    const sc = await c.get(Keys.sourceConfig(source)).string();
    const parsed = sc ? parseJson<SourceConfig>(sc) : undefined;
    try {
      this.sourceCfg = parsed?.from ? { ...parsed, from: this.unseal(parsed.from) } : parsed;
      if (this.sourceCfg && this.workerRelayDir !== undefined) {
        this.log.info({ relayDir: this.workerRelayDir }, "use worker's relay-dir");
        this.sourceCfg = { ...this.sourceCfg, relayDir: this.workerRelayDir };
      }
    } catch (err) {
      this.log.error({ source, err: String(err) }, 'cannot decrypt the source password; relay not started');
      this.sourceCfg = undefined;
    }
    if (!this.sourceCfg) this.log.warn({ source }, 'bound source has no config in etcd');
    // One revision for both snapshots, then watch both from the next one.
    const cfgs = await c.getAll().prefix(Keys.subtaskConfigPrefix(source)).exec();
    const rev = cfgs.header?.revision ?? '0';
    const stages = await c.getAll().prefix(Keys.subtaskStagePrefix(source)).revision(rev).exec();
    const vPrefix = Keys.validatorStagePrefix(source);
    const vStages = await c.getAll().prefix(vPrefix).revision(rev).exec();
    if (gen !== this.gen) return;
    for (const kv of vStages.kvs) this.onValidatorStage(kv.key.toString().slice(vPrefix.length), kv.value);
    const vw = await c.watch().prefix(vPrefix).startRevision(nextRev(rev)).create();
    this.sourceWatchers.push(vw);
    vw.on('put', (kv) => this.onValidatorStage(kv.key.toString().slice(vPrefix.length), kv.value));
    vw.on('delete', (kv) => this.onValidatorStage(kv.key.toString().slice(vPrefix.length), undefined));
    vw.on('error', (err) => this.log.warn({ err: err.message }, 'validator stage watch error'));
    for (const kv of cfgs.kvs) this.onConfigPut(kv, source);
    for (const kv of stages.kvs) this.onStagePut(kv, source);
    // The relay stage set by start/stop/pause/resume-relay overrides the source's enable-relay.
    // Known before the subtasks are created (they read the relay when it runs), after their
    // configs are (a new relay starts at their oldest checkpoint).
    const relayKey = Keys.relayStage(source);
    const relayRes = await c.get(relayKey).exec();
    const relayKv = relayRes.kvs[0];
    await this.applyRelayStage(relayKv ? parseJson<{ stage?: string }>(relayKv.value)?.stage : undefined);
    if (gen !== this.gen) return;
    const rw = await c.watch().key(relayKey).startRevision(nextRev(relayRes.header?.revision)).create();
    this.sourceWatchers.push(rw);
    const onRelay = (stage: string | undefined) =>
      void this.enqueue(async () => {
        if (gen !== this.gen || this.source !== source) return;
        await this.applyRelayStage(stage);
      });
    rw.on('put', (kv) => onRelay(parseJson<{ stage?: string }>(kv.value)?.stage));
    rw.on('delete', () => onRelay(undefined));
    rw.on('error', (err) => this.log.warn({ err: err.message }, 'relay stage watch error'));
    for (const task of new Set([...this.configs.keys(), ...this.expected.keys()])) {
      await this.reconcile(task, false);
    }
    for (const [prefix, isStage] of [
      [Keys.subtaskConfigPrefix(source), false],
      [Keys.subtaskStagePrefix(source), true],
    ] as const) {
      const w = await c.watch().prefix(prefix).startRevision(nextRev(rev)).create();
      this.sourceWatchers.push(w);
      w.on(
        'put',
        (kv) =>
          void this.enqueue(async () => {
            if (gen !== this.gen || this.source !== source) return;
            const task = isStage ? this.onStagePut(kv, source) : this.onConfigPut(kv, source);
            if (task === undefined) return;
            if (!isStage) await this.replaceIfChanged(task);
            await this.reconcile(task, isStage);
          }),
      );
      w.on(
        'delete',
        (kv) =>
          void this.enqueue(async () => {
            if (gen !== this.gen || this.source !== source) return;
            const task = kv.key.toString().slice(prefix.length);
            (isStage ? this.expected : this.configs).delete(task);
            await this.drop(task);
          }),
      );
      w.on('error', (err) => this.log.warn({ err: err.message }, 'subtask watch error'));
    }
  }

  /**
   * Converge the relay to `stage` (Running | Paused | Stopped; undefined = the source's
   * `enable-relay`). Stopped ends the relay; Running starts it (or resumes a paused one).
   */
  private async applyRelayStage(stage: string | undefined): Promise<void> {
    const cfg = this.sourceCfg;
    if (!cfg) return;
    const want = stage ?? (cfg.enableRelay ? 'Running' : 'Stopped');
    if (want === 'Stopped') {
      await this.relay?.stop();
      this.relay = undefined;
      // An explicit stop-relay / enable-relay false: the relay log here is no longer kept up.
      this.relayHint(cfg.sourceId, false);
    } else {
      if (!this.relay) {
        try {
          const start = await this.relayStart(cfg);
          const unit = (this.o.relayFactory ?? defaultRelayFactory)(cfg, this.o.deps, start ? { start } : {});
          this.relay = new RelayRunner(unit, this.log.child({ relay: cfg.sourceId }));
          this.relay.start();
          this.relayHint(cfg.sourceId, true);
        } catch (err) {
          this.log.error({ err, source: cfg.sourceId }, 'cannot start relay');
        }
      }
      if (want === 'Paused') await this.relay?.pause();
      else this.relay?.resume();
    }
    this.o.onRelay?.(this.relay !== undefined);
    // DM: a source whose relay runs (or is paused) has its subtasks read the relay log.
    for (const st of this.subtasks.values()) await st.setReadFromRelay(this.relay !== undefined);
  }

  /**
   * Where a new relay begins when its relay dir is empty: the oldest position the source's
   * subtasks need (relay-start.ts); undefined = the relay's own default.
   */
  private async relayStart(cfg: SourceConfig): Promise<BinlogLocation | undefined> {
    if (readIndex(this.relayDirOf(cfg)).length > 0) return undefined;
    const start = await relayStartFor(
      [...this.configs].map(([task, c]) => ({
        cfg: c.cfg,
        live: this.subtasks.get(task),
        expected: this.expected.get(task),
      })),
    );
    if (start)
      this.log.info({ source: cfg.sourceId, start }, 'relay starts at the oldest subtask checkpoint');
    return start;
  }

  /** Remember a subtask config; returns the task name (undefined when unparsable). */
  private onConfigPut(kv: IKeyValue, source: string): string | undefined {
    const task = kv.key.toString().slice(Keys.subtaskConfigPrefix(source).length);
    const raw = kv.value.toString();
    const parsed = parseJson<SubTaskConfig>(raw);
    if (!parsed) {
      this.log.error({ task }, 'unparsable subtask config in etcd; ignored');
      return undefined;
    }
    let cfg: SubTaskConfig;
    try {
      cfg = { ...parsed, from: this.unseal(parsed.from), to: this.unseal(parsed.to) };
      // As DM's copyConfigFromSource: the subtask reads the relay where this worker writes it.
      if (this.workerRelayDir !== undefined) cfg = { ...cfg, relayDir: this.workerRelayDir };
    } catch (err) {
      this.log.error({ task, err: String(err) }, 'cannot decrypt subtask passwords; ignored');
      return undefined;
    }
    this.configs.set(task, { raw, cfg });
    return task;
  }

  /** `validation start|stop` from the leader: remembered for new subtasks, applied to the live one. */
  private onValidatorStage(task: string, value: Buffer | undefined): void {
    const stage = value ? parseJson<{ stage?: string }>(value)?.stage : undefined;
    const v = stage === 'Running' || stage === 'Stopped' ? stage : undefined;
    if (v) this.validatorStages.set(task, v);
    else this.validatorStages.delete(task);
    this.subtasks.get(task)?.setValidatorStage(v);
  }

  private readonly validatorStages = new Map<string, 'Running' | 'Stopped'>();

  private onStagePut(kv: IKeyValue, source: string): string | undefined {
    const task = kv.key.toString().slice(Keys.subtaskStagePrefix(source).length);
    const v = parseJson<{ stage?: string }>(kv.value);
    const stage = v?.stage as ExpectedStage | undefined;
    if (!stage || !(EXPECTED_STAGES as readonly string[]).includes(stage)) {
      this.log.error({ task, value: kv.value.toString() }, 'bad expected stage in etcd; ignored');
      return undefined;
    }
    this.expected.set(task, stage);
    return task;
  }

  /** Plain-text copy of a DB config whose password may be sealed with the cluster key. */
  private unseal(db: DbConfig): DbConfig {
    return db ? { ...db, password: maybeDecrypt(db.password ?? '', this.encryptKey) } : db;
  }

  /** A changed config (update-task) means a new SubTask: stop the old one first. */
  private async replaceIfChanged(task: string): Promise<void> {
    const st = this.subtasks.get(task);
    const c = this.configs.get(task);
    if (st && c && JSON.stringify(st.cfg) !== JSON.stringify(c.cfg)) {
      this.log.info({ task }, 'subtask config changed; restarting it');
      await this.drop(task);
    }
  }

  private async reconcile(task: string, explicit: boolean): Promise<void> {
    const exp = this.expected.get(task);
    const c = this.configs.get(task);
    if (!exp || !c) return;
    let st = this.subtasks.get(task);
    const action = reconcileAction(st?.stage, exp, explicit);
    this.log.debug({ task, actual: st?.stage, expected: exp, action }, 'reconcile subtask');
    switch (action) {
      case 'create-run':
      case 'create-paused':
        st = new SubTask(
          c.cfg,
          { ...this.o.deps, etcd: this.o.client, logger: this.log.child({ task }) },
          {
            ...this.o.subtask,
            readFromRelay: this.relay !== undefined,
            fence: { epoch: this.epoch, worker: this.o.name },
            onUnitChange: (t, unit) => this.loadHint(t.cfg.sourceId, t.name, unit === 'Load'),
          },
        );
        this.subtasks.set(task, st);
        st.setValidatorStage(this.validatorStages.get(task));
        if (action === 'create-run') st.start();
        else await st.pause();
        return;
      case 'pause':
        return st?.pause();
      case 'resume':
        return st?.resume();
      case 'stop':
        return st?.stop();
      case 'none':
        return;
    }
  }

  private async drop(task: string): Promise<void> {
    const st = this.subtasks.get(task);
    if (!st) return;
    await st.stop();
    this.subtasks.delete(task);
    // The task is gone (stop-task / update-task): no unfinished load worth coming back for.
    // On a lease loss (unbind) the hint stays: this worker's dump files are still here.
    if (!this.expected.has(task) || this.expected.get(task) === 'Stopped')
      this.loadHint(st.cfg.sourceId, task, false);
  }

  /**
   * Tell the leader this worker holds an unfinished load of (source, task) — its dump files
   * are local — so a re-bind prefers it (`Keys.loadHint`, DM's load-task key). Best effort.
   */
  private loadHint(source: string, task: string, on: boolean): void {
    writeHint(this.o.client, Keys.loadHint(source, this.o.name, task), this.o.name, on, this.log);
  }

  /** Tell the leader this worker holds the source's relay log (`Keys.relayHint`). Best effort. */
  private relayHint(source: string, on: boolean): void {
    writeHint(this.o.client, Keys.relayHint(source, this.o.name), this.o.name, on, this.log);
  }

  private async unbind(): Promise<void> {
    const ws = this.sourceWatchers.splice(0);
    await Promise.all(ws.map((w) => w.cancel().catch(() => undefined)));
    if (this.source) this.log.info({ source: this.source }, 'stopping work for source');
    await Promise.all([...this.subtasks.keys()].map((t) => this.drop(t)));
    await this.relay?.stop();
    this.relay = undefined;
    this.o.onRelay?.(false);
    this.configs.clear();
    this.expected.clear();
    this.sourceCfg = undefined;
    this.source = '';
    this.epoch = 0;
  }
}
