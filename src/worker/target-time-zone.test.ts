import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatZoneOffset } from './target-time-zone.js';

describe('formatZoneOffset (DM FormatTimeZoneOffset)', () => {
  it('formats TIMEDIFF results as ±hh:mm', () => {
    assert.equal(formatZoneOffset('08:00:00.000000'), '+08:00');
    assert.equal(formatZoneOffset('00:00:00'), '+00:00');
    assert.equal(formatZoneOffset('-05:30:00.000000'), '-05:30');
    assert.equal(formatZoneOffset('5:45:00'), '+05:45');
    assert.equal(formatZoneOffset('-00:30:00'), '-00:30');
  });
  it('refuses what is not a time difference', () => {
    assert.throws(() => formatZoneOffset('SYSTEM'));
  });
});
