import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSourceConfig } from '../pkg/config/index.js';
import { E, isDmError } from '../pkg/errors/index.js';
import { sourceConfigToJson, sourceJsonToDoc, sourceJsonToYaml } from './source-json.js';

function dmSource(): Record<string, unknown> {
  return {
    source_name: 'mysql-01',
    host: '127.0.0.1',
    port: 3306,
    user: 'root',
    password: 'secret',
    enable_gtid: true,
    enable: true,
    flavor: 'mariadb',
    purge: { interval: 600, expires: 24, remain_space: 20 },
    relay_config: {
      enable_relay: true,
      relay_binlog_name: 'mysql-bin.000002',
      relay_binlog_gtid: '0-1-5',
      relay_dir: './relay',
    },
  };
}

describe('DM OpenAPI source JSON ⇄ source config', () => {
  it('maps every DM field to the source config', () => {
    const cfg = parseSourceConfig(sourceJsonToYaml(dmSource()), 'api');
    assert.equal(cfg.sourceId, 'mysql-01');
    assert.deepEqual(cfg.from, { host: '127.0.0.1', port: 3306, user: 'root', password: 'secret' });
    assert.equal(cfg.enableGtid, true);
    assert.equal(cfg.enable, true);
    assert.equal(cfg.flavor, 'mariadb');
    assert.equal(cfg.enableRelay, true);
    assert.equal(cfg.relayBinlogName, 'mysql-bin.000002');
    assert.equal(cfg.relayBinlogGtid, '0-1-5');
    assert.equal(cfg.relayDir, './relay');
    assert.deepEqual(cfg.purge, { interval: 600, expires: 24, remainSpace: 20 });
  });

  it('round-trips apart from the masked password', () => {
    const cfg = parseSourceConfig(sourceJsonToYaml(dmSource()), 'api');
    const back = sourceConfigToJson(cfg, ['t1']);
    assert.deepEqual(back, { ...dmSource(), password: '******', task_name_list: ['t1'], security: null });
  });

  it('minimal body: defaults as DM (gtid off, enabled, no relay)', () => {
    const cfg = parseSourceConfig(
      sourceJsonToYaml({ source_name: 's', host: 'h', port: 3307, user: 'u' }),
      'api',
    );
    assert.equal(cfg.enableGtid, false);
    assert.equal(cfg.enable, true);
    assert.equal(cfg.enableRelay, false);
    assert.equal(cfg.from.password, '');
    assert.equal(parseSourceConfig(sourceJsonToYaml({ ...dmSource(), enable: false }), 'api').enable, false);
  });

  it('missing and mistyped fields are coded errors naming the field', () => {
    const s = dmSource();
    delete s.host;
    s.port = 'x';
    try {
      sourceJsonToDoc(s);
      assert.fail('accepted');
    } catch (err) {
      assert.ok(isDmError(err));
      assert.equal(err.code, E.configMissingKey.code);
      assert.match(err.message, /source\.host is required/);
      assert.match(err.message, /source\.port must be an integer/);
    }
  });
});
