/**
 * Cluster TLS as DM does it (dm/config/security): dm-master, dm-worker and dmctl take
 * `ssl-ca`, `ssl-cert`, `ssl-key` (files) and `cert-allowed-cn`. With them every HTTP API,
 * master↔worker call and etcd connection is TLS with client-certificate verification
 * against `ssl-ca`, and a peer certificate's CN must be in `cert-allowed-cn` when it is set.
 * Pure apart from reading the three files once at start (as DM, which loads them at start).
 */
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { dmError, E } from '../errors/index.js';

/** The `ssl-*` settings as written (paths; empty = unset). */
export interface ClusterTlsPaths {
  readonly sslCa: string;
  readonly sslCert: string;
  readonly sslKey: string;
  /** `cert-allowed-cn`: allowed client certificate CNs; empty = any certificate signed by the CA. */
  readonly certAllowedCn: readonly string[];
}

/** Loaded cluster TLS material: PEM bytes plus the allowed CNs. */
export interface ClusterTls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly allowedCn: readonly string[];
  readonly paths: ClusterTlsPaths;
}

/** No TLS configured. */
export const NO_CLUSTER_TLS: ClusterTlsPaths = Object.freeze({
  sslCa: '',
  sslCert: '',
  sslKey: '',
  certAllowedCn: [],
});

/** True when cluster TLS is on: DM turns it on with `ssl-ca` (`len(c.SSLCA) != 0`). */
export function tlsEnabled(p: ClusterTlsPaths): boolean {
  return p.sslCa !== '';
}

/**
 * The `ssl-ca`, `ssl-cert`, `ssl-key` and `cert-allowed-cn` (comma-separated) settings of a
 * dm-master or dm-worker, as read by `get` (flags over file), checked (`who` names the
 * source in errors). Unset = no TLS.
 */
export function clusterTlsPathsOf(
  get: (key: 'ssl-ca' | 'ssl-cert' | 'ssl-key' | 'cert-allowed-cn') => string | undefined,
  who: string,
): ClusterTlsPaths {
  const tls: ClusterTlsPaths = Object.freeze({
    sslCa: get('ssl-ca') ?? '',
    sslCert: get('ssl-cert') ?? '',
    sslKey: get('ssl-key') ?? '',
    certAllowedCn: Object.freeze(
      (get('cert-allowed-cn') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  });
  checkClusterTlsPaths(tls, who);
  return tls;
}

/**
 * Check the combination (pure): TLS is on with `ssl-ca`; then `ssl-cert` and `ssl-key` are
 * required, because every party both serves and calls with client-certificate verification.
 * `ssl-cert`/`ssl-key`/`cert-allowed-cn` without `ssl-ca` would be a setting that does
 * nothing, so it is refused. `who` names the program or file for the message.
 */
export function checkClusterTlsPaths(p: ClusterTlsPaths, who: string): void {
  if (!tlsEnabled(p)) {
    const stray = (
      [
        ['ssl-cert', p.sslCert !== ''],
        ['ssl-key', p.sslKey !== ''],
        ['cert-allowed-cn', p.certAllowedCn.length > 0],
      ] as const
    ).find(([, set]) => set);
    if (stray) {
      throw dmError(
        E.clusterTlsConfig,
        `${who}: ${stray[0]} is set but ssl-ca is not (TLS is on only with ssl-ca)`,
        {
          context: { key: stray[0] },
        },
      );
    }
    return;
  }
  for (const [key, v] of [
    ['ssl-cert', p.sslCert],
    ['ssl-key', p.sslKey],
  ] as const) {
    if (v === '') {
      throw dmError(E.clusterTlsConfig, `${who}: ${key} is required with ssl-ca (mutual TLS)`, {
        context: { key },
      });
    }
  }
}

/** Read the files; undefined when TLS is off. Errors name the key and the file. */
export function loadClusterTls(p: ClusterTlsPaths, who: string): ClusterTls | undefined {
  checkClusterTlsPaths(p, who);
  if (!tlsEnabled(p)) return undefined;
  const read = (key: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw dmError(E.clusterTlsConfig, `${who}: ${key} ${file}: ${(err as Error).message}`, {
        cause: err,
        context: { key, file },
      });
    }
  };
  return Object.freeze({
    ca: read('ssl-ca', p.sslCa),
    cert: read('ssl-cert', p.sslCert),
    key: read('ssl-key', p.sslKey),
    allowedCn: p.certAllowedCn,
    paths: p,
  });
}

/** Options for an HTTPS server (fastify `https`): mutual TLS, client certificate required. */
export function httpsServerOptions(t: ClusterTls): {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  requestCert: true;
  rejectUnauthorized: true;
} {
  return { ca: t.ca, cert: t.cert, key: t.key, requestCert: true, rejectUnauthorized: true };
}

/**
 * DM's `util.WithVerifyCommonName`: undefined when the peer may talk to us, else why not.
 * The certificate chain itself was verified by the TLS layer (`rejectUnauthorized`).
 */
export function refuseCn(t: ClusterTls, socket: TLSSocket): string | undefined {
  if (t.allowedCn.length === 0) return undefined;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  const names = Array.isArray(cn) ? cn : cn === undefined ? [] : [cn];
  if (names.some((n) => t.allowedCn.includes(n))) return undefined;
  return `client certificate CN ${JSON.stringify(names.join(','))} is not in cert-allowed-cn [${t.allowedCn.join(', ')}]`;
}

/** DM's `WrapSchemes(s, https)`: every URL gets `https://` with TLS, `http://` without. */
export function wrapScheme(url: string, https: boolean): string {
  const bare = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return bare === '' ? '' : `${https ? 'https' : 'http'}://${bare}`;
}

/** etcd3 client options for this identity (grpc `createSsl(ca, key, cert)`); {} without TLS. */
export function etcdClientTls(t: ClusterTls | undefined): {
  credentials?: { rootCertificate: Buffer; privateKey: Buffer; certChain: Buffer };
} {
  return t ? { credentials: { rootCertificate: t.ca, privateKey: t.key, certChain: t.cert } } : {};
}

/**
 * The inline-certificate keys of DM's `security.Security`, embedded in the master and worker
 * configs: DM's cluster TLS reads only the `ssl-ca/ssl-cert/ssl-key` paths
 * (`util.WithCAPath`, dm/master/server.go:180, dm/worker/server.go:136), never these.
 */
export const CLUSTER_TLS_CONTENT_KEYS: ReadonlySet<string> = new Set([
  'ssl-ca-bytes',
  'ssl-cert-bytes',
  'ssl-key-bytes',
  'ssl-ca-base64',
  'ssl-cert-base64',
  'ssl-key-base64',
]);
export const TLS_CONTENT_IGNORED =
  "DM's cluster TLS reads only the ssl-ca/ssl-cert/ssl-key files (util.WithCAPath, dm/master/server.go:180, dm/worker/server.go:136)";
