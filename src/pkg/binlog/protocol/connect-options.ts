/** Options and results of a ProtocolConnection (connection.ts), and its error helpers. */
import { type DmError, dmError, E } from '../../errors/index.js';
import type { ServerError } from './server-error.js';

export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  /** Verify the server certificate. Default true when a CA is given, else false. */
  rejectUnauthorized?: boolean;
  /** DM's `cert-allowed-cn`: the server certificate's CN must be one of these (empty = any). */
  certAllowedCn?: readonly string[];
}

export interface ConnectOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Upgrade to TLS after the handshake (the server must support it). */
  tls?: TlsOptions;
  /** TCP connect + authentication timeout. Default 10 000 ms. */
  connectTimeoutMs?: number;
  /**
   * caching_sha2_password full authentication without TLS needs the server's RSA public key:
   * this PEM if given, else it is requested from the server (the traffic is loopback or the
   * operator chose not to use TLS; the password is still RSA-encrypted).
   */
  serverPublicKey?: string;
  /** Pause the socket when this many received bytes wait unread. Default 4 MiB. */
  highWaterBytes?: number;
}

/** A text result set, every value as the server's text (or null). */
export interface QueryResult {
  columns: string[];
  rows: (string | null)[][];
  affectedRows: number;
}

/** Raised for ERR packets; `context.errno`/`context.sqlState` carry the server's error. */
export function serverErrorToDm(def: Parameters<typeof dmError>[0], err: ServerError, what: string): DmError {
  return dmError(def, `${what}: ERROR ${err.errno} (${err.sqlState}): ${err.message}`, {
    context: { errno: err.errno, sqlState: err.sqlState },
  });
}

/** True when `err` means the connection is gone (worth a reconnect). */
export function isConnectionLost(err: unknown): boolean {
  return (err as DmError | undefined)?.code === E.connectionLost.code;
}
