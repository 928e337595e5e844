import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { bashCompletion, completionTree, zshCompletion } from './completion.js';
import { buildProgram } from './program.js';

/** Run the bash script for a command line (the cursor at its end) and return COMPREPLY. */
function complete(script: string, line: string): string[] {
  const words = line.split(' ');
  const prog = `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_dmctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', prog], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('shell completion', () => {
  const tree = completionTree(buildProgram());
  it('walks the commander tree', () => {
    const names = tree.subcommands.map((c) => c.name);
    for (const n of ['query-status', 'check-task', 'handle-error', 'binlog', 'config', 'completion']) {
      assert.ok(names.includes(n), n);
    }
    assert.ok(tree.flags.includes('--rpc-timeout'));
  });
  it('completes commands, subcommands and flags in bash', () => {
    const script = bashCompletion(tree);
    assert.deepEqual(complete(script, 'dmctl query-st'), ['query-status']);
    assert.deepEqual(complete(script, 'dmctl --master-addr x:1 query-st'), ['query-status']);
    assert.deepEqual(complete(script, 'dmctl binlog sk'), ['skip']);
    assert.ok(complete(script, 'dmctl check-task --e').includes('--error'));
    assert.ok(complete(script, 'dmctl operate-source --w').includes('--worker'));
    assert.ok(complete(script, 'dmctl --rpc').includes('--rpc-timeout'));
  });
  it('wraps the same script for zsh', () => {
    const z = zshCompletion(tree);
    assert.match(z, /^#compdef dmctl/);
    assert.match(z, /bashcompinit/);
  });
});
