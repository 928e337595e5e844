/**
 * Config read-outs on the leader: `config master|worker NAME` (asks that member over HTTP,
 * as DM's leader asks the member over gRPC) and `list-configs`, the data behind dmctl's
 * `config export` (every source config and every task config; dmctl writes the files).
 */

import { isMap, isSeq, parseDocument } from 'yaml';
import { failed } from '../pkg/api/errors.js';
import { dmEncrypt, maybeDecrypt } from '../pkg/config/index.js';
import { mapTaskPassword } from '../pkg/config/task-password.js';
import type { SourceConfig } from '../pkg/config/types.js';
import { asDmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import { clusterFetch, clusterUrl } from '../pkg/tls/cluster-http.js';
import { toYaml } from './config-adapter.js';
import type { LeaderCtx } from './leader-context.js';
import { readMasterInfos } from './member-ops.js';
import { listTasks } from './task-ops.js';

/** A member's own answer to `GET …/config`. */
interface ConfigAnswer {
  result: boolean;
  msg: string;
  cfg?: string;
}

const MEMBER_TIMEOUT_MS = 10_000;

async function fetchConfig(url: string): Promise<ConfigAnswer> {
  try {
    const res = await clusterFetch(url, { signal: AbortSignal.timeout(MEMBER_TIMEOUT_MS) });
    const body = (await res.json()) as ConfigAnswer;
    return { result: body.result === true, msg: body.msg ?? '', cfg: body.cfg ?? '' };
  } catch (err) {
    return {
      result: false,
      ...failed(
        asDmError(
          err,
          E.workerNotFound,
          `cannot get the config from ${url}: ${String((err as Error).cause ?? err)}`,
        ),
      ),
    };
  }
}

/** `config master NAME` / `config worker NAME`: the member's effective config as TOML (`cfg`). */
export async function getMemberConfig(
  ctx: LeaderCtx,
  type: 'master' | 'worker',
  name: string,
): Promise<ConfigAnswer> {
  if (type === 'master') {
    const info = (await readMasterInfos(ctx.client)).get(name);
    if (!info) return { result: false, msg: `master ${name} not found` };
    return fetchConfig(clusterUrl(info.clientAddr, '/api/internal/config'));
  }
  const w = ctx.scheduler
    .view()
    .listWorkers()
    .find((x) => x.name === name);
  if (!w) return { result: false, msg: 'worker not found' };
  return fetchConfig(clusterUrl(w.addr, '/config'));
}

/** The password DM shows instead of a real one (`config task|source`). */
const HIDDEN = '******';

/** A task's YAML with `target-database.password` hidden (the rest kept as written). */
export function hideTaskPassword(raw: string): string {
  return mapTaskPassword(raw, () => HIDDEN);
}

/**
 * `config task|source|master|worker NAME` (DM's GetCfg): `{result, msg, cfg}`. Task and
 * source passwords are shown as "******", as DM does; `config export` is the way to get
 * usable files.
 */
export async function getConfig(ctx: LeaderCtx, type: string, name: string): Promise<ConfigAnswer> {
  if (type === 'master' || type === 'worker') return getMemberConfig(ctx, type, name);
  if (type === 'task') {
    const raw = await ctx.client.get(Keys.taskConfig(name)).string();
    const sources = (await listTasks(ctx)).get(name);
    if (raw === null || !sources) return { result: false, msg: `task ${name} not found` };
    return { result: true, msg: '', cfg: hideTaskPassword(taskYamlForSources(raw, sources)) };
  }
  if (type === 'source') {
    const v = await ctx.client.get(Keys.sourceConfig(name)).string();
    if (v === null) return { result: false, msg: `source ${name} not found` };
    return { result: true, msg: '', cfg: toYaml(JSON.parse(v) as SourceConfig, { hidePassword: true }) };
  }
  return { result: false, msg: `invalid config type '${type}'` };
}

/** One exported config: a source (`id` = source-id) or a task (`id` = task name) as YAML. */
export interface ExportedConfig {
  id: string;
  cfg: string;
}

export interface ListConfigsResponse {
  result: boolean;
  msg: string;
  sources: ExportedConfig[];
  tasks: ExportedConfig[];
}

/**
 * Keep only the `mysql-instances` whose subtask exists (a task started with `-s` runs on a
 * subset, and DM exports the task rebuilt from its subtasks); the rest of the user's YAML,
 * comments included, is kept as written.
 */
export function taskYamlForSources(raw: string, sources: readonly string[]): string {
  const doc = parseDocument(raw);
  const inst = doc.get('mysql-instances');
  if (!isSeq(inst)) return raw;
  const before = inst.items.length;
  inst.items = inst.items.filter((it) => {
    const id = isMap(it) ? it.get('source-id') : undefined;
    return typeof id !== 'string' || sources.includes(id);
  });
  return inst.items.length === before ? raw : doc.toString();
}

/**
 * Every source config and every task's YAML as started, passwords in DM's format (as DM's
 * export: `EncryptOrPlaintext`), so the files import into any cluster with the same
 * secret-key-path key (or none: DM's former built-in key) and never hold a password in clear.
 */
export async function listConfigs(ctx: LeaderCtx): Promise<ListConfigsResponse> {
  const exported = (p: string): string => (p === '' ? p : dmEncrypt(maybeDecrypt(p, ctx.encryptKey)));
  const sources: ExportedConfig[] = [];
  const rawSources = await ctx.client.getAll().prefix(Keys.sourceConfigPrefix).strings();
  for (const v of Object.values(rawSources)) {
    const c = JSON.parse(v) as SourceConfig;
    sources.push({
      id: c.sourceId,
      cfg: toYaml({ ...c, from: { ...c.from, password: exported(c.from.password) } }),
    });
  }
  const tasks: ExportedConfig[] = [];
  for (const [name, taskSources] of await listTasks(ctx)) {
    const raw = await ctx.client.get(Keys.taskConfig(name)).string();
    if (raw !== null)
      tasks.push({ id: name, cfg: mapTaskPassword(taskYamlForSources(raw, taskSources), exported) });
  }
  sources.sort((a, b) => a.id.localeCompare(b.id));
  return { result: true, msg: '', sources, tasks };
}
