import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCtlConfigFile, parseRpcTimeout, resolveCtlSettings } from './ctl-config.js';

describe('dmctl config', () => {
  it('reads DM’s dmctl TOML keys', () => {
    const f = parseCtlConfigFile(
      'master-addr = "10.0.0.1:8261"\nrpc-timeout = "30s"\nssl-ca = "ca.pem"\n',
      'x',
    );
    assert.deepEqual(f, { 'master-addr': '10.0.0.1:8261', 'rpc-timeout': '30s', 'ssl-ca': 'ca.pem' });
    assert.throws(() => parseCtlConfigFile('master_addr = "a"', 'x'), /unknown dmctl config key/);
    assert.throws(() => parseCtlConfigFile('master-addr = ', 'x'), /--config is invalid/);
  });
  it('flags win over the file, the file over DM_MASTER_ADDR; rpc-timeout defaults to 10m', () => {
    const file = { 'master-addr': 'file:8261', 'rpc-timeout': '30s', 'ssl-cert': 'c.pem' };
    const env = { DM_MASTER_ADDR: 'env:8261' };
    assert.deepEqual(resolveCtlSettings({ masterAddr: 'flag:8261' }, file, env), {
      masterAddr: 'flag:8261',
      rpcTimeoutMs: 30_000,
      sslCa: '',
      sslCert: 'c.pem',
      sslKey: '',
    });
    assert.equal(resolveCtlSettings({}, file, env).masterAddr, 'file:8261');
    assert.equal(resolveCtlSettings({}, {}, env).masterAddr, 'env:8261');
    assert.equal(resolveCtlSettings({}, {}, {}).rpcTimeoutMs, 600_000);
    assert.equal(resolveCtlSettings({ rpcTimeout: '1m30s' }, file).rpcTimeoutMs, 90_000);
  });
  it('refuses bad and non-positive timeouts', () => {
    assert.throws(() => parseRpcTimeout('10'), /invalid --rpc-timeout/);
    assert.throws(() => parseRpcTimeout('0'), /invalid time duration/);
    assert.equal(parseRpcTimeout('500ms'), 500);
  });
});
