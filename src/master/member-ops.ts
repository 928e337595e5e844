/**
 * `list-member` and `offline-member`: masters come from the etcd member list joined with
 * each master's info key (alive while its lease lives), workers from the scheduler.
 */
import type { Etcd3 } from 'etcd3';
import { asDmError, dmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import type { LeaderCtx } from './leader-context.js';

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
  if (managed) {
    for (const m of res.members ?? []) {
      const name = m.name || '';
      const info = infos.get(name);
      seen.add(name);
      out.push({
        name,
        memberID: String(m.ID),
        alive: info !== undefined,
        peerURLs: m.peerURLs ?? [],
        clientURLs: info ? [`http://${info.clientAddr}`] : [],
      });
    }
  }
  for (const info of infos.values()) {
    if (seen.has(info.name)) continue;
    out.push({
      name: info.name,
      memberID: '',
      alive: true,
      peerURLs: [info.peerUrl],
      clientURLs: [`http://${info.clientAddr}`],
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
    if (all || req.leader) members.push({ leader: { msg: '', name: leader.name, addr: leader.addr } });
    if (all || req.master)
      members.push({ masters: { msg: '', masters: named(await listMasters(ctx.client)) } });
    if (all || req.worker) {
      const workers = ctx.scheduler
        .view()
        .listWorkers()
        .map((w) => ({ name: w.name, addr: w.addr, stage: w.stage, source: w.source }));
      members.push({ workers: { msg: '', workers: named(workers) } });
    }
    return { result: true, msg: '', members };
  } catch (err) {
    return { result: false, msg: asDmError(err, E.internal).toString() };
  }
}

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
    if (req.name === selfName)
      throw dmError(E.invalidStageTransition, `master ${req.name} is the leader; cannot offline it`);
    const infos = await readMasterInfos(ctx.client);
    if (infos.has(req.name)) {
      throw dmError(
        E.invalidStageTransition,
        `master ${req.name} is still alive; stop it before offlining it`,
      );
    }
    const res = await ctx.client.cluster.memberList({});
    const m = (res.members ?? []).find((x) => x.name === req.name);
    if (!m) throw dmError(E.workerNotFound, `master ${req.name} not found`);
    await ctx.client.cluster.memberRemove({ ID: m.ID });
    return { result: true, msg: '' };
  } catch (err) {
    return { result: false, msg: asDmError(err, E.internal).toString() };
  }
}
