import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DmError, E } from '../errors/index.js';
import { checkAllowedCn, resolveDbTls } from './security.js';
import { parseSourceConfig } from './source-config.js';
import { sourceToYaml } from './to-yaml.js';

const base = 'source-id: s1\nfrom:\n  host: 127.0.0.1\n  port: 3306\n  user: root\n  password: ""\n';
const isTlsErr = (e: unknown) => e instanceof DmError && e.code === E.dbTlsConfig.code;

describe('DB security block', () => {
  it('accepts DM forms: `[]` bytes (what DM writes back), inline PEM, base64, byte lists, cert-allowed-cn', () => {
    const empty = parseSourceConfig(
      `${base}  security:\n    ssl-ca-bytes: []\n    ssl-cert-bytes: []\n    ssl-key-bytes: []\n`,
    );
    assert.deepEqual(empty.from.security, {});
    assert.equal(resolveDbTls(empty.from.security), undefined, 'no CA = no TLS, as DM');

    const b64 = Buffer.from('CA PEM').toString('base64');
    const c = parseSourceConfig(
      `${base}  security:\n    ssl-ca-base64: ${b64}\n    ssl-cert-bytes: "CERT PEM"\n    ssl-key-bytes: [75, 69, 89]\n    cert-allowed-cn: [dm, tidb]\n`,
    );
    assert.deepEqual(c.from.security, {
      sslCaBytes: 'CA PEM',
      sslCertBytes: 'CERT PEM',
      sslKeyBytes: 'KEY',
      certAllowedCn: ['dm', 'tidb'],
    });
    assert.deepEqual(resolveDbTls(c.from.security), {
      ca: 'CA PEM',
      cert: 'CERT PEM',
      key: 'KEY',
      rejectUnauthorized: true,
      certAllowedCn: ['dm', 'tidb'],
    });
    // Round trip through the stored YAML keeps the contents; the users' view drops them.
    assert.deepEqual(parseSourceConfig(sourceToYaml(c)).from.security, c.from.security);
    assert.doesNotMatch(sourceToYaml(c, { hidePassword: true }), /CERT PEM|KEY/);
  });

  it('reads files at connect time; inline contents win, as DM LoadTLSContent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dm-sec-'));
    writeFileSync(join(dir, 'ca.pem'), 'FILE CA');
    writeFileSync(join(dir, 'cert.pem'), 'FILE CERT');
    writeFileSync(join(dir, 'key.pem'), 'FILE KEY');
    const files = {
      sslCa: join(dir, 'ca.pem'),
      sslCert: join(dir, 'cert.pem'),
      sslKey: join(dir, 'key.pem'),
    };
    assert.deepEqual(resolveDbTls(files), {
      ca: 'FILE CA',
      cert: 'FILE CERT',
      key: 'FILE KEY',
      rejectUnauthorized: true,
    });
    assert.equal(resolveDbTls({ ...files, sslCaBytes: 'INLINE' })?.ca, 'INLINE');
    assert.throws(() => resolveDbTls({ sslCa: join(dir, 'missing.pem') }), isTlsErr);
    assert.throws(() => resolveDbTls({ sslCa: files.sslCa, sslCert: files.sslCert }), isTlsErr);
  });

  it('cert-allowed-cn refuses other CNs and accepts listed ones', () => {
    checkAllowedCn({ subject: { CN: 'dm' } as never }, ['dm'], 'x');
    checkAllowedCn({ subject: { CN: 'other' } as never }, undefined, 'x');
    assert.throws(() => checkAllowedCn({ subject: { CN: 'other' } as never }, ['dm'], 'x'), isTlsErr);
    assert.throws(() => checkAllowedCn(undefined, ['dm'], 'x'), isTlsErr);
  });
});
