/**
 * Checking and describing the jobs of a `WasmThreadPool` call: each job is the argument list of
 * one call of a WASM export whose parameters are all i32.
 */
import { ArgumentError } from '../../errors.js';

/** Smallest and one past the largest number that fits a 32-bit argument (i32 or u32 bits). */
const I32_MIN = -(2 ** 31);
const U32_END = 2 ** 32;

/**
 * Throws an `ArgumentError` unless `jobs` is an array of `argc`-long arrays of whole numbers in
 * `[-2³¹, 2³²)` (so a u32 pointer and a negative i32 both pass, as the same 32 bits).
 * @param owner - names the caller in messages.
 */
export function checkJobs(
  owner: string,
  exportName: string,
  argc: number,
  jobs: unknown,
): asserts jobs is readonly (readonly number[])[] {
  const where = `${owner}: ${exportName}`;
  if (!Array.isArray(jobs)) {
    throw new ArgumentError(`${where}: jobs must be an array of argument lists, found ${String(jobs)}`);
  }
  for (let j = 0; j < jobs.length; j++) {
    const job: unknown = jobs[j];
    if (!Array.isArray(job)) {
      throw new ArgumentError(`${where}: job ${j} must be an array of ${argc} arguments, found ${String(job)}`);
    }
    if (job.length !== argc) {
      throw new ArgumentError(`${where} takes ${argc} arguments, job ${j} has ${job.length} (${job.join(', ')})`);
    }
    for (let i = 0; i < argc; i++) {
      const v: unknown = job[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < I32_MIN || v >= U32_END) {
        const expected = 'a whole number in [-2^31, 2^32)';
        throw new ArgumentError(`${where}: argument ${i} of job ${j} must be ${expected}, found ${String(v)}`);
      }
    }
  }
}

/** `fill(64, 0, 8, 7) (job 3 of 8)`: how messages name a failed job. */
export function describeCall(exportName: string, job: readonly number[], index: number, total: number): string {
  return `${exportName}(${job.join(', ')}) (job ${index} of ${total})`;
}
