/**
 * Splits a task into per-source subtasks (what one worker runs), resolving each instance's
 * named rules and merging in its source config.
 */
import { dmError, E } from '../errors/index.js';
import type { SourceConfig, SubTaskConfig, TaskConfig } from './types.js';

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
    const sub: SubTaskConfig = {
      name: task.name,
      sourceId: inst.sourceId,
      taskMode: task.taskMode,
      shardMode: task.shardMode,
      ...(task.strictOptimisticShardMode ? { strictOptimisticShardMode: true } : {}),
      metaSchema: task.metaSchema,
      caseSensitive: task.caseSensitive,
      timezone: task.timezone,
      onlineDdl: task.onlineDdl,
      shadowTableRules: [...task.shadowTableRules],
      trashTableRules: [...task.trashTableRules],
      cleanDumpFile: task.cleanDumpFile,
      ignoreCheckingItems: [...task.ignoreCheckingItems],
      from: { ...source.from },
      flavor: source.flavor,
      enableGtid: source.enableGtid,
      enableRelay: source.enableRelay,
      serverId: source.serverId,
      relayDir: source.relayDir,
      checker: { ...source.checker },
      to: { ...task.targetDatabase },
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
