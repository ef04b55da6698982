/**
 * The control block a `WasmThreadPool` shares with its workers: a small `SharedArrayBuffer` of
 * its own (separate from the WASM memory, so the kernel module needs no room reserved for it),
 * read through an `Int32Array` with `Atomics`.
 *
 * Layout, in Int32 slots; slots written by different threads sit on different 64-byte lines:
 * ```
 * 0            NEXT      index of the next unclaimed job (Atomics.add claims one)
 * 16           ACTIVE    workers of the current round that have not checked out yet
 * 32..36       COUNT, EXPORT, ARGC, ERROR_JOB, ERROR_BY: the round, and its first failure
 * 48 + 16·w    SEQ, STATE of worker w (w = 0 .. workers-1): round number it is woken for,
 *              and starting / ready / failed
 * args         the job table: job j's argument i at args + j·ARGC + i
 * messages     one error text per participant (0 = main thread, 1 + w = worker w)
 * ```
 * A failure is recorded once per round: `ERROR_JOB` goes from 0 to `job + 1` (or to
 * {@link STARTUP_FAILED}) by compare-exchange, and the winner writes its text; the others stop
 * claiming jobs as soon as they see it.
 */

/** Int32 slots per 64-byte cache line. */
const LINE = 16;

/** Fixed slots (Int32 indices). */
export const Slot = {
  NEXT: 0,
  ACTIVE: LINE,
  COUNT: 2 * LINE,
  EXPORT: 2 * LINE + 1,
  ARGC: 2 * LINE + 2,
  ERROR_JOB: 2 * LINE + 3,
  ERROR_BY: 2 * LINE + 4,
} as const;

/** Most arguments one job may pass (all i32). */
export const MAX_ARGS = 16;

/** Int32 slots of the job table: a round holds `floor(ARG_CAPACITY / argc)` jobs at most. */
export const ARG_CAPACITY = 16_384;

/** Most jobs in one round when the export takes no arguments. */
export const MAX_JOBS_PER_ROUND = 4_096;

/** UTF-16 code units kept of an error message (longer ones are cut). */
export const MESSAGE_CHARS = 1_000;

/** `ERROR_JOB` value meaning a worker could not instantiate the module. */
export const STARTUP_FAILED = -1;

/** Values of a worker's `STATE` slot. */
export const WorkerState = { STARTING: 0, READY: 1, FAILED: 2 } as const;

/** Where the per-worker slots, the job table and the messages start, for a pool of `workers`. */
export interface ControlLayout {
  readonly workers: number;
  /** Int32 index of worker 0's SEQ slot; worker w's is `seqBase + 16·w`, its STATE the next. */
  readonly seqBase: number;
  /** Int32 index of the job table. */
  readonly args: number;
  /** Int32 index of participant 0's message; each message is a length slot then the text. */
  readonly messages: number;
  /** Int32 slots per message. */
  readonly messageInts: number;
  /** Size of the whole block. */
  readonly bytes: number;
}

/** The layout of the control block for a pool of `workers` workers. */
export function controlLayout(workers: number): ControlLayout {
  const seqBase = 3 * LINE;
  const args = seqBase + LINE * workers;
  const messages = args + ARG_CAPACITY;
  const messageInts = 1 + MESSAGE_CHARS / 2;
  const bytes = 4 * (messages + messageInts * (workers + 1));
  return { workers, seqBase, args, messages, messageInts, bytes };
}

/** Int32 index of worker `id`'s SEQ slot (its STATE slot is the next one). */
export function seqSlot(layout: ControlLayout, id: number): number {
  return layout.seqBase + LINE * id;
}

/** Reads participant `who`'s message. */
export function readMessage(control: Int32Array, layout: ControlLayout, who: number): string {
  const base = layout.messages + who * layout.messageInts;
  const length = Atomics.load(control, base);
  const chars = new Uint16Array(control.buffer, 4 * (base + 1), length);
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(chars[i]);
  return text;
}
