import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isDmError } from '../../errors/dm-error.js';
import { E } from '../../errors/index.js';
import { ProtocolConnection } from './connection.js';
import { framePacket, PacketFramer } from './packet-framer.js';
import { WireReader } from './wire-reader.js';

/*
 * MySQL 8's caching_sha2_password cannot be integration-tested here (no MySQL server package
 * on this machine), so this drives ProtocolConnection against a scripted peer on loopback that
 * checks what a MySQL 8 server checks. MariaDB (mysql_native_password, TLS) is covered by the
 * integration tests under test/integration/binlog-client.
 */

const SALT = Buffer.from('abcdefghijklmnopqrst');
const sha256 = (...b: Buffer[]) => createHash('sha256').update(Buffer.concat(b)).digest();
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();

type Mode = 'fast' | 'full' | 'switch';

/** One scripted exchange per connection; `mode` picks the caching_sha2 path. */
function scriptedServer(mode: Mode, password: string): net.Server {
  const stored = sha256(sha256(Buffer.from(password)));
  return net.createServer((sock) => {
    const framer = new PacketFramer();
    let step = 0;
    const send = (payload: Buffer, seq: number) => sock.write(framePacket(payload, seq).bytes);
    const plugin = mode === 'switch' ? 'mysql_native_password' : 'caching_sha2_password';
    send(
      Buffer.concat([
        Buffer.from([10]),
        Buffer.from('8.0.36\0'),
        Buffer.from('01000000', 'hex'),
        SALT.subarray(0, 8),
        Buffer.from([0]),
        Buffer.from('ffff', 'hex'),
        Buffer.from([255]),
        Buffer.from('0200', 'hex'),
        Buffer.from('ffdf', 'hex'),
        Buffer.from([21]),
        Buffer.alloc(10),
        SALT.subarray(8),
        Buffer.from([0]),
        Buffer.from(`${plugin}\0`),
      ]),
      0,
    );
    const ok = (seq: number) => send(Buffer.from('00000002000000', 'hex'), seq);
    const deny = (seq: number) =>
      send(Buffer.concat([Buffer.from('ff1504', 'hex'), Buffer.from('#28000denied')]), seq);
    const fastOk = (resp: Buffer) => {
      const x = sha256(stored, SALT);
      return sha256(Buffer.from(resp.map((v, i) => v ^ x[i]!))).equals(stored);
    };
    sock.on('data', (chunk) => {
      framer.push(chunk);
      for (let p = framer.next(); p; p = framer.next()) {
        const { payload, seq } = p;
        step++;
        if (step === 1) {
          const r = new WireReader(payload, 32);
          r.nulString();
          const resp = r.lenencBytes()!;
          if (mode === 'switch') {
            send(
              Buffer.concat([
                Buffer.from([0xfe]),
                Buffer.from('caching_sha2_password\0'),
                SALT,
                Buffer.from([0]),
              ]),
              seq + 1,
            );
          } else if (mode === 'fast') {
            if (!fastOk(resp)) deny(seq + 1);
            else {
              send(Buffer.from([1, 3]), seq + 1);
              ok(seq + 2);
            }
          } else {
            send(Buffer.from([1, 4]), seq + 1);
          }
        } else if (mode === 'switch' && step === 2) {
          if (!fastOk(payload)) deny(seq + 1);
          else {
            send(Buffer.from([1, 3]), seq + 1);
            ok(seq + 2);
          }
        } else if (mode === 'full' && step === 2) {
          assert.deepEqual([...payload], [2]);
          send(Buffer.concat([Buffer.from([1]), Buffer.from(PEM)]), seq + 1);
        } else if (mode === 'full' && step === 3) {
          const plain = privateDecrypt(
            { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING },
            payload,
          );
          const pw = Buffer.from(plain.map((v, i) => v ^ SALT[i % SALT.length]!)).toString();
          if (pw === `${password}\0`) ok(seq + 1);
          else deny(seq + 1);
        } else if (payload[0] === 0x03) {
          // COM_QUERY → a one-column, two-row text result set (second value NULL).
          const col = Buffer.concat([
            Buffer.from([3]),
            Buffer.from('def'),
            Buffer.from([0, 0, 0, 1]),
            Buffer.from('v'),
            Buffer.from([0, 0x0c, 0x21, 0, 0, 0, 0, 0xfd, 0, 0, 0, 0, 0]),
          ]);
          const eof = Buffer.from('fe00000200', 'hex');
          let s = 1;
          send(Buffer.from([1]), s++);
          send(col, s++);
          send(eof, s++);
          send(Buffer.from([5, ...Buffer.from('hello')]), s++);
          send(Buffer.from([0xfb]), s++);
          send(eof, s++);
        }
      }
    });
    sock.on('error', () => {});
  });
}

describe('ProtocolConnection: caching_sha2_password against a scripted MySQL 8 peer', () => {
  const servers: net.Server[] = [];
  const ports: Record<Mode, number> = { fast: 0, full: 0, switch: 0 };
  before(async () => {
    for (const mode of ['fast', 'full', 'switch'] as const) {
      const s = scriptedServer(mode, 's3cret');
      servers.push(s);
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      ports[mode] = (s.address() as net.AddressInfo).port;
    }
  });
  after(() => {
    for (const s of servers) s.close();
  });

  const connect = (mode: Mode, password = 's3cret') =>
    ProtocolConnection.connect({
      host: '127.0.0.1',
      port: ports[mode],
      user: 'u',
      password,
      connectTimeoutMs: 3000,
    });

  for (const mode of ['fast', 'full', 'switch'] as const) {
    it(`authenticates (${mode}) and reads a text result set`, async () => {
      const c = await connect(mode);
      try {
        assert.equal(c.serverVersion, '8.0.36');
        const r = await c.query('SELECT v');
        assert.deepEqual(r, { columns: ['v'], rows: [['hello'], [null]], affectedRows: 0 });
      } finally {
        c.destroy();
      }
    });
  }

  it('a wrong password is E.authFailed (fast and full paths)', async () => {
    await assert.rejects(connect('fast', 'nope'), (e) => isDmError(e, E.authFailed));
    await assert.rejects(connect('full', 'nope'), (e) => isDmError(e, E.authFailed));
  });

  it('a refused connection is E.connectionLost (retryable)', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    await assert.rejects(
      ProtocolConnection.connect({ host: '127.0.0.1', port, user: 'u', password: '' }),
      (e) => isDmError(e, E.connectionLost),
    );
  });
});
