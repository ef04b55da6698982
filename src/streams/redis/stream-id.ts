import { ArgumentError } from '../../ops/index.js';

/**
 * Compares two stream ids (`<ms>-<seq>`, `<ms>` alone meaning `<ms>-0`) numerically, as
 * Redis orders them: negative when `a` comes first, zero when equal, positive otherwise.
 *
 * @example
 * ```ts
 * compareStreamIds('1700000000000-9', '1700000000000-10'); // < 0 (not a string comparison)
 * ```
 * @throws ArgumentError naming the id when either is not a stream id.
 */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = splitId(a);
  const [bMs, bSeq] = splitId(b);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

function splitId(id: string): [bigint, bigint] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(id);
  if (match === null) throw new ArgumentError(`stream id must look like <ms>-<seq> (e.g. 1700000000000-0), found ${JSON.stringify(id)}`);
  return [BigInt(match[1]), BigInt(match[2] ?? '0')];
}

/** Throws an `ArgumentError` naming option `name` of `op` unless `id` is a stream id. @internal */
export function checkStreamId(op: string, name: string, id: unknown): void {
  try {
    compareStreamIds(String(id), '0-0');
    if (typeof id === 'string') return;
  } catch {
    // reported below
  }
  throw new ArgumentError(`${op}: ${name} must be a stream id like 1700000000000-0 (or '0'), found ${JSON.stringify(id)}`);
}
