/**
 * YAML loading that remembers where every key came from, so config errors can say
 * `task.yaml:12: mysql-instances[0].loader-thread: …`. DM reads its files with yaml.v2
 * (YAML 1.1: `yes`/`no` booleans, `<<` merge keys), so we parse as YAML 1.1 too.
 */
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type Tags,
  visit,
} from 'yaml';
import { type DmError, dmError, E, type ErrorDef } from '../errors/index.js';

export type KeyPath = readonly (string | number)[];

/** Records one config issue (see ConfigIssue): the checks' common callback. */
export type Bad = (def: ErrorDef, path: KeyPath, detail: string, focus?: 'key' | 'value') => void;

/** One problem found in a config file. */
export interface ConfigIssue {
  def: ErrorDef;
  path: KeyPath;
  /** 1-based line number; 0 when unknown. */
  line: number;
  /** Text after the key path, e.g. `expected integer, got string "x"`. */
  detail: string;
}

/** `mysql-instances[0].loader-thread` (empty path = `(root)`). */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(root)' : out;
}

/** A parsed YAML file: the plain value plus line look-ups by key path. */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly value: unknown,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parse `text`; YAML syntax errors throw E.configParse naming the line. */
  static parse(text: string, file: string): YamlSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, {
      lineCounter: lines,
      version: '1.1',
      merge: true,
      prettyErrors: true,
      customTags: asYamlV2,
    });
    if (doc.errors.length > 0) {
      const msgs = doc.errors.map((e) => {
        const line = e.linePos?.[0]?.line ?? 0;
        const first = e.message.split('\n')[0] ?? e.message;
        return `${file}:${line}: YAML syntax error: ${first.replace(/ at line \d+, column \d+:?$/, '')}`;
      });
      throw dmError(E.configParse, msgs.join('\n'), { context: { file, errors: msgs } });
    }
    keysAsWritten(doc);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      throw dmError(E.configParse, `${file}:0: ${(err as Error).message}`, { cause: err });
    }
    return new YamlSource(file, value, doc, lines);
  }

  /**
   * Line of the node at `path`. `focus: 'key'` gives the line of the mapping key (for unknown
   * keys); 'value' the value's line. A path that does not exist resolves to its deepest
   * existing ancestor (so a missing key points at the map that should hold it).
   */
  lineOf(path: KeyPath, focus: 'key' | 'value' = 'value'): number {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg),
        );
        if (!pair) break;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) break;
        keyNode = undefined;
        node = item;
      } else {
        break;
      }
    }
    const target = (focus === 'key' && keyNode ? keyNode : (node ?? keyNode)) as Node | null | undefined;
    const offset = target?.range?.[0];
    if (offset === undefined) return 0;
    return this.lines.linePos(offset).line;
  }
}

/**
 * The YAML 1.1 tags yaml.v2 resolves: no base-60 numbers (`+08:00`, `1:30` are strings, as
 * for yaml.v2, e.g. a `timezone`) and no timestamps (`2021-10-21 00:01:00` into a Go string
 * field is that text; no DM config field takes a time.Time).
 */
function asYamlV2(tags: Tags): Tags {
  return tags.filter((t) =>
    typeof t === 'string'
      ? !['intTime', 'floatTime', 'timestamp'].includes(t)
      : (t as { format?: string }).format !== 'TIME' && t.tag !== 'tag:yaml.org,2002:timestamp',
  );
}

/**
 * Map keys stay the text written: yaml.v2 decodes a plain scalar into a Go string key from
 * its source text, so `e02:` (a YAML 1.1 float, NaN here), `1:` or `yes:` are the keys
 * "e02", "1", "yes" — never a number or a boolean.
 */
function keysAsWritten(doc: Document): void {
  visit(doc, {
    Pair(_, pair) {
      const k = pair.key;
      if (
        isScalar(k) &&
        k.value !== null &&
        typeof k.value !== 'string' &&
        typeof k.source === 'string' &&
        k.source !== '<<'
      ) {
        k.value = k.source;
      }
    },
    // The yaml library's YAML 1.1 float pattern reads `e02` as NaN; yaml.v2 does not (it is
    // the string "e02"), so a NaN not written as `.nan` is the text written.
    Scalar(_, node) {
      if (
        typeof node.value === 'number' &&
        Number.isNaN(node.value) &&
        typeof node.source === 'string' &&
        !/^[-+]?\.nan$/i.test(node.source)
      ) {
        node.value = node.source;
      }
    },
  });
}

/** Render issues as one DmError: the first issue's code, all messages joined (first line exact). */
export function issuesError(file: string, issues: ConfigIssue[]): DmError {
  const sorted = [...issues].sort((a, b) => a.line - b.line);
  const msgs = sorted.map((i) => `${file}:${i.line}: ${formatPath(i.path)}: ${i.detail}`);
  const first = sorted[0]!;
  return dmError(first.def, msgs.join('\n'), {
    context: { file, line: first.line, key: formatPath(first.path), errors: msgs },
  });
}

/** Describe a JS value for "got …" messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'mapping';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number') return Number.isInteger(v) ? `integer ${v}` : `number ${v}`;
  return `${typeof v} ${String(v)}`;
}
