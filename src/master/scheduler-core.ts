/**
 * The scheduler's pure core: worker stages and source ↔ worker bindings, with every state
 * transition in this one file. It does no I/O: each transition updates memory and returns
 * the etcd operations that persist it; the shell (scheduler.ts) commits those in one txn.
 *
 * Worker stages (as DM):
 *   offline ──keepalive appears──▶ free ──source bound──▶ bound
 *      ▲                            │  ◀──source unbound───┘
 *      └──────keepalive lost────────┴──────────────────────┘ (a bound source is rebound elsewhere)
 * An offline worker must become free before it is bound again.
 */

import { dmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';

export const WORKER_STAGES = ['offline', 'free', 'bound'] as const;
export type WorkerStage = (typeof WORKER_STAGES)[number];

export interface WorkerState {
  name: string;
  addr: string;
  stage: WorkerStage;
  /** The bound source; '' unless stage is bound. */
  source: string;
}

/** Value of `Keys.boundWorker(worker)` and `Keys.lastBoundWorker(source)`. */
export interface Binding {
  source: string;
  worker: string;
}

export type EtcdOp = { op: 'put'; key: string; value: string } | { op: 'delete'; key: string };

/** What the leader reads from etcd to rebuild the schedule after an election. */
export interface ScheduleSnapshot {
  workers: { name: string; addr: string }[];
  /** Workers whose keepalive key exists. */
  alive: string[];
  sources: string[];
  bound: Binding[];
  lastBound: Binding[];
  /** Scheduling hints (`Keys.hintRoot`): workers holding an unfinished load / the relay log of a source. */
  hints?: Hint[];
}

/** A worker holds an unfinished load of the source, or the source's relay log. */
export interface Hint {
  kind: 'load' | 'relay';
  source: string;
  worker: string;
}

/** The hint a `Keys.hintRoot` key names (undefined for a key of another shape). */
export function parseHintKey(key: string): (Hint & { task?: string }) | undefined {
  if (!key.startsWith(Keys.hintRoot)) return undefined;
  const parts = key.slice(Keys.hintRoot.length).split('/');
  const [kind, source, worker, task] = parts;
  if (kind === 'load' && parts.length === 4 && source && worker && task)
    return { kind, source, worker, task };
  if (kind === 'relay' && parts.length === 3 && source && worker) return { kind, source, worker };
  return undefined;
}

function put(key: string, value: unknown): EtcdOp {
  return { op: 'put', key, value: JSON.stringify(value) };
}
function del(key: string): EtcdOp {
  return { op: 'delete', key };
}

export class ScheduleCore {
  private readonly workers = new Map<string, WorkerState>();
  private readonly alive = new Set<string>();
  private readonly sources = new Set<string>();
  /** source → worker */
  private readonly bound = new Map<string, string>();
  /** source → worker last bound (preferred when rebinding). */
  private readonly lastBound = new Map<string, string>();
  /** `kind/source/worker` → number of hint keys (a load hint exists per task). */
  private readonly hints = new Map<string, number>();

  /** Rebuild from etcd (leader start) and repair anything stale; returns the repairs. */
  static fromSnapshot(s: ScheduleSnapshot): { core: ScheduleCore; ops: EtcdOp[] } {
    const core = new ScheduleCore();
    const ops: EtcdOp[] = [];
    for (const w of s.workers) core.workers.set(w.name, { ...w, stage: 'offline', source: '' });
    for (const a of s.alive) core.alive.add(a);
    for (const src of s.sources) core.sources.add(src);
    for (const b of s.lastBound) core.lastBound.set(b.source, b.worker);
    for (const h of s.hints ?? []) core.setHint(h, true);
    for (const b of s.bound) {
      const w = core.workers.get(b.worker);
      const ok = w && core.alive.has(b.worker) && core.sources.has(b.source) && !core.bound.has(b.source);
      if (ok && w) {
        w.stage = 'bound';
        w.source = b.source;
        core.bound.set(b.source, b.worker);
      } else {
        ops.push(del(Keys.boundWorker(b.worker)));
      }
    }
    for (const w of core.workers.values())
      if (w.stage === 'offline' && core.alive.has(w.name)) w.stage = 'free';
    for (const src of core.sortedSources()) if (!core.bound.has(src)) ops.push(...core.bindSource(src));
    return { core, ops };
  }

  // ---- queries

  listWorkers(): WorkerState[] {
    return [...this.workers.values()].sort((a, b) => a.name.localeCompare(b.name)).map((w) => ({ ...w }));
  }
  getWorker(name: string): WorkerState | undefined {
    const w = this.workers.get(name);
    return w ? { ...w } : undefined;
  }
  hasSource(source: string): boolean {
    return this.sources.has(source);
  }
  listSources(): string[] {
    return this.sortedSources();
  }
  /** The worker a source is bound to, or '' when it waits for one. */
  workerOf(source: string): string {
    return this.bound.get(source) ?? '';
  }

  // ---- hints (no etcd ops: workers write them; they only steer the choices below)

  /** A hint key appeared (`on`) or vanished. */
  setHint(h: Hint, on: boolean): void {
    const k = `${h.kind}/${h.source}/${h.worker}`;
    const n = (this.hints.get(k) ?? 0) + (on ? 1 : -1);
    if (n > 0) this.hints.set(k, n);
    else this.hints.delete(k);
  }

  private hinted(kind: Hint['kind'], source: string, worker: string): boolean {
    return this.hints.has(`${kind}/${source}/${worker}`);
  }

  // ---- transitions (each returns the etcd ops that persist it)

  /** A worker registered (or re-registered after a restart). */
  registerWorker(name: string, addr: string): EtcdOp[] {
    const ops: EtcdOp[] = [put(Keys.workerInfo(name), { name, addr })];
    const w = this.workers.get(name);
    if (w) {
      w.addr = addr;
      return ops;
    }
    this.workers.set(name, { name, addr, stage: this.alive.has(name) ? 'free' : 'offline', source: '' });
    if (this.alive.has(name)) ops.push(...this.bindWorker(name));
    return ops;
  }

  /** The worker's keepalive key appeared: offline → free, then take a waiting source. */
  workerOnline(name: string): EtcdOp[] {
    this.alive.add(name);
    const w = this.workers.get(name);
    if (w?.stage !== 'offline') return [];
    w.stage = 'free';
    return this.bindWorker(name);
  }

  /** The worker's keepalive key vanished (lease expired): → offline; its source is rebound. */
  workerOffline(name: string): EtcdOp[] {
    this.alive.delete(name);
    const w = this.workers.get(name);
    if (!w || w.stage === 'offline') return [];
    const source = w.source;
    const ops: EtcdOp[] = [];
    if (w.stage === 'bound') ops.push(...this.unbind(source));
    w.stage = 'offline';
    if (source) ops.push(...this.bindSource(source));
    return ops;
  }

  /** A source was created: bind it to a free worker if any. */
  addSource(source: string, worker?: string): EtcdOp[] {
    if (this.sources.has(source)) throw dmError(E.sourceExists, `source ${source} already exists`);
    if (worker) {
      // `operate-source create -w`: that worker or nothing (DM's AddSourceCfgWithWorker).
      const w = this.workers.get(worker);
      if (!w) throw dmError(E.workerNotFound, `worker with name ${worker} not exists`);
      if (w.stage !== 'free')
        throw dmError(E.invalidStageTransition, `dm-worker with name ${worker} not free`);
      this.sources.add(source);
      return this.bind(source, worker);
    }
    this.sources.add(source);
    return this.bindSource(source);
  }

  /** A source was stopped: unbind (its worker becomes free and may take another source). */
  removeSource(source: string): EtcdOp[] {
    if (!this.sources.has(source)) throw dmError(E.sourceNotFound, `source ${source} not found`);
    const worker = this.bound.get(source);
    const ops = worker ? this.unbind(source) : [];
    this.sources.delete(source);
    this.lastBound.delete(source);
    ops.push(del(Keys.lastBoundWorker(source)));
    if (worker) ops.push(...this.bindWorker(worker));
    return ops;
  }

  /** Move a source to a named free worker (dmctl transfer-source). */
  transferSource(source: string, worker: string): EtcdOp[] {
    if (!this.sources.has(source)) throw dmError(E.sourceNotFound, `source ${source} not found`);
    const w = this.workers.get(worker);
    if (!w) throw dmError(E.workerNotFound, `worker ${worker} not found`);
    if (this.bound.get(source) === worker) return [];
    if (w.stage !== 'free') {
      throw dmError(
        E.invalidStageTransition,
        `worker ${worker} is ${w.stage}, only a free worker can take a source`,
      );
    }
    const old = this.bound.get(source);
    const ops = old ? this.unbind(source) : [];
    ops.push(...this.bind(source, worker));
    if (old) ops.push(...this.bindWorker(old));
    return ops;
  }

  /** Forget an offline worker (dmctl offline-member --worker). */
  removeWorker(name: string): EtcdOp[] {
    const w = this.workers.get(name);
    if (!w) throw dmError(E.workerNotFound, `worker ${name} not found`);
    if (w.stage !== 'offline') {
      throw dmError(E.invalidStageTransition, `worker ${name} is ${w.stage}; stop it before offlining it`);
    }
    this.workers.delete(name);
    return [del(Keys.workerInfo(name))];
  }

  // ---- helpers (the only places that change bindings)

  private bind(source: string, worker: string): EtcdOp[] {
    const w = this.workers.get(worker);
    if (w?.stage !== 'free') throw dmError(E.internal, `bind ${source}: worker ${worker} not free`);
    w.stage = 'bound';
    w.source = source;
    this.bound.set(source, worker);
    this.lastBound.set(source, worker);
    const b: Binding = { source, worker };
    return [put(Keys.boundWorker(worker), b), put(Keys.lastBoundWorker(source), b)];
  }

  private unbind(source: string): EtcdOp[] {
    const worker = this.bound.get(source);
    if (worker === undefined) return [];
    this.bound.delete(source);
    const w = this.workers.get(worker);
    if (w) {
      w.stage = 'free';
      w.source = '';
    }
    return [del(Keys.boundWorker(worker))];
  }

  /**
   * How much `worker` suits `source`, DM's order (lower is better): 0 it holds an unfinished
   * load of the source; 1 it is the previously bound worker and holds the relay log; 2 it
   * holds the relay log; 3 it is the previously bound worker; 4 any other.
   */
  private affinity(source: string, worker: string): number {
    const last = this.lastBound.get(source) === worker;
    const relay = this.hinted('relay', source, worker);
    if (this.hinted('load', source, worker)) return 0;
    if (last && relay) return 1;
    if (relay) return 2;
    if (last) return 3;
    return 4;
  }

  /** The best free worker for a source by {@link affinity} (ties by name); none = it waits. */
  private bindSource(source: string): EtcdOp[] {
    let best: { name: string; rank: number } | undefined;
    for (const w of this.listWorkers()) {
      if (w.stage !== 'free') continue;
      const rank = this.affinity(source, w.name);
      if (!best || rank < best.rank) best = { name: w.name, rank };
    }
    return best ? this.bind(source, best.name) : [];
  }

  /** A worker became free: take the waiting source it suits best (ties by source name). */
  private bindWorker(worker: string): EtcdOp[] {
    const w = this.workers.get(worker);
    if (w?.stage !== 'free') return [];
    let best: { source: string; rank: number } | undefined;
    for (const s of this.sortedSources()) {
      if (this.bound.has(s)) continue;
      const rank = this.affinity(s, worker);
      if (!best || rank < best.rank) best = { source: s, rank };
    }
    return best ? this.bind(best.source, worker) : [];
  }

  private sortedSources(): string[] {
    return [...this.sources].sort();
  }
}
