import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workerConfigToml } from './config-route.js';
import { parseWorkerToml, resolveWorkerConfig } from './worker-config.js';

describe('workerConfigToml', () => {
  it('parses back (as a --config file) to the same config', () => {
    const cfg = resolveWorkerConfig({
      name: 'w1',
      'worker-addr': '127.0.0.1:18262',
      join: '127.0.0.1:8261,127.0.0.1:8361',
      'keepalive-ttl': '30',
      'log-level': 'debug',
      'work-dir': '/var/lib/dm',
    });
    const text = workerConfigToml(cfg);
    assert.match(text, /^name = "w1"$/m);
    assert.match(text, /^keepalive-ttl = 30$/m);
    assert.deepEqual(resolveWorkerConfig(parseWorkerToml(text)), cfg);
  });
});
