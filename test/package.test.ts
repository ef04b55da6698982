import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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

  test('every CommonJS entry exports every name it lists, defined', () => {
    const code = `for (const e of ${JSON.stringify(entries)}) { const m = require(e); const bad = Object.keys(m).filter((k) => m[k] === undefined); if (bad.length) console.log(e, bad.join(' ')) } console.log('ok')`;
    expect(run(['-e', code]).trim()).toBe('ok');
  });

  test('no module of src declares a top-level exports, module or require', () => {
    // The CommonJS chunks are the sources concatenated: such a declaration shadows the chunk's own
    // `exports` and leaves every name it exports undefined (it happened: a `function exports()`).
    const files = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.includes('assembly'));
    const clash = /^(?:export\s+)?(?:async\s+)?(?:function\*?|const|let|var|class)\s+(exports|module|require)\b/m;
    const found = files.filter((f) => clash.test(readFileSync(join('src', f), 'utf8')));
    expect(found).toEqual([]);
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
