import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { masterConfigToml, operateLeader } from './local-routes.js';
import { parseMasterToml, resolveMasterOptions } from './options.js';

describe('masterConfigToml', () => {
  it('parses back (as a --config file) to the same options', () => {
    const o = resolveMasterOptions({
      name: 'm2',
      'master-addr': '127.0.0.1:18261',
      'peer-urls': 'http://127.0.0.1:18291',
      join: '127.0.0.1:8261',
      'election-ttl': 5,
      'data-dir': '/data/m2',
    });
    const text = masterConfigToml(o);
    assert.match(text, /^name = "m2"$/m);
    assert.match(text, /^election-ttl = 5$/m);
    assert.deepEqual(resolveMasterOptions({}, parseMasterToml(text, 'm2.toml')), o);
  });
});

describe('operateLeader', () => {
  it('rejects unknown operations and answers "not ready" before the election exists', async () => {
    assert.deepEqual(await operateLeader(undefined, 'resign'), {
      result: false,
      msg: 'operate resign is not supported',
    });
    assert.equal((await operateLeader(undefined, 'evict')).result, false);
  });
});
