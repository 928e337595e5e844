/**
 * `config export|import [-d dir]`: DM's layout `<dir>/sources/<source-id>.yaml`,
 * `<dir>/tasks/<task>.yaml` (default dir `configs`). Export writes what the master's
 * `list-configs` returns; import creates every source, then starts every task, one request
 * each, treating "already exist(s)" as done so an import can be repeated. Output is DM's text
 * lines; on failure the master's reply is printed as JSON and the exit code is 1.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dmError, E } from '../pkg/errors/index.js';
import { type CtlReply, callMaster } from './client.js';
import { printJson } from './output.js';

export const DEFAULT_CONFIG_DIR = 'configs';
const SOURCES = 'sources';
const TASKS = 'tasks';

interface Exported {
  id: string;
  cfg: string;
}

function line(s: string): void {
  process.stdout.write(`${s}\n`);
}

/** A file name for a source id / task name (they may not contain a path separator). */
function fileName(id: string): string {
  if (id === '' || id.includes('/') || id.includes('\\') || id === '.' || id === '..') {
    throw dmError(E.ctlInvalidArgs, `cannot export "${id}": not usable as a file name`);
  }
  return `${id}.yaml`;
}

/** Export all source and task configs into `dir`; returns false (after printing why) on failure. */
export async function exportConfigs(addrs: string[], dir: string): Promise<boolean> {
  const reply = (await callMaster(addrs, 'list-configs', {})) as CtlReply & {
    sources?: Exported[];
    tasks?: Exported[];
  };
  if (reply.result !== true) {
    line('can not get configs from the master');
    printJson(reply);
    return false;
  }
  const taskDir = join(dir, TASKS);
  const sourceDir = join(dir, SOURCES);
  // 0700/0600 as DM: source files hold upstream passwords.
  mkdirSync(taskDir, { recursive: true, mode: 0o700 });
  mkdirSync(sourceDir, { recursive: true, mode: 0o700 });
  for (const s of reply.sources ?? []) writeFileSync(join(sourceDir, fileName(s.id)), s.cfg, { mode: 0o600 });
  for (const t of reply.tasks ?? []) writeFileSync(join(taskDir, fileName(t.id)), t.cfg, { mode: 0o600 });
  line(`export configs to directory \`${dir}\` succeed`);
  return true;
}

/** Regular files of `dir` in name order, as `{file, content}` (none when the dir is absent). */
function readDirFiles(dir: string): { file: string; content: string }[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .sort()
    .map((n) => join(dir, n))
    .filter((f) => statSync(f).isFile())
    .map((file) => ({ file, content: readFileSync(file, 'utf8') }));
}

const alreadyThere = (r: CtlReply): boolean => /already exist/.test(String(r.msg ?? ''));

/** Import the configs of `dir`: sources first, then tasks (started, as DM's import does). */
export async function importConfigs(addrs: string[], dir: string): Promise<boolean> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw dmError(E.ctlInvalidArgs, `config directory \`${dir}\` not exists`);
  }
  const sources = readDirFiles(join(dir, SOURCES));
  const tasks = readDirFiles(join(dir, TASKS));
  if (sources.length > 0) line('start creating sources');
  // One request per source: a batch is all-or-nothing, and an existing source must not
  // stop the others (repeatable import).
  for (const f of sources) {
    const r = await callMaster(addrs, 'operate-source', { op: 'create', configs: [f], sources: [] });
    if (r.result !== true && !alreadyThere(r)) {
      printJson(r);
      line('fail to create sources');
      return false;
    }
  }
  if (tasks.length > 0) line('start creating tasks');
  for (const f of tasks) {
    const r = await callMaster(addrs, 'start-task', { ...f, removeMeta: false, sources: [] });
    if (r.result !== true && !alreadyThere(r)) {
      printJson(r);
      line('fail to create tasks');
      return false;
    }
  }
  line(`import configs from directory \`${dir}\` succeed`);
  return true;
}
