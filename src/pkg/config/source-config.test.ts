import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { E } from '../errors/index.js';
import { expectError } from './config-test-util.js';
import { DM_SOURCE_FULL, DM_SOURCE_SAMPLE } from './fixtures/dm-samples.js';
import { sourceConfigSample } from './samples.js';
import { parseSourceConfig } from './source-config.js';
import { sourceToYaml } from './to-yaml.js';

describe('parseSourceConfig', () => {
  it('parses DM samples', () => {
    const s = parseSourceConfig(DM_SOURCE_SAMPLE);
    assert.equal(s.sourceId, 'mysql-replica-01');
    assert.equal(s.serverId, 101);
    assert.equal(s.from.password, '123456');
    assert.deepEqual(s.purge, { interval: 3600, expires: 0, remainSpace: 15 });
    assert.equal(s.checker.checkEnable, true);
    const f = parseSourceConfig(DM_SOURCE_FULL);
    assert.equal(f.flavor, 'mariadb');
    assert.equal(f.relayDir, './relay_log');
    assert.equal(f.filters?.[0]?.action, 'Ignore');
    assert.equal(parseSourceConfig(sourceConfigSample()).from.port, 3306);
  });

  it('accepts a bare-number password as text (as yaml.v2)', () => {
    const s = parseSourceConfig('source-id: a\nfrom:\n  host: h\n  user: u\n  password: 123456\n');
    assert.equal(s.from.password, '123456');
  });

  it('names key path and line of errors', () => {
    expectError(
      () => parseSourceConfig('source-id: a\nfrom:\n  host: h\n  user: u\n  prot: 1\n'),
      E.configUnknownKey,
      'source.yaml:5: from.prot: unknown key',
    );
    expectError(
      () => parseSourceConfig('source-id: a\nfrom:\n  host: h\n'),
      E.configMissingKey,
      'source.yaml:2: from.user: required key is missing',
    );
    expectError(
      () => parseSourceConfig('source-id: a\nflavor: oracle\nfrom: {host: h, user: u}\n'),
      E.configInvalidValue,
      'source.yaml:2: flavor: invalid value "oracle", expected one of: "", mysql, mariadb',
    );
    expectError(
      () => parseSourceConfig('source-id: a\nfrom: {host: h, user: u, port: "x"}\n'),
      E.configWrongType,
      'source.yaml:2: from.port: expected integer, got string "x"',
    );
    expectError(
      () => parseSourceConfig(''),
      E.configMissingKey,
      'source.yaml:1: source-id: required key is missing',
    );
  });

  it('round-trips through sourceToYaml', () => {
    const s = parseSourceConfig(DM_SOURCE_FULL);
    assert.deepEqual(parseSourceConfig(sourceToYaml(s)), s);
  });
});
