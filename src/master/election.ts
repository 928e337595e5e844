/**
 * Leader election among masters through etcd3's `Election` (a lease-backed campaign, the
 * same algorithm as etcd's Go `concurrency.Election`). The session lease TTL is
 * `--election-ttl` (default 10 s, DM uses 60 s): when a leader dies, its key vanishes at
 * most one TTL later (counted from the raft leader change, if its etcd member led raft) and
 * the next candidate is elected; `leader-watchdog.ts` deletes a killed leader's key sooner.
 */
import { type Campaign, Election, type Etcd3 } from 'etcd3';
import { Keys } from '../pkg/etcd/keys.js';
import type { Logger } from '../pkg/log/logger.js';
import { sleep } from '../pkg/retry/backoff.js';

export interface ElectionHooks {
  /** Called when this master becomes leader; `fenceKey` exists as long as the leadership does. */
  onElected(fenceKey: string): Promise<void>;
  /** Called when leadership is lost (lease lost, resign). */
  onLost(): Promise<void>;
}

/** Lifecycle: follower ⇄ leader; stopped is final. */
export type ElectionRole = 'follower' | 'leader' | 'stopped';

export class LeaderElection {
  private campaign: Campaign | undefined;
  private role_: ElectionRole = 'follower';
  private readonly stopCtl = new AbortController();
  private leaderCache: { name: string | undefined; at: number } = { name: undefined, at: 0 };
  /** `operate-leader evict` (in memory, as DM): this master neither leads nor campaigns. */
  private evicted_ = false;

  constructor(
    private readonly client: Etcd3,
    private readonly name: string,
    private readonly ttl: number,
    private readonly hooks: ElectionHooks,
    private readonly log: Logger,
  ) {}

  get role(): ElectionRole {
    return this.role_;
  }

  get isLeader(): boolean {
    return this.role_ === 'leader';
  }

  /** Start campaigning (returns immediately; re-campaigns after every failure). */
  start(): void {
    this.campaignOnce();
  }

  /** True while `operate-leader evict` holds this master out of the election. */
  get evicted(): boolean {
    return this.evicted_;
  }

  /**
   * `operate-leader evict`: resign if leading (the next candidate is elected) and stop
   * campaigning until `cancelEvict`. Idempotent; kept in memory only, as DM does (a restart
   * campaigns again).
   */
  async evict(): Promise<void> {
    if (this.evicted_) return;
    this.evicted_ = true;
    this.log.warn('leader evicted: resigning and not campaigning until cancel-evict');
    const c = this.campaign;
    if (c) await this.retire(c);
  }

  /** `operate-leader cancel-evict`: campaign again. Idempotent. */
  cancelEvict(): void {
    if (!this.evicted_) return;
    this.evicted_ = false;
    this.log.info('leader eviction cancelled: campaigning again');
    this.campaignOnce();
  }

  private campaignOnce(): void {
    // Not while stopped or evicted, and never two campaigns at once (a retire() pause may
    // end after cancelEvict already started a new one).
    if (this.stopCtl.signal.aborted || this.evicted_ || this.campaign) return;
    const c = this.client.election(Keys.masterElection, this.ttl).campaign(this.name);
    this.campaign = c;
    c.on('elected', () => {
      void (async () => {
        if (this.campaign !== c) return; // resigned (evicted) before this event arrived
        try {
          const key = await c.getCampaignKey();
          this.role_ = 'leader';
          this.leaderCache = { name: this.name, at: Date.now() };
          this.log.info({ key }, 'elected leader');
          await this.hooks.onElected(key);
        } catch (err) {
          this.log.error({ err }, 'leader start failed; resigning');
          await this.retire(c);
        }
      })();
    });
    c.on('error', (err) => {
      this.log.warn({ err: String(err) }, 'campaign failed');
      void this.retire(c);
    });
  }

  /** Leave leadership (if held) and campaign again after a pause. */
  private async retire(c: Campaign): Promise<void> {
    if (this.campaign !== c) return;
    this.campaign = undefined;
    const wasLeader = this.role_ === 'leader';
    if (this.role_ !== 'stopped') this.role_ = 'follower';
    this.leaderCache.at = 0;
    if (wasLeader) await this.hooks.onLost().catch((err) => this.log.error({ err }, 'onLost failed'));
    await c.resign().catch(() => undefined);
    await sleep(1_000, this.stopCtl.signal);
    this.campaignOnce();
  }

  /** The current leader's name (cached for 500 ms: it is read on every forwarded request). */
  async leaderName(): Promise<string | undefined> {
    if (this.role_ === 'leader') return this.name;
    if (Date.now() - this.leaderCache.at < 500) return this.leaderCache.name;
    const name = await this.client.election(Keys.masterElection, this.ttl).leader();
    this.leaderCache = { name, at: Date.now() };
    return name;
  }

  /** Resign and stop campaigning. */
  async stop(): Promise<void> {
    const wasLeader = this.role_ === 'leader';
    this.role_ = 'stopped';
    this.stopCtl.abort();
    const c = this.campaign;
    this.campaign = undefined;
    if (wasLeader) await this.hooks.onLost().catch(() => undefined);
    if (c) await c.resign().catch(() => undefined);
  }
}

/** One campaign key of the master election (the lowest create revision leads). */
export interface CampaignKey {
  key: string;
  /** The campaigning master's name (the key's value). */
  name: string;
  createRevision: string;
}

/** The campaign keys of the master election, leader first (etcd3's `election/<name>/<lease>` layout). */
export async function campaignKeys(client: Etcd3): Promise<CampaignKey[]> {
  const prefix = `${Election.prefix}/${Keys.masterElection}/`;
  const res = await client.getAll().prefix(prefix).sort('Create', 'Ascend').exec();
  return res.kvs.map((kv) => ({
    key: kv.key.toString(),
    name: kv.value.toString(),
    createRevision: kv.create_revision,
  }));
}

/**
 * Delete one campaign key, only if it is still the same key (same create revision): the
 * next candidate is elected at once instead of after the dead holder's lease expires.
 * Leader-only writes are fenced on the campaign key, so a holder that was in fact alive
 * loses leadership cleanly. True when the key was deleted.
 */
export async function deleteCampaign(client: Etcd3, c: CampaignKey): Promise<boolean> {
  const r = await client
    .if(c.key, 'Create', '==', c.createRevision)
    .then(client.delete().key(c.key))
    .commit();
  return r.succeeded;
}

/**
 * DM's `ClearSessionIfNeeded`: delete the campaign key of master `name` (offline-member of
 * a master that died while campaigning or leading). True when a key was deleted.
 */
export async function clearCampaignOf(client: Etcd3, name: string): Promise<boolean> {
  const mine = (await campaignKeys(client)).filter((c) => c.name === name);
  let deleted = false;
  for (const c of mine) deleted = (await deleteCampaign(client, c)) || deleted;
  return deleted;
}
