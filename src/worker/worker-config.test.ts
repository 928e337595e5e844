import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConfigWarning, setConfigWarningSink } from '../pkg/config/config-warnings.js';
import { E, isDmError } from '../pkg/errors/index.js';
import { parseWorkerToml, resolveWorkerConfig } from './worker-config.js';

describe('worker config', () => {
  it('fills DM-like defaults', () => {
    const c = resolveWorkerConfig({ join: '127.0.0.1:8261' }, '/cwd');
    assert.equal(c.workerAddr, '127.0.0.1:8262');
    assert.equal(c.advertiseAddr, '127.0.0.1:8262');
    assert.deepEqual(c.join, ['127.0.0.1:8261']);
    assert.equal(c.keepaliveTtl, 5);
    assert.equal(c.relayKeepaliveTtl, 5);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.workDir, '/cwd');
    assert.equal(c.name, 'dm-worker-127-0-0-1-8262');
  });

  it('parses TOML with the flag names', () => {
    const f = parseWorkerToml(
      'name = "w1"\nworker-addr = "127.0.0.1:9000"\njoin = ["a:1", "b:2"]\nkeepalive-ttl = 30\n',
    );
    assert.deepEqual(f, {
      name: 'w1',
      'worker-addr': '127.0.0.1:9000',
      join: 'a:1,b:2',
      'keepalive-ttl': '30',
    });
  });

  it('rejects an unknown key naming key and line', () => {
    assert.throws(
      () => parseWorkerToml('name = "w1"\n\nworkr-addr = "x:1"\n', 'w.toml'),
      (e: unknown) =>
        isDmError(e, E.configUnknownKey) && /w\.toml:3: unknown key "workr-addr"/.test(e.message),
    );
  });

  it('rejects wrong types and bad TOML', () => {
    assert.throws(
      () => parseWorkerToml('keepalive-ttl = "ten"\n'),
      (e: unknown) => isDmError(e, E.configWrongType) && /:1:/.test(e.message),
    );
    assert.throws(
      () => parseWorkerToml('name = \n'),
      (e: unknown) => isDmError(e, E.configParse),
    );
  });

  it('requires join and a concrete advertise address', () => {
    assert.throws(
      () => resolveWorkerConfig({}),
      (e: unknown) => isDmError(e, E.configMissingKey),
    );
    assert.throws(
      () => resolveWorkerConfig({ join: 'm:8261', 'worker-addr': '0.0.0.0:8262' }),
      (e: unknown) => isDmError(e, E.configMissingKey),
    );
    assert.throws(
      () => resolveWorkerConfig({ join: 'm:8261', 'keepalive-ttl': '0' }),
      (e: unknown) => isDmError(e, E.configInvalidValue),
    );
  });
});

describe('dm-worker DM keys (issue 11)', () => {
  it('reads cluster TLS keys (cert-allowed-cn as a TOML array) and flags', () => {
    const raw = parseWorkerToml(
      'ssl-ca = "/ca.pem"\nssl-cert = "/w.pem"\nssl-key = "/w.key"\ncert-allowed-cn = ["dm"]\n',
      'w.toml',
    );
    const cfg = resolveWorkerConfig({ ...raw, join: 'm:8261' });
    assert.deepEqual(cfg.tls, {
      sslCa: '/ca.pem',
      sslCert: '/w.pem',
      sslKey: '/w.key',
      certAllowedCn: ['dm'],
    });
    assert.throws(
      () => resolveWorkerConfig({ join: 'm:8261', 'ssl-key': '/w.key' }),
      (e: unknown) => isDmError(e, E.clusterTlsConfig),
    );
  });

  it('log-format json or text (DM text lines); anything else refused naming key, file and line', () => {
    assert.deepEqual(parseWorkerToml('name = "w"\nlog-format = "json"\n', 'w.toml'), {
      name: 'w',
      'log-format': 'json',
    });
    const f = parseWorkerToml('name = "w"\nlog-format = "text"\n', 'w.toml');
    assert.equal(resolveWorkerConfig({ ...f, join: '127.0.0.1:8261' }, '/tmp').logFormat, 'text');
    assert.equal(resolveWorkerConfig({ join: '127.0.0.1:8261' }, '/tmp').logFormat, 'json');
    assert.throws(
      () => parseWorkerToml('name = "w"\nlog-format = "xml"\n', 'w.toml'),
      (e) => isDmError(e, E.configInvalidValue) && e.message.includes('w.toml:2: log-format'),
    );
  });

  it('relay-dir works as DM: <relay-dir>/<name> over the source relay-dir; config-file accepted', () => {
    const flags = parseWorkerToml(
      'name = "w1"\nconfig-file = "w.toml"\nrelay-dir = "/data/relay"\n',
      'w.toml',
    );
    assert.deepEqual(flags, { name: 'w1', 'relay-dir': '/data/relay' });
    const cfg = resolveWorkerConfig({ ...flags, join: '127.0.0.1:8261' }, '/tmp');
    assert.equal(cfg.relayDir, '/data/relay');
    assert.equal(resolveWorkerConfig({ join: '127.0.0.1:8261' }, '/tmp').relayDir, '');
  });

  it('log-rotate and redact-info-log: accepted with the coded warning that DM ignores them too', () => {
    const got: ConfigWarning[] = [];
    setConfigWarningSink((w) => got.push(w));
    try {
      const flags = parseWorkerToml('name = "w"\nlog-rotate = "day"\nredact-info-log = true\n', 'w.toml');
      assert.deepEqual(flags, { name: 'w' });
    } finally {
      setConfigWarningSink(undefined);
    }
    assert.deepEqual(
      got.map((w) => [w.def.code, w.file, w.line, w.key]),
      [
        [20050, 'w.toml', 2, 'log-rotate'],
        [20050, 'w.toml', 3, 'redact-info-log'],
      ],
    );
    assert.match(got[1]!.message, /dm\/worker\/config\.go:98/);
  });
});
