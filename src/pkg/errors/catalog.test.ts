import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CATALOG_PARTS, E } from './catalog.js';

describe('error catalog', () => {
  it('no name is defined in two parts (a spread would silently keep the last)', () => {
    const seen = new Map<string, string>();
    for (const [part, entries] of Object.entries(CATALOG_PARTS)) {
      for (const name of Object.keys(entries)) {
        assert.equal(seen.get(name), undefined, `${name} is in ${seen.get(name)} and ${part}`);
        seen.set(name, part);
      }
    }
    for (const name of seen.keys()) assert.ok(name in E, name);
  });

  it('every code names one entry', () => {
    const byCode = new Map<number, string>();
    for (const [name, d] of Object.entries(E)) {
      assert.equal(byCode.get(d.code), undefined, `code ${d.code}: ${byCode.get(d.code)} and ${name}`);
      byCode.set(d.code, name);
    }
  });
});
