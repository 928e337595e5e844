/**
 * `dmctl config task-template NAME` (DM's GetCfg with TaskTemplateType): a task template saved
 * through the OpenAPI (`POST /api/v1/tasks/templates`), shown in task.yaml form with the
 * target password hidden, as DM does.
 */
import { stringify } from 'yaml';
import { Keys } from '../pkg/etcd/keys.js';
import type { LeaderCtx } from './leader-context.js';
import { PASSWORD_MASK, taskJsonToDoc } from './task-json.js';

export async function getTaskTemplateConfig(
  ctx: LeaderCtx,
  name: string,
): Promise<{ result: boolean; msg: string; cfg?: string }> {
  const v = await ctx.client.get(Keys.taskTemplate(name)).string();
  // DM's words for a missing template.
  if (v === null) return { result: false, msg: 'task not found' };
  const doc = taskJsonToDoc(JSON.parse(v));
  const target = doc['target-database'];
  if (target && typeof target === 'object') (target as Record<string, unknown>).password = PASSWORD_MASK;
  return { result: true, msg: '', cfg: stringify(doc) };
}
