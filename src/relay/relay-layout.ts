import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { compareBinlogFile } from '../pkg/binlog/position.js';
import { dmError, E } from '../pkg/errors/index.js';

/**
 * The relay directory layout, as DM's:
 *
 *   <relay-dir>/server-uuid.index          one sub-dir name per line, oldest first
 *   <relay-dir>/<server-uuid>.<NNNNNN>/    one per upstream server identity (suffix + 1 when it changes)
 *       mariadb-bin.000001 …               binlog files, named and positioned as upstream
 *       relay.meta                         binlog-name / binlog-pos / binlog-gtid (TOML)
 */
export const INDEX_FILE = 'server-uuid.index';
export const META_FILE = 'relay.meta';

export interface SubDir {
  name: string;
  uuid: string;
  suffix: number;
}

/** `<uuid>.<NNNNNN>` → parts; undefined when the name does not follow the pattern. */
export function parseSubDir(name: string): SubDir | undefined {
  const m = /^(.+)\.(\d{6})$/.exec(name);
  if (!m) return undefined;
  return { name, uuid: m[1]!, suffix: Number(m[2]) };
}

export function subDirName(uuid: string, suffix: number): string {
  return `${uuid}.${String(suffix).padStart(6, '0')}`;
}

/** Sub-dirs listed in the index, in order. Missing index = empty relay. */
export function readIndex(relayDir: string): SubDir[] {
  const p = join(relayDir, INDEX_FILE);
  if (!existsSync(p)) return [];
  // Small file; a sync read keeps callers (the reader's follow logic) simple.
  return readIndexText(readFileSync(p, 'utf8'));
}

/** Pure parse of the index text. */
export function readIndexText(text: string): SubDir[] {
  const out: SubDir[] = [];
  for (const line of text.split('\n')) {
    const s = parseSubDir(line.trim());
    if (s) out.push(s);
  }
  return out;
}

/**
 * The sub-dir to write into for upstream `uuid`: the last one when it belongs to the same
 * server, else a new one with the next suffix (DM's rule: a new sub-dir whenever the
 * upstream server identity changes).
 */
export function chooseSubDir(index: SubDir[], uuid: string): { sub: SubDir; isNew: boolean } {
  const last = index[index.length - 1];
  if (last && last.uuid === uuid) return { sub: last, isNew: false };
  const suffix = (last?.suffix ?? 0) + 1;
  return { sub: { name: subDirName(uuid, suffix), uuid, suffix }, isNew: true };
}

/** Create the sub-dir and append it to the index (durably). */
export async function addSubDir(relayDir: string, sub: SubDir): Promise<void> {
  await mkdir(join(relayDir, sub.name), { recursive: true });
  const names = readIndex(relayDir).map((s) => s.name);
  if (!names.includes(sub.name)) names.push(sub.name);
  await writeFileAtomic(join(relayDir, INDEX_FILE), names.map((n) => `${n}\n`).join(''));
}

/** `mariadb-bin.000012` → `{base: 'mariadb-bin', seq: 12}`. */
export function parseBinlogName(name: string): { base: string; seq: number } | undefined {
  const m = /^(.+)\.(\d+)$/.exec(name);
  if (!m) return undefined;
  return { base: m[1]!, seq: Number(m[2]) };
}

/** Binlog files in a sub-dir, ordered. */
export function listBinlogFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n !== META_FILE && !n.endsWith('.tmp') && parseBinlogName(n) !== undefined)
    .sort(compareBinlogFile);
}

/** relay.meta: where the relay is (advisory; the files are the truth). */
export interface RelayMeta {
  binlogName: string;
  binlogPos: number;
  binlogGtid: string;
}

/** Pure: TOML text as DM writes it. */
export function formatMeta(m: RelayMeta): string {
  return `${stringify({ 'binlog-name': m.binlogName, 'binlog-pos': m.binlogPos, 'binlog-gtid': m.binlogGtid })}\n`;
}

/** Pure: parse relay.meta text; undefined when unusable. */
export function parseMeta(text: string): RelayMeta | undefined {
  try {
    const t = parse(text) as Record<string, unknown>;
    const name = t['binlog-name'];
    const pos = t['binlog-pos'];
    const gtid = t['binlog-gtid'];
    if (typeof name !== 'string') return undefined;
    return {
      binlogName: name,
      binlogPos: typeof pos === 'number' ? pos : typeof pos === 'bigint' ? Number(pos) : 4,
      binlogGtid: typeof gtid === 'string' ? gtid : '',
    };
  } catch {
    return undefined;
  }
}

export async function readMeta(subDir: string): Promise<RelayMeta | undefined> {
  try {
    return parseMeta(await readFile(join(subDir, META_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

export async function writeMeta(subDir: string, m: RelayMeta): Promise<void> {
  await writeFileAtomic(join(subDir, META_FILE), formatMeta(m));
}

/**
 * Crash-safe replace: write `path.tmp`, fsync it, rename over `path`, fsync the directory.
 * A crash leaves either the old or the new content, never a mix.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    const dir = await open(join(path, '..'), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (err) {
    throw dmError(E.relayIo, `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}
