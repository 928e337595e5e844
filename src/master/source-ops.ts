/**
 * `operate-source create|stop|show` and `transfer-source` on the leader. Source configs are
 * stored as SourceConfig JSON with the password encrypted by the cluster key.
 */
import { failed } from '../pkg/api/errors.js';
import type { SourceConfig } from '../pkg/config/types.js';
import { asDmError, dmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import { parseSourceConfig, sealPassword } from './config-adapter.js';
import type { LeaderCtx } from './leader-context.js';

/** One uploaded config file. */
export interface ConfigFile {
  file: string;
  content: string;
}

export interface SourceResult {
  result: boolean;
  msg: string;
  source: string;
  worker: string;
}

export interface OperateSourceResponse {
  result: boolean;
  msg: string;
  sources: SourceResult[];
}

const NO_FREE_WORKER = 'source is added but there is no free worker to bind';

function sourceResult(ctx: LeaderCtx, source: string): SourceResult {
  const worker = ctx.scheduler.view().workerOf(source);
  return { result: true, msg: worker ? '' : NO_FREE_WORKER, source, worker };
}

/** Read a stored source config (password still sealed). */
export async function getSourceConfig(ctx: LeaderCtx, source: string): Promise<SourceConfig | undefined> {
  const v = await ctx.client.get(Keys.sourceConfig(source)).string();
  return v === null ? undefined : (JSON.parse(v) as SourceConfig);
}

/** Source ids that some task's subtask uses. */
async function tasksOfSource(ctx: LeaderCtx, source: string): Promise<string[]> {
  const keys = await ctx.client.getAll().prefix(Keys.subtaskConfigPrefix(source)).keys();
  return keys.map((k) => k.slice(Keys.subtaskConfigPrefix(source).length));
}

export async function operateSource(
  ctx: LeaderCtx,
  req: { op: string; configs?: ConfigFile[]; sources?: string[]; worker?: string },
): Promise<OperateSourceResponse> {
  const configs = req.configs ?? [];
  const fail = (msg: string): OperateSourceResponse => ({ result: false, msg, sources: [] });
  switch (req.op) {
    case 'create': {
      if (configs.length === 0) return fail('must specify at least one source config file');
      if (req.worker && configs.length > 1)
        return fail("operate-source create can't create multiple sources when specify worker");
      let parsed: SourceConfig[];
      try {
        parsed = configs.map((c) => parseSourceConfig(c.content, c.file, { encryptKey: ctx.encryptKey }));
      } catch (err) {
        return { ...fail(''), ...failed(asDmError(err, E.configParse)) };
      }
      const out: SourceResult[] = [];
      for (const cfg of parsed) {
        if (cfg.serverId === 0) cfg.serverId = 429_000_000 + Math.floor(Math.random() * 100_000_000);
        const stored: SourceConfig = {
          ...cfg,
          from: { ...cfg.from, password: sealPassword(cfg.from.password, ctx.encryptKey) },
        };
        try {
          await ctx.scheduler.run((core) => {
            const bindOps = core.addSource(cfg.sourceId, req.worker || undefined);
            return [
              { op: 'put', key: Keys.sourceConfig(cfg.sourceId), value: JSON.stringify(stored) },
              ...bindOps,
            ];
          });
          out.push(sourceResult(ctx, cfg.sourceId));
          ctx.log.info(
            { source: cfg.sourceId, worker: ctx.scheduler.view().workerOf(cfg.sourceId) },
            'source created',
          );
        } catch (err) {
          return { result: false, ...failed(asDmError(err, E.internal)), sources: out };
        }
      }
      return { result: true, msg: '', sources: out };
    }
    case 'stop': {
      const ids = [...(req.sources ?? [])];
      try {
        for (const c of configs) ids.push(parseSourceConfig(c.content, c.file).sourceId);
      } catch (err) {
        return { ...fail(''), ...failed(asDmError(err, E.configParse)) };
      }
      if (ids.length === 0) return fail('must specify at least one source config file or source name');
      const out: SourceResult[] = [];
      for (const id of ids) {
        try {
          if (!ctx.scheduler.view().hasSource(id)) throw dmError(E.sourceNotFound, `source ${id} not found`);
          const tasks = await tasksOfSource(ctx, id);
          if (tasks.length > 0) {
            throw dmError(
              E.sourceExists,
              `source ${id} is used by task(s) ${tasks.join(', ')}; stop the task(s) first`,
            );
          }
          const worker = ctx.scheduler.view().workerOf(id);
          await ctx.scheduler.run((core) => [
            ...core.removeSource(id),
            { op: 'delete', key: Keys.sourceConfig(id) },
            { op: 'delete', key: Keys.relayStage(id) },
          ]);
          out.push({ result: true, msg: '', source: id, worker });
        } catch (err) {
          out.push({ result: false, ...failed(asDmError(err, E.internal)), source: id, worker: '' });
        }
      }
      return { result: out.every((r) => r.result), msg: '', sources: out };
    }
    case 'show': {
      const view = ctx.scheduler.view();
      const ids = [...(req.sources?.length ? req.sources : view.listSources())];
      for (const c of configs) {
        try {
          ids.push(parseSourceConfig(c.content, c.file).sourceId);
        } catch (err) {
          return { ...fail(''), ...failed(asDmError(err, E.configParse)) };
        }
      }
      const out = ids.map((id) =>
        view.hasSource(id)
          ? sourceResult(ctx, id)
          : {
              result: false,
              ...failed(dmError(E.sourceNotFound, `source ${id} not found`)),
              source: id,
              worker: '',
            },
      );
      return { result: out.every((r) => r.result), msg: '', sources: out };
    }
    default:
      return fail(`invalid operate-source type "${req.op}": use create, stop or show`);
  }
}

export async function transferSource(
  ctx: LeaderCtx,
  req: { source: string; worker: string },
): Promise<{ result: boolean; msg: string }> {
  try {
    await ctx.scheduler.run((core) => core.transferSource(req.source, req.worker));
    return { result: true, msg: '' };
  } catch (err) {
    return { result: false, ...failed(asDmError(err, E.internal)) };
  }
}
