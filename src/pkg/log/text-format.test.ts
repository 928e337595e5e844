import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLineToText } from './text-format.js';

describe("DM's text log format", () => {
  it('renders time, level, component, message and fields as DM text lines', () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 11, 6, 15, 40, 0, 123),
      pid: 1,
      hostname: 'h',
      component: 'dm-worker',
      code: 20050,
      key: 'log-rotate',
      file: 'w 1.toml',
      msg: 'accepted without effect',
    });
    assert.equal(
      jsonLineToText(line),
      '[2026/12/06 15:40:00.123 +00:00] [WARN] [dm-worker] ["accepted without effect"] [code=20050] [key=log-rotate] [file="w 1.toml"]\n',
    );
    assert.equal(jsonLineToText('not json\n'), 'not json\n');
  });
});
