import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConfigWarning, setConfigWarningSink } from '../pkg/config/config-warnings.js';
import { DmError, E, isDmError } from '../pkg/errors/index.js';
import { parseMasterToml, resolveMasterOptions } from './options.js';

describe('dm-master options', () => {
  it('fills DM defaults; etcd client URL = peer port + 1', () => {
    const o = resolveMasterOptions({ name: 'm1' });
    assert.equal(o.masterAddr, '127.0.0.1:8261');
    assert.equal(o.advertiseAddr, '127.0.0.1:8261');
    assert.equal(o.peerUrls, 'http://127.0.0.1:8291');
    assert.equal(o.etcdClientUrls, 'http://127.0.0.1:8292');
    assert.equal(o.initialCluster, 'm1=http://127.0.0.1:8291');
    assert.equal(o.dataDir, 'default.m1');
    assert.equal(o.electionTtl, 10);
    assert.deepEqual(o.join, []);
  });

  it('wildcard listen addresses advertise loopback; flags override the file', () => {
    const file = parseMasterToml(
      'name = "a"\nmaster_addr = ":9000"\npeer-urls = "http://0.0.0.0:9100"\n',
      'm.toml',
    );
    const o = resolveMasterOptions({ name: 'b' }, file);
    assert.equal(o.name, 'b');
    assert.equal(o.masterAddr, ':9000');
    assert.equal(o.advertiseAddr, '127.0.0.1:9000');
    assert.equal(o.advertisePeerUrls, 'http://127.0.0.1:9100');
    assert.equal(o.etcdClientUrls, 'http://0.0.0.0:9101');
  });

  it('accepts DM-only keys, rejects unknown keys with file and line', () => {
    assert.doesNotThrow(() =>
      parseMasterToml('rpc-timeout = "30s"\n[experimental]\nopenapi = true\n', 'm.toml'),
    );
    assert.throws(
      () => parseMasterToml('name = "a"\n\nbogus-key = 1\n', 'm.toml'),
      (e) => isDmError(e) && e.code === 20002 && /m\.toml:3: unknown key "bogus-key"/.test(e.message),
    );
  });

  it('log-rotate: accepted with the coded warning that DM ignores it; initial-cluster-state as DM', () => {
    const got: ConfigWarning[] = [];
    setConfigWarningSink((w) => got.push(w));
    try {
      const raw = parseMasterToml(
        'name = "m"\nlog-rotate = "day"\ninitial-cluster-state = "existing"\nssl-ca-bytes = []\nssl-key-base64 = ""\n',
        'm.toml',
      );
      assert.equal(resolveMasterOptions({}, raw).initialClusterState, 'existing');
    } finally {
      setConfigWarningSink(undefined);
    }
    assert.deepEqual(
      got.map((w) => [w.def.code, w.file, w.line, w.key]),
      [
        [20050, 'm.toml', 2, 'log-rotate'],
        [20050, 'm.toml', 4, 'ssl-ca-bytes'],
        [20050, 'm.toml', 5, 'ssl-key-base64'],
      ],
    );
    assert.equal(resolveMasterOptions({ name: 'm' }).initialClusterState, 'new');
    // openapi as DM's key: false turns the OpenAPI off; [experimental] openapi = true turns it on.
    const api = (t: string) => resolveMasterOptions({}, parseMasterToml(t, 'm.toml')).openapi;
    assert.equal(api('openapi = false\n'), false);
    assert.equal(api('openapi = true\n'), true);
    assert.equal(api('[experimental]\nopenapi = true\n'), true);
    assert.equal(api('[experimental]\nopenapi = false\n'), true);
    // DM: the experimental key wins over openapi = false (dm/master/config.go:340-343)
    assert.equal(api('openapi = false\n[experimental]\nopenapi = true\n'), true);
    assert.equal(api('openapi = false\n[experimental]\nopenapi = false\n'), false);
    assert.equal(api('[experimental]\n'), true);
    assert.equal(api('name = "m"\n'), true);
    assert.throws(
      () => resolveMasterOptions({}, parseMasterToml('initial-cluster-state = "bogus"\n', 'm.toml')),
      (e) => isDmError(e, E.configInvalidValue) && /initial-cluster-state/.test(e.message),
    );
  });

  it('passes DM etcd keys to the etcd member and refuses keys that would do nothing', () => {
    const raw = parseMasterToml(
      'auto-compaction-mode = "periodic"\nauto-compaction-retention = "1h"\nquota-backend-bytes = 2147483648\nmax-txn-ops = 2048\nmax-request-bytes = 1572864\nlog-format = "json"\nlog-rotate = "day"\nv1-sources-path = ""\n',
      'm.toml',
    );
    const o = resolveMasterOptions({}, raw);
    assert.deepEqual(o.etcdFlags, [
      '--auto-compaction-mode=periodic',
      '--auto-compaction-retention=1h',
      '--quota-backend-bytes=2147483648',
      '--max-txn-ops=2048',
      '--max-request-bytes=1572864',
    ]);
    for (const [text, line, re] of [
      ['name = "a"\nlog-format = "xml"\n', 2, /log-format: must be "json" or "text"/],
      ['rpc-timeout = "5s"\n', 1, /rpc-timeout.*30s/],
      ['rpc-rate-limit = 3\n', 1, /rate limited/],
      ['v1-sources-path = "/v1"\n', 1, /DM v1\.0/],
      ['openapi = "yes"\n', 1, /openapi: expected true or false/],
      ['keepalive-ttl = 60\n', 1, /dm-worker setting/],
      ['quota-backend-bytes = "big"\n', 1, /non-negative integer/],
    ] as const) {
      assert.throws(
        () => parseMasterToml(text, 'm.toml'),
        (e) => isDmError(e) && e.message.startsWith(`m.toml:${line}: `) && re.test(e.message),
        text,
      );
    }
  });

  it('rejects bad addresses and a client port equal to the peer port', () => {
    assert.throws(
      () => resolveMasterOptions({ 'master-addr': 'nohost' }),
      (e) => isDmError(e),
    );
    assert.throws(
      () => resolveMasterOptions({ 'master-addr': '127.0.0.1:8291' }),
      (e) => isDmError(e) && /same port/.test(e.message),
    );
  });

  it('normalises --etcd-endpoints and --join lists', () => {
    const o = resolveMasterOptions({ 'etcd-endpoints': '127.0.0.1:2379, http://h:2379', join: 'a:1,b:2' });
    assert.deepEqual(o.etcdEndpoints, ['http://127.0.0.1:2379', 'http://h:2379']);
    assert.deepEqual(o.join, ['a:1', 'b:2']);
  });
});

describe('DM config fidelity (issue 11)', () => {
  it('adds http:// to scheme-less peer, advertise-peer, initial-cluster and etcd client URLs, as DM WrapSchemes', () => {
    const o = resolveMasterOptions({
      name: 'm1',
      'peer-urls': '127.0.0.1:8291',
      'advertise-peer-urls': 'localhost:8291',
      'initial-cluster': 'm1=localhost:8291,m2=127.0.0.1:8391',
      'etcd-client-urls': '127.0.0.1:8292',
    });
    assert.equal(o.peerUrls, 'http://127.0.0.1:8291');
    assert.equal(o.advertisePeerUrls, 'http://localhost:8291');
    assert.equal(o.initialCluster, 'm1=http://localhost:8291,m2=http://127.0.0.1:8391');
    assert.equal(o.etcdClientUrls, 'http://127.0.0.1:8292');
  });

  it('accepts config-file and secret-key-path', () => {
    const raw = parseMasterToml('name = "m"\nconfig-file = "m.toml"\nsecret-key-path = "/k"\n', 'm.toml');
    assert.equal(resolveMasterOptions({}, raw).secretKeyPath, '/k');
  });

  it('cluster TLS: ssl-* and cert-allowed-cn (TOML array) read; every URL becomes https://, as DM WrapSchemes(s, true)', () => {
    const raw = parseMasterToml(
      [
        'name = "m1"',
        'peer-urls = "127.0.0.1:8291"',
        'initial-cluster = "m1=127.0.0.1:8291,m2=http://127.0.0.1:8391"',
        'ssl-ca = "/ca.pem"',
        'ssl-cert = "/dm.pem"',
        'ssl-key = "/dm.key"',
        'cert-allowed-cn = ["dm", "ops"]',
      ].join('\n'),
      'm.toml',
    );
    const o = resolveMasterOptions({}, raw);
    assert.deepEqual(o.tls, {
      sslCa: '/ca.pem',
      sslCert: '/dm.pem',
      sslKey: '/dm.key',
      certAllowedCn: ['dm', 'ops'],
    });
    assert.equal(o.peerUrls, 'https://127.0.0.1:8291');
    assert.equal(o.initialCluster, 'm1=https://127.0.0.1:8291,m2=https://127.0.0.1:8391');
    assert.equal(o.etcdClientUrls, 'https://127.0.0.1:8292');
  });

  it('cluster TLS: ssl-cert without ssl-ca, or ssl-ca without a certificate, is a coded error', () => {
    assert.throws(
      () => resolveMasterOptions({ 'ssl-cert': '/dm.pem' }),
      (e) => e instanceof DmError && e.code === E.clusterTlsConfig.code && e.message.includes('ssl-cert'),
    );
    assert.throws(
      () => resolveMasterOptions({ 'ssl-ca': '/ca.pem', 'ssl-cert': '/dm.pem' }),
      (e) => e instanceof DmError && e.code === E.clusterTlsConfig.code && e.message.includes('ssl-key'),
    );
  });
});
