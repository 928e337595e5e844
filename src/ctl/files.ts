/** Reading config files named on dmctl's command line. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { dmError, E } from '../pkg/errors/index.js';

export interface ConfigFile {
  file: string;
  content: string;
}

export function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

export function readConfigFile(path: string): ConfigFile {
  try {
    return { file: path, content: readFileSync(path, 'utf8') };
  } catch (err) {
    throw dmError(E.ctlInvalidArgs, `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** `stop-task task.yaml` names the task by its file: read its `name`. */
export function taskNameArg(arg: string): string {
  if (!isFile(arg)) return arg;
  const doc = parse(readConfigFile(arg).content) as { name?: unknown } | null;
  if (typeof doc?.name !== 'string' || doc.name === '') {
    throw dmError(E.ctlInvalidArgs, `${arg}: no task name found`);
  }
  return doc.name;
}
