/** Helpers shared by the config unit tests. */
import assert from 'node:assert/strict';
import { DmError, type ErrorDef } from '../errors/index.js';

/** A small valid task file (one instance, a block-allow list and a route). */
export const GOOD = `name: t1
task-mode: all
target-database:
  host: 127.0.0.1
  port: 4000
  user: root
  password: ""
mysql-instances:
  - source-id: s1
    block-allow-list: ba
    route-rules: [r1]
block-allow-list:
  ba:
    do-dbs: [db1]
routes:
  r1:
    schema-pattern: db1
    target-schema: db2
`;

/** Run `fn`, expect a DmError of `def` whose first message line is `firstLine`. */
export function expectError(fn: () => unknown, def: ErrorDef, firstLine: string): DmError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DmError, `expected DmError, got ${String(err)}`);
    assert.equal(err.code, def.code, `code for: ${err.message}`);
    assert.equal(err.message.split('\n')[0], firstLine);
    return err;
  }
  assert.fail('expected an error');
}
