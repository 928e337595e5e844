/**
 * Fast failover: a follower notices a dead leader without waiting for its election lease.
 *
 * After `kill -9` of the leader (its etcd member dies with it), its campaign key lives until
 * the lease expires — a full TTL, counted again from the moment etcd elects a new raft
 * leader (etcd's lessor renews every lease on promotion), 10–14 s with the default TTL.
 * Every follower checks the leader four times a second; when both the leader's HTTP address and
 * its etcd member refuse connections (nothing listens: the processes are gone; a timeout
 * proves nothing and is ignored) on `confirmations` consecutive checks, it deletes that
 * campaign key (guarded by its create revision, like DM's `ClearSessionIfNeeded` in
 * offline-member) and the next candidate is elected at once. A leader that was in fact alive
 * loses only leadership: schedule writes are fenced on the campaign key.
 */
import type { Etcd3 } from 'etcd3';
import type { Logger } from '../pkg/log/logger.js';
import { sleep } from '../pkg/retry/backoff.js';
import { clusterUrl } from '../pkg/tls/cluster-http.js';
import { type CampaignKey, campaignKeys, deleteCampaign } from './election.js';
import { readMasterInfos } from './member-ops.js';
import { probe } from './probe.js';

export interface LeaderWatchdogOptions {
  /** Pause between checks; default 250 ms. */
  intervalMs?: number;
  /** Consecutive "gone" checks before the key is deleted; default 2. */
  confirmations?: number;
  /** Timeout of one probe; default 1000 ms. */
  probeTimeoutMs?: number;
}

export class LeaderWatchdog {
  private readonly stopCtl = new AbortController();
  private suspect: { key: CampaignKey; count: number } | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: Etcd3,
    private readonly self: string,
    private readonly log: Logger,
    private readonly o: LeaderWatchdogOptions = {},
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopCtl.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const interval = this.o.intervalMs ?? 250;
    while (!this.stopCtl.signal.aborted) {
      try {
        await this.checkOnce();
      } catch (err) {
        // etcd unavailable (e.g. a raft election in progress): try again next round.
        this.log.debug({ err: String(err) }, 'leader watchdog check failed');
      }
      await sleep(interval, this.stopCtl.signal);
    }
  }

  /** One check; exported behaviour is only through deleting a dead leader's campaign key. */
  private async checkOnce(): Promise<void> {
    const leader = (await campaignKeys(this.client))[0];
    if (!leader || leader.name === this.self) {
      this.suspect = undefined;
      return;
    }
    const info = (await readMasterInfos(this.client)).get(leader.name);
    // Without its info key (lease gone too) we do not know where it lives: its campaign
    // key is about to expire the same way.
    if (!info) return;
    const timeout = this.o.probeTimeoutMs ?? 1_000;
    const [api, member] = await Promise.all([
      probe(clusterUrl(info.clientAddr, '/api/internal/info'), timeout),
      info.etcdClientUrl ? probe(`${info.etcdClientUrl}/health`, timeout) : Promise.resolve('refused'),
    ]);
    if (api !== 'refused' || member !== 'refused') {
      this.suspect = undefined;
      return;
    }
    const same =
      this.suspect?.key.key === leader.key && this.suspect.key.createRevision === leader.createRevision;
    this.suspect = { key: leader, count: same ? (this.suspect?.count ?? 0) + 1 : 1 };
    if (this.suspect.count < (this.o.confirmations ?? 2)) return;
    if (await deleteCampaign(this.client, leader)) {
      this.log.warn(
        { leader: leader.name, addr: info.clientAddr, key: leader.key },
        'leader is gone (its address and etcd member refuse connections); cleared its campaign key',
      );
    }
    this.suspect = undefined;
  }
}
