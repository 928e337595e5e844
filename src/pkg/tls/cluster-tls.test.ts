import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { isDmError } from '../errors/dm-error.js';
import { E } from '../errors/index.js';
import { clusterUrl, useClusterTls } from './cluster-http.js';
import { type ClusterTls, loadClusterTls, NO_CLUSTER_TLS, refuseCn, wrapScheme } from './cluster-tls.js';

const fakeTls = (allowedCn: string[]): ClusterTls => ({
  ca: Buffer.from(''),
  cert: Buffer.from(''),
  key: Buffer.from(''),
  allowedCn,
  paths: { ...NO_CLUSTER_TLS, certAllowedCn: allowedCn },
});
const peer = (cn: string | undefined) =>
  ({ getPeerCertificate: () => ({ subject: { CN: cn } }) }) as unknown as TLSSocket;

describe('cluster TLS', () => {
  it('off without ssl-ca; a missing file is a coded error naming key and file', () => {
    assert.equal(loadClusterTls(NO_CLUSTER_TLS, 'x'), undefined);
    assert.throws(
      () =>
        loadClusterTls(
          { sslCa: '/nonexistent/ca.pem', sslCert: '/c', sslKey: '/k', certAllowedCn: [] },
          'dm-master',
        ),
      (e) => isDmError(e, E.clusterTlsConfig) && e.message.includes('ssl-ca /nonexistent/ca.pem'),
    );
  });

  it('cert-allowed-cn: empty allows any CA-signed peer; otherwise the CN must be listed', () => {
    assert.equal(refuseCn(fakeTls([]), peer('anyone')), undefined);
    assert.equal(refuseCn(fakeTls(['dm']), peer('dm')), undefined);
    assert.match(
      refuseCn(fakeTls(['dm']), peer('intruder')) ?? '',
      /"intruder" is not in cert-allowed-cn \[dm\]/,
    );
    assert.ok(refuseCn(fakeTls(['dm']), peer(undefined)));
  });

  it('URLs follow the cluster scheme (DM WrapSchemes)', () => {
    assert.equal(wrapScheme('127.0.0.1:8291', true), 'https://127.0.0.1:8291');
    assert.equal(wrapScheme('http://127.0.0.1:8291', true), 'https://127.0.0.1:8291');
    assert.equal(wrapScheme('https://h:1', false), 'http://h:1');
    useClusterTls(undefined);
    assert.equal(clusterUrl('127.0.0.1:8261', '/x'), 'http://127.0.0.1:8261/x');
    useClusterTls(fakeTls([]));
    assert.equal(clusterUrl('http://127.0.0.1:8261/', '/x'), 'https://127.0.0.1:8261/x');
    useClusterTls(undefined);
  });
});
