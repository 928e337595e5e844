import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterResults } from './check-filter.js';
import type { CheckReport, CheckResult } from './check-report.js';

const r = (id: number, state: CheckResult['state'], errs: ('fail' | 'warn')[] = []): CheckResult => ({
  id,
  name: `c${id}`,
  desc: '',
  state,
  ...(errs.length ? { errors: errs.map((severity, i) => ({ severity, short_error: `e${id}.${i}` })) } : {}),
  instruction: '',
  extra: '',
  item: `c${id}`,
});

const report: CheckReport = {
  results: [
    r(1, 'success'),
    r(2, 'fail', ['fail', 'fail', 'warn']),
    r(3, 'warn'),
    r(4, 'fail'),
    r(5, 'warn', ['warn']),
  ],
  summary: { passed: false, total: 5, successful: 1, failed: 2, warning: 2 },
};

describe('check-task --error/--warn', () => {
  it('drops successes and keeps up to N errors and M warnings, per error item', () => {
    const out = filterResults(report, 1, 1);
    assert.deepEqual(
      out.results.map((x) => [x.id, (x.errors ?? []).map((e) => e.short_error)]),
      [[2, ['e2.0', 'e2.2']]],
    );
    assert.deepEqual(out.summary, report.summary);
  });
  it('counts results without errors as one item', () => {
    const out = filterResults(report, 10, 10);
    assert.deepEqual(
      out.results.map((x) => x.id),
      [2, 3, 4, 5],
    );
    assert.deepEqual(
      filterResults(report, 0, 2).results.map((x) => x.id),
      [2, 3],
    );
    assert.deepEqual(filterResults(report, 0, 0).results, []);
  });
});
