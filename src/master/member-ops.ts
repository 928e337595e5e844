/**
 * `list-member` and `offline-member`, as DM's `ListMember` / `OfflineMember`: masters come
 * from the etcd member list joined with each master's info key; a master is alive when its
 * address answers within 1 s (DM probes each member's client URL `/health` with a 1 s
 * timeout); workers come from the scheduler. The reply groups are DM's protobuf oneof keys:
 * `{leader:{msg,name,addr}}`, `{master:{msg,masters:[…]}}`, `{worker:{msg,workers:[…]}}`.
 */

import type { Etcd3 } from 'etcd3';
import { failed } from '../pkg/api/errors.js';
import { asDmError, dmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import { clusterUrl } from '../pkg/tls/cluster-http.js';
import { clearCampaignOf } from './election.js';
import type { LeaderCtx } from './leader-context.js';
import { probe } from './probe.js';

/** DM's list-member probe timeout. */
const ALIVE_PROBE_MS = 1_000;

/** Value of `Keys.masterInfo(name)`. */
export interface MasterInfo {
  name: string;
  /** Advertised client address `host:port` (HTTP API). */
  clientAddr: string;
  peerUrl: string;
  /** Client URL of this master's etcd member ('' with an external etcd). */
  etcdClientUrl: string;
}

export interface MasterMember {
  name: string;
  memberID: string;
  alive: boolean;
  peerURLs: string[];
  clientURLs: string[];
}

export async function readMasterInfos(client: Etcd3): Promise<Map<string, MasterInfo>> {
  const all = await client.getAll().prefix(Keys.masterInfoPrefix).strings();
  const out = new Map<string, MasterInfo>();
  for (const v of Object.values(all)) {
    const info = JSON.parse(v) as MasterInfo;
    out.set(info.name, info);
  }
  return out;
}

/** Masters: etcd members (when masters supervise etcd) plus any master known only by its info key. */
export async function listMasters(client: Etcd3): Promise<MasterMember[]> {
  const infos = await readMasterInfos(client);
  const res = await client.cluster.memberList({});
  const out: MasterMember[] = [];
  const seen = new Set<string>();
  const managed = [...infos.values()].some((i) => i.etcdClientUrl !== '');
  const alive = async (info: MasterInfo | undefined): Promise<boolean> =>
    info !== undefined &&
    (await probe(clusterUrl(info.clientAddr, '/api/internal/info'), ALIVE_PROBE_MS)) === 'up';
  if (managed) {
    const rows = await Promise.all(
      (res.members ?? []).map(async (m) => {
        const name = m.name || '';
        const info = infos.get(name);
        seen.add(name);
        return {
          name,
          memberID: String(m.ID),
          alive: await alive(info),
          peerURLs: m.peerURLs ?? [],
          clientURLs: info ? [clusterUrl(info.clientAddr)] : [],
        };
      }),
    );
    out.push(...rows);
  }
  for (const info of infos.values()) {
    if (seen.has(info.name)) continue;
    out.push({
      name: info.name,
      memberID: '',
      alive: await alive(info),
      peerURLs: [info.peerUrl],
      clientURLs: [clusterUrl(info.clientAddr)],
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export async function listMember(
  ctx: LeaderCtx,
  leader: { name: string; addr: string },
  req: { leader?: boolean; master?: boolean; worker?: boolean; names?: string[] },
): Promise<Record<string, unknown>> {
  try {
    const all = !req.leader && !req.master && !req.worker;
    const named = <T extends { name: string }>(xs: T[]): T[] =>
      req.names?.length ? xs.filter((x) => req.names?.includes(x.name)) : xs;
    const members: Record<string, unknown>[] = [];
    if (all || req.leader) {
      // As DM: a --name filter that leaves the leader out gives an empty leader entry.
      const shown = !req.names?.length || req.names.includes(leader.name);
      members.push({ leader: { msg: '', name: shown ? leader.name : '', addr: shown ? leader.addr : '' } });
    }
    if (all || req.master)
      members.push({ master: { msg: '', masters: named(await listMasters(ctx.client)) } });
    if (all || req.worker) {
      const workers = ctx.scheduler
        .view()
        .listWorkers()
        .map((w) => ({ name: w.name, addr: w.addr, stage: w.stage, source: w.source }));
      members.push({ worker: { msg: '', workers: named(workers) } });
    }
    return { result: true, msg: '', members };
  } catch (err) {
    return { result: false, ...failed(asDmError(err, E.internal)) };
  }
}

/**
 * `offline-member`. A worker must be offline already (the scheduler refuses a live one). A
 * master is removed as DM's `deleteMasterByName` does: its campaign key is cleared (so a dead
 * leader is replaced at once) and its etcd member removed; like DM there is no liveness
 * check (stop the master first: a removed member's etcd exits). Ours refuses only the master
 * answering the request (the leader), which cannot remove itself and still reply.
 */
export async function offlineMember(
  ctx: LeaderCtx,
  selfName: string,
  req: { type: 'master' | 'worker'; name: string },
): Promise<{ result: boolean; msg: string }> {
  try {
    if (req.type === 'worker') {
      await ctx.scheduler.run((core) => core.removeWorker(req.name));
      return { result: true, msg: '' };
    }
    const res = await ctx.client.cluster.memberList({});
    const m = (res.members ?? []).find((x) => x.name === req.name);
    if (!m) throw dmError(E.masterNameNotExist, `dm-master with name ${req.name} not exists`);
    if (req.name === selfName)
      throw dmError(E.invalidStageTransition, `master ${req.name} is the leader; cannot offline it`);
    await clearCampaignOf(ctx.client, req.name);
    await ctx.client.cluster.memberRemove({ ID: m.ID });
    await ctx.client.delete().key(Keys.masterInfo(req.name));
    ctx.log.info({ master: req.name }, 'offline member successfully');
    return { result: true, msg: '' };
  } catch (err) {
    return { result: false, ...failed(asDmError(err, E.internal)) };
  }
}
