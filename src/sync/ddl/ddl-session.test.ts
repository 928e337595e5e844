import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ddlSessionSql } from './ddl-session.js';

describe('ddlSessionSql: the upstream session around a replicated DDL', () => {
  it('sets the event time and the upstream zone, and restores the connection zone after', () => {
    assert.deepEqual(ddlSessionSql({ timestamp: 1_700_000_000, timeZone: '+05:00' }, '+00:00'), {
      setup: ['SET TIMESTAMP = 1700000000', "SET SESSION time_zone = '+05:00'"],
      reset: ['SET TIMESTAMP = DEFAULT', "SET SESSION time_zone = '+00:00'"],
    });
  });

  it('leaves the zone alone when the event has none, has SYSTEM, or has the connection zone', () => {
    for (const timeZone of [undefined, '', 'SYSTEM', 'system', '+08:00']) {
      assert.deepEqual(ddlSessionSql({ timestamp: 42, timeZone }, '+08:00'), {
        setup: ['SET TIMESTAMP = 42'],
        reset: ['SET TIMESTAMP = DEFAULT'],
      });
    }
  });

  it('sets nothing without an event time (a statement DM or an operator made up)', () => {
    assert.deepEqual(ddlSessionSql({ timestamp: 0 }, '+00:00'), { setup: [], reset: [] });
    assert.deepEqual(ddlSessionSql(undefined, '+00:00'), { setup: [], reset: [] });
  });

  it('quotes a named zone as a string literal', () => {
    const { setup } = ddlSessionSql({ timestamp: 1, timeZone: "Asia/Shanghai'; DROP TABLE x; --" }, '+00:00');
    assert.equal(setup[1], "SET SESSION time_zone = 'Asia/Shanghai\\'; DROP TABLE x; --'");
  });
});
