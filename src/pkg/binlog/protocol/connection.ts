import net from 'node:net';
import tls from 'node:tls';
import { type DmError, dmError, E } from '../../errors/index.js';
import { authResponse, CACHING_SHA2_PASSWORD, encryptPasswordRsa, NATIVE_PASSWORD } from './auth.js';
import { comQuery, comQuit } from './commands.js';
import { type ConnectOptions, type QueryResult, serverErrorToDm } from './connect-options.js';
import { Cap, Header } from './constants.js';
import {
  buildHandshakeResponse,
  buildSslRequest,
  clientCapabilities,
  type HandshakeV10,
  parseHandshake,
} from './handshake.js';
import { framePacket, type Packet, PacketFramer } from './packet-framer.js';
import { isAuthError, parseErrPacket, type ServerError } from './server-error.js';
import { WireReader } from './wire-reader.js';

/*
 * Why our own wire layer instead of mysql2: the binlog dump stream must be read as raw event
 * bytes, with exact positions and backpressure (pause the socket while the consumer is
 * slow). mysql2 has no raw binlog stream API, and its packet parser copies and buffers on its
 * own terms. This layer is deliberately small: framing, handshake/auth, TLS, COM_QUERY with a
 * text result set, and sending the replication commands.
 */

export {
  type ConnectOptions,
  isConnectionLost,
  type QueryResult,
  serverErrorToDm,
  type TlsOptions,
} from './connect-options.js';

/**
 * One client connection speaking the MySQL protocol. Reads go through a PacketFramer; the
 * socket is paused when more than `highWaterBytes` wait unread, and resumed when the reader
 * catches up (this is the backpressure the binlog stream relies on).
 */
export class ProtocolConnection {
  handshake!: HandshakeV10;
  private socket: net.Socket;
  private readonly framer = new PacketFramer();
  private waiter: { resolve: (p: Packet) => void; reject: (e: DmError) => void; lead: number } | undefined;
  private failure: DmError | undefined;
  private paused = false;
  private seq = 0;
  private idleTimeoutMs = 0;
  private readonly highWater: number;
  private readonly lowWater: number;

  private constructor(
    private readonly opts: ConnectOptions,
    socket: net.Socket,
  ) {
    this.socket = socket;
    this.highWater = opts.highWaterBytes ?? 4 * 1024 * 1024;
    this.lowWater = this.highWater / 4;
    this.attach(socket);
  }

  /** Connect, upgrade to TLS if configured, and authenticate. */
  static async connect(opts: ConnectOptions): Promise<ProtocolConnection> {
    const timeout = opts.connectTimeoutMs ?? 10_000;
    const socket = net.connect({ host: opts.host, port: opts.port });
    socket.setNoDelay(true);
    const conn = new ProtocolConnection(opts, socket);
    const timer = setTimeout(
      () =>
        conn.fail(
          dmError(E.connectionLost, `connect to ${opts.host}:${opts.port} timed out after ${timeout} ms`),
        ),
      timeout,
    );
    try {
      await conn.authenticate();
      return conn;
    } catch (err) {
      conn.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  get connectionId(): number {
    return this.handshake.connectionId;
  }

  get serverVersion(): string {
    return this.handshake.serverVersion;
  }

  /** Send a command packet (sequence id restarts at 0). */
  sendCommand(payload: Buffer): void {
    this.seq = 0;
    this.write(payload);
  }

  /**
   * A complete packet if one is already buffered (no promise, for hot loops). `lead`: a first
   * payload byte to leave out when present (PacketFramer.next).
   */
  tryReadPacket(lead = -1): Packet | undefined {
    const p = this.framer.next(lead);
    if (p) {
      this.seq = (p.seq + 1) & 0xff;
      if (this.paused && this.framer.buffered < this.lowWater) this.resume();
    }
    return p;
  }

  /** The next packet; rejects with E.connectionLost when the connection is gone. */
  readPacket(lead = -1): Promise<Packet> {
    const p = this.tryReadPacket(lead);
    if (p) return Promise.resolve(p);
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(dmError(E.internal, 'concurrent reads on one connection'));
    if (this.paused) this.resume();
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject, lead };
    });
  }

  /** Run a statement; returns its text result set (empty for statements without one). */
  async query(sql: string): Promise<QueryResult> {
    this.sendCommand(comQuery(sql));
    const first = (await this.readPacket()).payload;
    if (first[0] === Header.ok) return { columns: [], rows: [], affectedRows: okAffectedRows(first) };
    if (first[0] === Header.err) throw serverErrorToDm(E.dbQueryUpstream, parseErrPacket(first), sql);
    const n = new WireReader(first).lenencInt() ?? 0;
    const columns: string[] = [];
    for (let i = 0; i < n; i++) {
      // Column definition 41: catalog, schema, table, org_table, name, …
      const r = new WireReader((await this.readPacket()).payload);
      for (let k = 0; k < 4; k++) r.lenencBytes();
      columns.push(r.lenencString() ?? '');
    }
    await this.expectEof(sql);
    const rows: (string | null)[][] = [];
    for (;;) {
      const p = (await this.readPacket()).payload;
      if (p[0] === Header.eof && p.length < 9) break;
      if (p[0] === Header.err) throw serverErrorToDm(E.dbQueryUpstream, parseErrPacket(p), sql);
      const r = new WireReader(p);
      const row: (string | null)[] = [];
      for (let i = 0; i < n; i++) row.push(r.lenencString());
      rows.push(row);
    }
    return { columns, rows, affectedRows: 0 };
  }

  /** Run a statement that returns no rows; throws the server's error as E.dbQueryUpstream. */
  async exec(sql: string): Promise<void> {
    await this.query(sql);
  }

  /** Send a command that answers OK or ERR (COM_REGISTER_SLAVE). ERR → `errDef`. */
  async command(payload: Buffer, errDef: Parameters<typeof dmError>[0], what: string): Promise<void> {
    this.sendCommand(payload);
    const p = (await this.readPacket()).payload;
    if (p[0] === Header.err) throw serverErrorToDm(errDef, parseErrPacket(p), what);
    if (p[0] !== Header.ok)
      throw dmError(E.protocolPacket, `${what}: expected OK, got 0x${p[0]?.toString(16)}`);
  }

  /**
   * Fail the connection if no byte arrives for `ms` (0 = never). Not while paused: then the
   * silence is ours (the consumer is slow), not the server's.
   */
  setIdleTimeout(ms: number): void {
    this.idleTimeoutMs = ms;
    this.socket.setTimeout(ms);
  }

  /** Polite close: COM_QUIT, then end the socket. */
  close(): void {
    if (!this.failure && !this.socket.destroyed) {
      try {
        this.sendCommand(comQuit());
      } catch {
        // the socket is already going away: nothing to be polite to
      }
      this.socket.end();
    }
    this.fail(dmError(E.connectionLost, 'connection closed by client'));
  }

  /** Tear the socket down at once (abort, or after a fatal error). */
  destroy(): void {
    this.fail(dmError(E.connectionLost, 'connection closed by client'));
  }

  // --- internals

  private attach(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('timeout', this.onTimeout);
  }

  private detach(socket: net.Socket): void {
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
    socket.off('timeout', this.onTimeout);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.framer.push(chunk);
    if (this.waiter) {
      const p = this.tryReadPacket(this.waiter.lead);
      if (p) {
        const w = this.waiter;
        this.waiter = undefined;
        w.resolve(p);
      }
    }
    if (!this.waiter && !this.paused && this.framer.buffered > this.highWater) {
      this.paused = true;
      this.socket.pause();
    }
  };

  private readonly onError = (err: Error): void => {
    this.fail(
      dmError(E.connectionLost, `connection to ${this.opts.host}:${this.opts.port} failed: ${err.message}`, {
        cause: err,
        context: { code: (err as NodeJS.ErrnoException).code },
      }),
    );
  };

  private readonly onClose = (): void => {
    this.fail(
      dmError(E.connectionLost, `connection to ${this.opts.host}:${this.opts.port} closed by the server`),
    );
  };

  private readonly onTimeout = (): void => {
    if (this.paused || this.idleTimeoutMs === 0) return;
    this.fail(
      dmError(
        E.connectionLost,
        `no data from ${this.opts.host}:${this.opts.port} for ${this.idleTimeoutMs} ms`,
      ),
    );
  };

  private resume(): void {
    this.paused = false;
    this.socket.resume();
  }

  private fail(err: DmError): void {
    if (!this.failure) this.failure = err;
    if (!this.socket.destroyed) this.socket.destroy();
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.failure);
  }

  private write(payload: Buffer): void {
    if (this.failure) throw this.failure;
    const { bytes, nextSeq } = framePacket(payload, this.seq);
    this.seq = nextSeq;
    this.socket.write(bytes);
  }

  private async expectEof(what: string): Promise<void> {
    const p = (await this.readPacket()).payload;
    if (p[0] === Header.err) throw serverErrorToDm(E.dbQueryUpstream, parseErrPacket(p), what);
    if (!(p[0] === Header.eof && p.length < 9)) {
      throw dmError(E.protocolPacket, `${what}: expected EOF after column definitions`);
    }
  }

  private async authenticate(): Promise<void> {
    const { opts } = this;
    const first = (await this.readPacket()).payload;
    if (first[0] === Header.err) throw this.connectError(parseErrPacket(first));
    const hs = parseHandshake(first);
    this.handshake = hs;
    const caps = clientCapabilities(hs.capabilities, !!opts.tls);
    const useTls = !!opts.tls;
    if (useTls) {
      if (!(hs.capabilities & Cap.ssl)) {
        throw dmError(
          E.dbUpstreamConnect,
          `${opts.host}:${opts.port} does not support TLS but tls is configured`,
        );
      }
      this.write(buildSslRequest(caps));
      await this.upgradeTls();
    }
    // Answer with the server's default plugin when we know it, else with native password
    // (the server then sends an AuthSwitchRequest for the plugin the user really has).
    let plugin = hs.authPlugin;
    let salt = hs.salt;
    let resp = authResponse(plugin, opts.password, salt);
    if (!resp) {
      plugin = NATIVE_PASSWORD;
      resp = authResponse(plugin, opts.password, salt)!;
    }
    this.write(buildHandshakeResponse(caps, opts.user, resp, plugin));
    for (;;) {
      const p = (await this.readPacket()).payload;
      const h = p[0];
      if (h === Header.ok) return;
      if (h === Header.err) throw this.connectError(parseErrPacket(p));
      if (h === Header.eof) {
        // AuthSwitchRequest: plugin name (NUL), new scramble (NUL-terminated).
        const r = new WireReader(p, 1);
        plugin = r.nulString();
        salt = r.rest();
        if (salt.length > 0 && salt[salt.length - 1] === 0) salt = salt.subarray(0, salt.length - 1);
        const sw = authResponse(plugin, opts.password, salt);
        if (!sw) {
          throw dmError(
            E.authPluginUnsupported,
            `the server asks for auth plugin ${plugin}, which is not supported`,
            {
              context: { plugin },
            },
          );
        }
        this.write(sw);
      } else if (h === Header.authMoreData && plugin === CACHING_SHA2_PASSWORD) {
        await this.cachingSha2More(p, salt, useTls);
      } else {
        throw dmError(E.protocolPacket, `unexpected packet 0x${h?.toString(16)} during authentication`);
      }
    }
  }

  /** caching_sha2_password after the scramble: 3 = fast auth OK, 4 = full auth needed. */
  private async cachingSha2More(p: Buffer, salt: Buffer, useTls: boolean): Promise<void> {
    const status = p[1];
    if (status === 3) return; // an OK packet follows
    if (status !== 4) throw dmError(E.protocolPacket, `caching_sha2_password: unexpected status ${status}`);
    const { password } = this.opts;
    if (useTls) {
      this.write(Buffer.from(`${password}\0`, 'utf8'));
      return;
    }
    let pem = this.opts.serverPublicKey;
    if (!pem) {
      this.write(Buffer.from([0x02])); // request the public key
      const k = (await this.readPacket()).payload;
      if (k[0] !== Header.authMoreData) {
        throw dmError(
          E.authPluginUnsupported,
          'caching_sha2_password: the server did not send its public key',
        );
      }
      pem = k.subarray(1).toString('latin1');
    }
    this.write(encryptPasswordRsa(password, salt, pem));
  }

  private connectError(err: ServerError): DmError {
    const where = `${this.opts.user}@${this.opts.host}:${this.opts.port}`;
    if (isAuthError(err.errno))
      return serverErrorToDm(E.authFailed, err, `authentication failed for ${where}`);
    return serverErrorToDm(E.dbUpstreamConnect, err, `cannot connect to ${where}`);
  }

  private upgradeTls(): Promise<void> {
    const plain = this.socket;
    this.detach(plain);
    // The TLS socket owns the plain one now and reports its errors; this listener only keeps
    // an error on the plain socket from being an unhandled 'error' event.
    plain.on('error', () => {});
    const t = this.opts.tls ?? {};
    const secure = tls.connect({
      socket: plain,
      ca: t.ca,
      cert: t.cert,
      key: t.key,
      rejectUnauthorized: t.rejectUnauthorized ?? !!t.ca,
      servername: net.isIP(this.opts.host) ? undefined : this.opts.host,
    });
    this.socket = secure;
    return new Promise((resolve, reject) => {
      const onErr = (err: Error): void => {
        reject(
          dmError(
            E.dbUpstreamConnect,
            `TLS handshake with ${this.opts.host}:${this.opts.port} failed: ${err.message}`,
            { cause: err },
          ),
        );
      };
      secure.once('error', onErr);
      secure.once('secureConnect', () => {
        secure.off('error', onErr);
        const cn = secure.getPeerCertificate()?.subject?.CN;
        if (t.certAllowedCn?.length && !t.certAllowedCn.includes(String(cn))) {
          secure.destroy();
          reject(
            dmError(
              E.dbUpstreamConnect,
              `the certificate of ${this.opts.host}:${this.opts.port} has CN ${JSON.stringify(cn)}, not one of cert-allowed-cn`,
            ),
          );
          return;
        }
        this.attach(secure);
        resolve();
      });
    });
  }
}

/** affected_rows of an OK packet (lenenc after the 0x00 header). */
function okAffectedRows(p: Buffer): number {
  return new WireReader(p, 1).lenencInt() ?? 0;
}
