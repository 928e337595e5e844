/**
 * DM's `security` block of a DB connection (dm/config/security), from YAML to the TLS
 * settings every upstream/downstream connection uses (pkg/db/connect.ts is the one place that
 * applies them).
 *
 * As DM (`LoadTLSContent` then tidb's `NewTLSConfig`): inline contents win over files
 * (`ssl-*-base64` decoded, else `ssl-*-bytes`, else the file at `ssl-*`); TLS is on only when
 * a CA is given; the server certificate is then verified against the CA and the host name,
 * and, when `cert-allowed-cn` is set, its Common Name must be one of those.
 */
import { readFileSync } from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import { dmError, E } from '../errors/index.js';
import type { DbSecurity } from './types.js';

type Raw = Record<string, unknown>;

/**
 * A `[]byte` field as yaml.v2 reads it: a string (its bytes), a sequence of byte values
 * (`[]` = empty, what DM writes back for an unset field), or absent.
 */
function bytesField(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : Buffer.from(v.map(Number)).toString('utf8');
  const s = String(v);
  return s === '' ? undefined : s;
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v);
  return s === '' ? undefined : s;
}

/** The YAML `security` block (already schema-checked) → DbSecurity. */
export function normaliseSecurity(sec: Raw): DbSecurity {
  const out: DbSecurity = {};
  const set = <K extends keyof DbSecurity>(k: K, v: DbSecurity[K] | undefined): void => {
    if (v !== undefined) out[k] = v;
  };
  set('sslCa', str(sec['ssl-ca']));
  set('sslCert', str(sec['ssl-cert']));
  set('sslKey', str(sec['ssl-key']));
  const b64 = (k: string): string | undefined => {
    const v = str(sec[k]);
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
  };
  set('sslCaBytes', bytesField(sec['ssl-ca-bytes']) ?? b64('ssl-ca-base64'));
  set('sslCertBytes', bytesField(sec['ssl-cert-bytes']) ?? b64('ssl-cert-base64'));
  set('sslKeyBytes', bytesField(sec['ssl-key-bytes']) ?? b64('ssl-key-base64'));
  const cn = sec['cert-allowed-cn'];
  if (Array.isArray(cn) && cn.length > 0) out.certAllowedCn = cn.map(String);
  return out;
}

/** TLS settings for a client connection (mysql2 `ssl` / our replication client's `tls`). */
export interface DbTls {
  ca: string;
  cert?: string;
  key?: string;
  /** Verify the server certificate against `ca` (always true: DM verifies). */
  rejectUnauthorized: true;
  /** Allowed server certificate CNs; empty/undefined = any. */
  certAllowedCn?: string[];
}

function content(inline: string | undefined, file: string | undefined, what: string): string | undefined {
  if (inline !== undefined) return inline;
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw dmError(E.dbTlsConfig, `cannot read ${what} file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * The TLS settings of a `security` block, or undefined when it asks for none (no CA, as DM).
 * Files are read now, so a rotated certificate is picked up by the next connection.
 */
export function resolveDbTls(sec: DbSecurity | undefined): DbTls | undefined {
  if (!sec) return undefined;
  const ca = content(sec.sslCaBytes, sec.sslCa, 'ssl-ca');
  if (ca === undefined) return undefined;
  const cert = content(sec.sslCertBytes, sec.sslCert, 'ssl-cert');
  const key = content(sec.sslKeyBytes, sec.sslKey, 'ssl-key');
  if ((cert === undefined) !== (key === undefined)) {
    throw dmError(E.dbTlsConfig, 'ssl-cert and ssl-key must be given together');
  }
  return {
    ca,
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    rejectUnauthorized: true,
    ...(sec.certAllowedCn?.length ? { certAllowedCn: [...sec.certAllowedCn] } : {}),
  };
}

/** Refuse a server certificate whose CN is not allowed (DM's `WithVerifyCommonName`). */
export function checkAllowedCn(
  peer: Pick<PeerCertificate, 'subject'> | undefined,
  allowed: readonly string[] | undefined,
  where: string,
): void {
  if (!allowed || allowed.length === 0) return;
  const cn = peer?.subject?.CN;
  const cns = Array.isArray(cn) ? cn : cn === undefined ? [] : [cn];
  if (!cns.some((c) => allowed.includes(c))) {
    throw dmError(
      E.dbTlsConfig,
      `the certificate of ${where} has CN ${JSON.stringify(cns.join(','))}, not one of cert-allowed-cn ${JSON.stringify(allowed)}`,
    );
  }
}
