/**
 * A small checked reader over request JSON for the DM OpenAPI converters (task-json.ts,
 * source-json.ts): every field read names its JSON path (`task.target_config.host`), and all
 * problems of one body are reported together in one coded error, as the YAML parser does.
 */
import { type DmError, dmError, E, type ErrorDef } from '../pkg/errors/index.js';

export type Json = Record<string, unknown>;

interface Issue {
  def: ErrorDef;
  path: string;
  detail: string;
}

/** Field options: `required` records a missing-key issue when the field is absent (or null). */
export interface FieldOpts<T> {
  required?: boolean;
  /** Allowed values (strings only). */
  oneOf?: readonly string[];
  dflt?: T;
}

export class JsonReader {
  private readonly issues: Issue[] = [];

  /** @param what what the body is, for the error message ("task", "source"). */
  constructor(private readonly what: string) {}

  private missing(path: string): undefined {
    this.issues.push({ def: E.configMissingKey, path, detail: 'is required' });
    return undefined;
  }

  private wrong(path: string, want: string, v: unknown): undefined {
    this.issues.push({
      def: E.configWrongType,
      path,
      detail: `must be ${want}, got ${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v}`,
    });
    return undefined;
  }

  /** Record a value problem found by the caller. */
  invalid(path: string, detail: string): void {
    this.issues.push({ def: E.configInvalidValue, path, detail });
  }

  obj(parent: Json, key: string, path: string, required = false): Json | undefined {
    const v = parent[key];
    if (v === undefined || v === null) return required ? this.missing(`${path}.${key}`) : undefined;
    if (typeof v !== 'object' || Array.isArray(v)) return this.wrong(`${path}.${key}`, 'an object', v);
    return v as Json;
  }

  arr(parent: Json, key: string, path: string, required = false): unknown[] | undefined {
    const v = parent[key];
    if (v === undefined || v === null) return required ? this.missing(`${path}.${key}`) : undefined;
    if (!Array.isArray(v)) return this.wrong(`${path}.${key}`, 'an array', v);
    return v;
  }

  /** Array items that must be objects (bad items are reported and skipped). */
  objects(items: unknown[], path: string): { item: Json; path: string }[] {
    const out: { item: Json; path: string }[] = [];
    items.forEach((v, i) => {
      const p = `${path}[${i}]`;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) this.wrong(p, 'an object', v);
      else out.push({ item: v as Json, path: p });
    });
    return out;
  }

  str(parent: Json, key: string, path: string, o: FieldOpts<string> = {}): string | undefined {
    const v = parent[key];
    const p = `${path}.${key}`;
    if (v === undefined || v === null) return o.required ? this.missing(p) : o.dflt;
    if (typeof v !== 'string') return this.wrong(p, 'a string', v);
    if (o.oneOf && !o.oneOf.includes(v)) {
      this.invalid(p, `"${v}" is not one of: ${o.oneOf.join(', ')}`);
      return undefined;
    }
    return v;
  }

  int(parent: Json, key: string, path: string, o: FieldOpts<number> = {}): number | undefined {
    const v = parent[key];
    const p = `${path}.${key}`;
    if (v === undefined || v === null) return o.required ? this.missing(p) : o.dflt;
    if (typeof v !== 'number' || !Number.isInteger(v)) return this.wrong(p, 'an integer', v);
    return v;
  }

  bool(parent: Json, key: string, path: string, o: FieldOpts<boolean> = {}): boolean | undefined {
    const v = parent[key];
    const p = `${path}.${key}`;
    if (v === undefined || v === null) return o.required ? this.missing(p) : o.dflt;
    if (typeof v !== 'boolean') return this.wrong(p, 'a boolean', v);
    return v;
  }

  strList(parent: Json, key: string, path: string): string[] | undefined {
    const v = this.arr(parent, key, path);
    if (v === undefined) return undefined;
    const out: string[] = [];
    v.forEach((x, i) => {
      if (typeof x === 'string') out.push(x);
      else this.wrong(`${path}.${key}[${i}]`, 'a string', x);
    });
    return out;
  }

  /** Throw one coded error listing every problem (code of the first one), if any. */
  done(): void {
    const err = this.error();
    if (err) throw err;
  }

  error(): DmError | undefined {
    const first = this.issues[0];
    if (!first) return undefined;
    const lines = this.issues.map((i) => `${i.path} ${i.detail}`);
    return dmError(first.def, `invalid ${this.what}: ${lines.join('; ')}`, {
      context: { paths: this.issues.map((i) => i.path) },
    });
  }
}

/** PEM contents of DM's OpenAPI `Security` object (DM sends contents, not file paths). */
export interface SecurityContent {
  sslCaContent: string;
  sslCertContent: string;
  sslKeyContent: string;
}

/**
 * Stores PEM contents somewhere the processes can read and returns the file paths our
 * configs use (`security: {ssl-ca, ssl-cert, ssl-key}`). Supplied by the HTTP edge.
 */
export type SaveSecurity = (
  owner: string,
  sec: SecurityContent,
) => {
  sslCa: string;
  sslCert: string;
  sslKey: string;
};

/**
 * Read DM's `Security` object at `parent[key]` and turn it into our YAML `security` block
 * through `save`; without `save` a given security block is an error (nowhere to put it).
 */
export function readSecurity(
  r: JsonReader,
  parent: Json,
  key: string,
  path: string,
  owner: string,
  save: SaveSecurity | undefined,
): Json | undefined {
  const sec = r.obj(parent, key, path);
  if (!sec) return undefined;
  const p = `${path}.${key}`;
  const content: SecurityContent = {
    sslCaContent: r.str(sec, 'ssl_ca_content', p, { dflt: '' }) ?? '',
    sslCertContent: r.str(sec, 'ssl_cert_content', p, { dflt: '' }) ?? '',
    sslKeyContent: r.str(sec, 'ssl_key_content', p, { dflt: '' }) ?? '',
  };
  r.strList(sec, 'cert_allowed_cn', p);
  if (!content.sslCaContent && !content.sslCertContent && !content.sslKeyContent) return undefined;
  if (!save) {
    r.invalid(p, 'TLS contents cannot be stored here');
    return undefined;
  }
  const files = save(owner, content);
  const out: Json = {};
  if (content.sslCaContent) out['ssl-ca'] = files.sslCa;
  if (content.sslCertContent) out['ssl-cert'] = files.sslCert;
  if (content.sslKeyContent) out['ssl-key'] = files.sslKey;
  return out;
}
