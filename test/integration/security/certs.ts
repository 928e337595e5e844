import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import type { MariadbInstance } from '../../harness/index.js';
import { SESSION_OPTIONS, tempDir } from '../../harness/index.js';

/** A test CA and leaf certificates signed by it, made with openssl. */
export interface TestPki {
  dir: string;
  /** CA certificate file. */
  ca: string;
  /** A leaf certificate + key for `cn` (SAN IP:127.0.0.1 and DNS:localhost), signed by the CA. */
  leaf(cn: string): { cert: string; key: string };
  /** A certificate + key from another, untrusted CA. */
  stranger(cn: string): { cert: string; key: string };
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

/** A self-signed certificate + key (`<name>.pem`, `<name>.key` in `dir`) for `subj`, valid 2 days. */
export function selfSigned(
  dir: string,
  name: string,
  subj: string,
  ...extra: string[]
): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      subj,
      ...extra,
    ],
    dir,
  );
  return { cert, key };
}

function makeCa(dir: string, name: string): { cert: string; key: string } {
  return selfSigned(dir, `${name}-ca`, `/CN=${name} test CA`);
}

function sign(
  dir: string,
  ca: { cert: string; key: string },
  cn: string,
  tag: string,
): { cert: string; key: string } {
  const key = join(dir, `${tag}-${cn}.key`);
  const csr = join(dir, `${tag}-${cn}.csr`);
  const cert = join(dir, `${tag}-${cn}.pem`);
  const ext = join(dir, `${tag}-${cn}.ext`);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`], dir);
  execFileSync('sh', [
    '-c',
    `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth,clientAuth\\n' > '${ext}'`,
  ]);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-out',
      cert,
      '-days',
      '2',
      '-extfile',
      ext,
    ],
    dir,
  );
  return { cert, key };
}

export function makePki(): TestPki {
  const dir = tempDir('dm-pki-');
  const ca = makeCa(dir, 'dm');
  let other: { cert: string; key: string } | undefined;
  return {
    dir,
    ca: ca.cert,
    leaf: (cn) => sign(dir, ca, cn, 'leaf'),
    stranger: (cn) => {
      other ??= makeCa(dir, 'other');
      return sign(dir, other, cn, 'stranger');
    },
  };
}

export function pem(file: string): string {
  return readFileSync(file, 'utf8');
}

/** mariadbd arguments serving TLS with `server` signed by the test CA. */
export function mariadbTlsArgs(pki: TestPki, server: { cert: string; key: string }): string[] {
  return [`--ssl-ca=${pki.ca}`, `--ssl-cert=${server.cert}`, `--ssl-key=${server.key}`];
}

/**
 * The same server reached over its unix socket (secure for `require_secure_transport`), for
 * the test's own setup and checks once plain TCP is refused.
 */
export function overSocket(db: MariadbInstance): MariadbInstance {
  const connect = (database?: string) =>
    mysql.createConnection({
      socketPath: db.socket,
      user: 'root',
      database,
      ...SESSION_OPTIONS,
    });
  return {
    ...db,
    connect,
    async query<T>(sql: string, params?: unknown[]): Promise<T[]> {
      const c = await connect();
      try {
        const [rows] = await c.query(sql, params);
        return rows as T[];
      } finally {
        await c.end();
      }
    },
  } as MariadbInstance;
}
