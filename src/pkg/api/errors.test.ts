import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dmError, E } from '../errors/index.js';
import { ERROR_CODE, errorCodeOf, failed, withCode } from './errors.js';

describe('errors as data', () => {
  it('a failed answer carries its code, and JSON prints only DM keys', () => {
    const ans = { result: false, ...failed(dmError(E.sourceNotFound, 'source s1 not found')), sources: [] };
    assert.equal(ans[ERROR_CODE], E.sourceNotFound.code);
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(ans))), ['result', 'msg', 'sources']);
    assert.equal(errorCodeOf(ans), E.sourceNotFound.code);
  });

  it('the code comes from data, never from the text', () => {
    // A message quoting another error's text (e.g. user SQL or a nested message) does not decide the code.
    const ans = { result: false, ...withCode('failed: [code=99999:class=x] quoted', E.workerUnit.code) };
    assert.equal(errorCodeOf(ans), E.workerUnit.code);
    assert.equal(errorCodeOf({ result: false, msg: '[code=12345:class=x], Message: y' }), undefined);
  });

  it('per-source results and DmErrors', () => {
    const e = dmError(E.internal, 'boom');
    assert.equal(errorCodeOf(e), E.internal.code);
    const res = {
      result: false,
      msg: '',
      sources: [
        { result: true, msg: '' },
        { result: false, ...failed(e) },
      ],
    };
    assert.equal(errorCodeOf(undefined, res), E.internal.code);
  });
});
