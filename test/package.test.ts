import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';

// These tests load the built package (`npm test` builds it first) through its own name, as a
// user would, so a broken `exports` map or a missing format fails here rather than for users.
const entries = ['streamgrad', 'streamgrad/ops', 'streamgrad/models', 'streamgrad/streams', 'streamgrad/callbacks', 'streamgrad/testing'];

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: process.cwd(), encoding: 'utf8' });
}

describe('the built package (npm test builds it first)', () => {
  test('every subpath export loads as ESM', () => {
    const code = `for (const e of ${JSON.stringify(entries)}) await import(e); console.log('ok')`;
    expect(run(['--input-type=module', '-e', code]).trim()).toBe('ok');
  });

  test('every subpath export loads as CommonJS', () => {
    const code = `for (const e of ${JSON.stringify(entries)}) require(e); console.log('ok')`;
    expect(run(['-e', code]).trim()).toBe('ok');
  });

  test('the root entry computes with the ops it re-exports', () => {
    const code = `const { tensor, add } = require('streamgrad'); console.log(add(tensor([1, 2]), 1).toArray().join(','))`;
    expect(run(['-e', code]).trim()).toBe('2,3');
  });

  test('type declarations exist for both formats', () => {
    for (const f of ['dist/index.d.ts', 'dist/index.d.cts', 'dist/testing/index.d.ts', 'dist/ops/index.d.cts']) {
      expect(existsSync(f), f).toBe(true);
    }
  });
});
