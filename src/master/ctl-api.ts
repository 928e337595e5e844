/**
 * The RPC-style API dmctl uses: `POST /api/ctl/<command>` with a JSON body, answered with
 * DM's JSON for that command. Runs on the leader (followers forward, see http-server.ts).
 */

import { randomBytes } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { failed } from '../pkg/api/errors.js';
import { dmEncrypt } from '../pkg/config/encrypt.js';
import { asDmError, E } from '../pkg/errors/index.js';
import { Keys } from '../pkg/etcd/keys.js';
import { getConfig, listConfigs } from './config-ops.js';
import { cutover } from './cutover-ops.js';
import type { LeaderCtx } from './leader-context.js';
import { listMember, offlineMember } from './member-ops.js';
import { binlogOp, binlogSchemaOp, purgeRelayOp, RELAY_OPS, relayOp } from './operate-ops.js';
import { showLocks, unlockLock } from './shardddl/lock-ops.js';
import { type ConfigFile, operateSource, transferSource } from './source-ops.js';
import { queryStatus } from './status-ops.js';
import { checkTask, operateTask, type StartTaskRequest, startTask, type TaskOp } from './task-ops.js';
import { getTaskTemplateConfig } from './task-template-ops.js';
import { updateTask } from './update-task.js';
import {
  operateValidationError,
  startValidation,
  stopValidation,
  validationErrors,
  validationStatus,
} from './validation-ops.js';

/** Everything a handler may need beyond the request body. */
export interface CtlEnv {
  ctx: LeaderCtx;
  self: { name: string; addr: string };
}

type Body = Record<string, unknown>;

/** `dmctl cutover` drain timeout when the request names none (dmctl's `--timeout` default). */
const CUTOVER_TIMEOUT_MS = 5 * 60_000;
type Handler = (env: CtlEnv, body: Body) => Promise<unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function taskOp(op: TaskOp): Handler {
  return ({ ctx }, b) => operateTask(ctx, { op, task: str(b.task), sources: strs(b.sources) });
}

export const CTL_HANDLERS: Readonly<Record<string, Handler>> = Object.freeze({
  'operate-source': ({ ctx }, b) =>
    operateSource(ctx, {
      op: str(b.op),
      configs: (b.configs as ConfigFile[]) ?? [],
      sources: strs(b.sources),
      worker: str(b.worker),
    }),
  'transfer-source': ({ ctx }, b) => transferSource(ctx, { source: str(b.source), worker: str(b.worker) }),
  'start-task': ({ ctx }, b) => startTask(ctx, b as unknown as StartTaskRequest),
  'update-task': ({ ctx }, b) =>
    updateTask(ctx, { file: str(b.file), content: str(b.content), sources: strs(b.sources) }),
  'check-task': ({ ctx }, b) =>
    checkTask(
      ctx,
      { file: str(b.file), content: str(b.content) },
      {
        ...(typeof b.errCnt === 'number' ? { errCnt: b.errCnt } : {}),
        ...(typeof b.warnCnt === 'number' ? { warnCnt: b.warnCnt } : {}),
        ...(str(b.startTime) ? { startTime: str(b.startTime) } : {}),
      },
    ),
  'stop-task': async (env, b) => {
    const res = (await taskOp('Stop')(env, b)) as { result?: boolean };
    // A stopped task's shard-DDL locks go with it (DM deletes its infos and operations).
    if (res.result && strs(b.sources).length === 0) {
      await env.ctx.pessimist.dropTask(str(b.task));
      await env.ctx.optimist.dropTask(str(b.task));
    }
    return res;
  },
  'pause-task': taskOp('Pause'),
  'resume-task': taskOp('Resume'),
  'query-status': ({ ctx }, b) =>
    queryStatus(ctx, { task: str(b.task) || undefined, sources: strs(b.sources), more: b.more === true }),
  'list-member': ({ ctx, self }, b) =>
    listMember(ctx, self, {
      leader: b.leader === true,
      master: b.master === true,
      worker: b.worker === true,
      names: strs(b.names),
    }),
  'offline-member': ({ ctx, self }, b) =>
    offlineMember(ctx, self.name, { type: b.type === 'master' ? 'master' : 'worker', name: str(b.name) }),
  'get-config': ({ ctx }, b) =>
    str(b.type) === 'task-template'
      ? getTaskTemplateConfig(ctx, str(b.name))
      : getConfig(ctx, str(b.type), str(b.name)),
  'list-configs': ({ ctx }) => listConfigs(ctx),
  binlog: ({ ctx }, b) =>
    binlogOp(ctx, {
      op: str(b.op),
      task: str(b.task),
      sources: strs(b.sources),
      binlogPos: str(b.binlogPos) || undefined,
      sqls: strs(b.sqls),
    }),
  'binlog-schema': ({ ctx }, b) =>
    binlogSchemaOp(ctx, {
      op: str(b.op),
      task: str(b.task),
      sources: strs(b.sources),
      database: str(b.database),
      table: str(b.table),
      schema: str(b.schema) || undefined,
      flush: b.flush !== false,
      fromSource: b.fromSource === true,
      fromTarget: b.fromTarget === true,
      sync: b.sync === true,
    }),
  ...Object.fromEntries(
    Object.keys(RELAY_OPS).map((command) => [
      command,
      (({ ctx }, b) =>
        relayOp(ctx, { command, sources: strs(b.sources), workers: strs(b.workers) })) as Handler,
    ]),
  ),
  'purge-relay': ({ ctx }, b) => purgeRelayOp(ctx, { sources: strs(b.sources), filename: str(b.filename) }),
  'validation-start': ({ ctx }, b) =>
    startValidation(ctx, {
      taskName: str(b.taskName),
      sources: strs(b.sources),
      ...(typeof b.mode === 'string' ? { mode: b.mode } : {}),
      ...(typeof b.startTime === 'string' ? { startTime: b.startTime } : {}),
    }),
  'validation-stop': ({ ctx }, b) =>
    stopValidation(ctx, { taskName: str(b.taskName), sources: strs(b.sources) }),
  'validation-status': ({ ctx }, b) =>
    validationStatus(ctx, { taskName: str(b.taskName), tableStage: str(b.tableStage) }),
  'validation-show-error': ({ ctx }, b) =>
    validationErrors(ctx, { taskName: str(b.taskName), errState: str(b.errState) }),
  'validation-operate-error': ({ ctx }, b) =>
    operateValidationError(ctx, {
      taskName: str(b.taskName),
      op: str(b.op),
      errId: Number(b.errId ?? 0),
      isAllError: b.isAllError === true,
    }),
  cutover: ({ ctx }, b) =>
    cutover(ctx, {
      task: str(b.task),
      timeoutMs: typeof b.timeoutMs === 'number' && b.timeoutMs > 0 ? b.timeoutMs : CUTOVER_TIMEOUT_MS,
      outputDir: str(b.outputDir),
      setUpstreamReadOnly: b.setUpstreamReadOnly === true,
    }),
  'shard-ddl-lock': ({ ctx }, b) => showLocks(ctx, { task: str(b.task), sources: strs(b.sources) }),
  'unlock-ddl-lock': ({ ctx }, b) =>
    unlockLock(ctx, {
      id: str(b.id),
      owner: str(b.owner),
      forceRemove: b.forceRemove === true,
      action: b.action === 'skip' ? 'skip' : 'exec',
      sources: strs(b.sources),
      database: str(b.database),
      table: str(b.table),
    }),
  encrypt: async (_env, b) => ({
    result: true,
    msg: '',
    // DM's format and key (secret-key-path, else DM's former built-in key): what DM prints.
    encrypted: dmEncrypt(str(b.plaintext)),
  }),
});

/** Run one ctl command; any error becomes DM's `{result:false,msg}`. */
export async function runCtl(env: CtlEnv, command: string, body: Body): Promise<unknown> {
  const h = CTL_HANDLERS[command];
  if (!h) return { result: false, msg: `unknown command "${command}"` };
  try {
    return await h(env, body);
  } catch (err) {
    return { result: false, ...failed(asDmError(err, E.internal)) };
  }
}

/** The cluster's encryption key: created once by the first leader (create-if-absent txn). */
export async function ensureEncryptKey(client: Etcd3): Promise<string> {
  const fresh = randomBytes(32).toString('hex');
  await client.if(Keys.encryptKey, 'Create', '==', 0).then(client.put(Keys.encryptKey).value(fresh)).commit();
  const key = await client.get(Keys.encryptKey).string();
  return key ?? fresh;
}
