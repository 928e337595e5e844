/**
 * Splits a task into per-source subtasks (what one worker runs), resolving each instance's
 * named rules and merging in its source config.
 */

import { sessionTimeZone } from '../binlog/time-zone.js';
import { dmError, E } from '../errors/index.js';
import type { DbConfig, SourceConfig, SubTaskConfig, TaskConfig } from './types.js';

/**
 * The task's time zone as DM resolves it from the config: `timezone`, else the target
 * session's `time_zone` (DM reads the zone of its target session), else '': the worker then
 * reads the target server's zone when the subtask starts (`withTaskTimeZone`, as DM's
 * `FetchTimeZoneSetting`).
 */
export function taskTimeZone(task: TaskConfig): string {
  if (task.timezone) return task.timezone;
  const kv = Object.entries(task.targetDatabase.session ?? {}).find(([k]) => k.toLowerCase() === 'time_zone');
  return kv ? String(kv[1]) : '';
}

/**
 * `db` with its session `time_zone` set to the task zone (DM's `AdjustWithTimeZone`, which
 * overwrites a session `time_zone` of its own): every connection of the subtask, dump, load
 * and sync alike, reads and writes TIMESTAMPs in that zone.
 */
function withTimeZone(db: DbConfig, tz: string): DbConfig {
  if (!tz) return { ...db };
  const session = Object.fromEntries(
    Object.entries(db.session ?? {}).filter(([k]) => k.toLowerCase() !== 'time_zone'),
  );
  return { ...db, session: { ...session, time_zone: sessionTimeZone(tz) } };
}

/** `cfg` with the zone `tz` resolved at run time: the task zone and every session's `time_zone`. */
export function withTaskTimeZone(cfg: SubTaskConfig, tz: string): SubTaskConfig {
  return { ...cfg, timezone: tz, from: withTimeZone(cfg.from, tz), to: withTimeZone(cfg.to, tz) };
}

/**
 * One SubTaskConfig per `mysql-instances` entry. Unknown source-id → E.sourceNotFound.
 * As DM: the loader dir gets the `.<task>` suffix, and source-level `filters` are applied
 * after the task's own filter rules.
 */
export function toSubTaskConfigs(task: TaskConfig, sources: Map<string, SourceConfig>): SubTaskConfig[] {
  return task.mysqlInstances.map((inst) => {
    const source = sources.get(inst.sourceId);
    if (!source) {
      throw dmError(E.sourceNotFound, `source "${inst.sourceId}" of task "${task.name}" does not exist`, {
        context: { task: task.name, source: inst.sourceId },
      });
    }
    const dirSuffix = `.${task.name}`;
    const tz = taskTimeZone(task);
    const sub: SubTaskConfig = {
      name: task.name,
      sourceId: inst.sourceId,
      taskMode: task.taskMode,
      shardMode: task.shardMode,
      ...(task.strictOptimisticShardMode ? { strictOptimisticShardMode: true } : {}),
      metaSchema: task.metaSchema,
      caseSensitive: task.caseSensitive,
      timezone: tz,
      onlineDdl: task.onlineDdl,
      shadowTableRules: [...task.shadowTableRules],
      trashTableRules: [...task.trashTableRules],
      cleanDumpFile: task.cleanDumpFile,
      ignoreCheckingItems: [...task.ignoreCheckingItems],
      from: withTimeZone(source.from, tz),
      flavor: source.flavor,
      enableGtid: source.enableGtid,
      enableRelay: source.enableRelay,
      serverId: source.serverId,
      relayDir: source.relayDir,
      checker: { ...source.checker },
      to: withTimeZone(task.targetDatabase, tz),
      routes: inst.routeRules.map((n) => task.routes[n]!).filter((r) => r !== undefined),
      filters: [
        ...inst.filterRules.map((n) => task.filters[n]!).filter((r) => r !== undefined),
        ...(source.filters ?? []),
      ],
      expressionFilters: inst.expressionFilters
        .map((n) => task.expressionFilter[n]!)
        .filter((r) => r !== undefined),
      mydumper: { ...inst.mydumper },
      loader: {
        ...inst.loader,
        dir: inst.loader.dir.endsWith(dirSuffix) ? inst.loader.dir : inst.loader.dir + dirSuffix,
      },
      syncer: { ...inst.syncer },
      ...(inst.validator ? { validator: { ...inst.validator } } : {}),
    };
    if (inst.meta) sub.meta = { ...inst.meta };
    if (inst.blockAllowList !== undefined) {
      const rule = task.blockAllowList[inst.blockAllowList];
      if (rule) sub.blockAllowList = rule;
    }
    return sub;
  });
}
