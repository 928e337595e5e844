import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatEpoch } from './temporal.js';
import { invalidTimeZone, offsetAt, sessionTimeZone, zoneOffset } from './time-zone.js';

describe('time zones as DM ParseTimeZone', () => {
  it('accepts names and offsets in [-12:59, +14:00]; refuses SYSTEM, Local and the rest', () => {
    for (const ok of ['UTC', 'Asia/Shanghai', 'America/New_York', '+08:00', '+8:00', '-12:59', '+14:00']) {
      assert.equal(invalidTimeZone(ok), undefined, ok);
    }
    for (const bad of ['SYSTEM', 'Local', '+14:01', '-13:00', '+08:60', 'Mars/Olympus', '8']) {
      assert.ok(invalidTimeZone(bad), bad);
    }
  });

  it('session value: offsets normalised, names as written', () => {
    assert.equal(sessionTimeZone('+8:00'), '+08:00');
    assert.equal(sessionTimeZone('-5:30'), '-05:30');
    assert.equal(sessionTimeZone('UTC'), '+00:00');
    assert.equal(sessionTimeZone('Europe/Paris'), 'Europe/Paris');
  });

  it('offsets follow DST for names', () => {
    const jan = Date.UTC(2024, 0, 15) / 1000;
    const jul = Date.UTC(2024, 6, 15) / 1000;
    assert.equal(offsetAt('Europe/Paris', jan), 3600);
    assert.equal(offsetAt('Europe/Paris', jul), 7200);
    assert.equal(offsetAt('-05:00', jan), -5 * 3600);
    const z = zoneOffset('Europe/Paris');
    assert.equal(z?.(jul), 7200);
    assert.equal(z?.(jul + 1), 7200);
    assert.equal(zoneOffset('UTC'), undefined);
  });

  it('renders TIMESTAMP epochs in the zone (binlog values, as DM TimestampStringLocation)', () => {
    const secs = Date.UTC(2024, 0, 1, 2, 0, 0) / 1000;
    assert.equal(formatEpoch(secs, 250000, 3), '2024-01-01 02:00:00.250');
    assert.equal(formatEpoch(secs, 250000, 3, zoneOffset('+08:00')), '2024-01-01 10:00:00.250');
    assert.equal(formatEpoch(secs, 0, 0, zoneOffset('America/New_York')), '2023-12-31 21:00:00');
    assert.equal(formatEpoch(0, 0, 0, zoneOffset('+08:00')), '0000-00-00 00:00:00');
  });
});
