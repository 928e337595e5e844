import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DmError, E } from '../errors/index.js';
import { durationMs, parseGoDuration } from './duration.js';

describe('duration parser (Go units)', () => {
  it('reads every Go unit and combinations', () => {
    assert.equal(parseGoDuration('100us'), 0.1);
    assert.equal(parseGoDuration('100µs'), 0.1);
    assert.equal(parseGoDuration('100μs'), 0.1);
    assert.equal(parseGoDuration('2000000ns'), 2);
    assert.equal(parseGoDuration('500ms'), 500);
    assert.equal(parseGoDuration('60s'), 60_000);
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('1.5h'), 5_400_000);
    assert.equal(parseGoDuration('1m30s500ms'), 90_500);
    assert.equal(parseGoDuration('-2s'), -2000);
    assert.equal(parseGoDuration('0'), 0);
  });

  it('refuses unknown units, missing units and stray text', () => {
    for (const t of ['10d', '10', '1h30', 's', '', '1 h', '1hx', '5sec']) {
      assert.equal(parseGoDuration(t), undefined, t);
    }
  });

  it('a configured duration: empty = default, 100us is 0.1 ms, an unknown unit is an error', () => {
    assert.equal(durationMs('', 1234), 1234);
    assert.equal(durationMs('100us', 1234), 0.1);
    assert.equal(durationMs('1h30m', 0), 5_400_000);
    assert.throws(
      () => durationMs('10d', 1234, 'safe-mode-duration'),
      (e: unknown) =>
        e instanceof DmError && e.code === E.configInvalidValue.code && /safe-mode-duration/.test(e.message),
    );
  });
});
