/**
 * The code a `WasmThreadPool` worker runs, as a string for `new Worker(code, { eval: true })`:
 * no worker file has to be found next to the built library (src or dist, ESM or CommonJS).
 *
 * The worker instantiates the module on the shared memory once, then loops: sleep on its `SEQ`
 * slot (`Atomics.wait`), and when the main thread stores a new round number there, claim jobs
 * (`Atomics.add` on `NEXT`) and run them until none are left or a participant has failed, then
 * check out (`Atomics.sub` on `ACTIVE`; the last one notifies the main thread). A negative
 * round number means shut down: the loop ends, and with it the worker.
 *
 * Before sleeping it may poll its slot `spin` times (the pool's `spin` option, 0 by default), so
 * a round that follows at once needs no wake-up from the operating system.
 *
 * `workerData`: `{ module, memory, control, id, seq, exportNames, importsSource, layout, spin }`,
 * where `seq` is the index of the worker's SEQ slot.
 */
import { STARTUP_FAILED, Slot, WorkerState } from './control-block.js';

/** Source text of the worker. */
export const WORKER_SOURCE = `'use strict';
const { workerData } = require('node:worker_threads');
const { module, memory, control, id, seq: SEQ, exportNames, importsSource, layout, spin } = workerData;
const C = new Int32Array(control);
const STATE = SEQ + 1;
const ME = 1 + id;

function describe(error) {
  return error instanceof Error ? error.name + ': ' + error.message : String(error);
}

function writeMessage(text) {
  const base = layout.messages + ME * layout.messageInts;
  const chars = new Uint16Array(control, 4 * (base + 1), 2 * (layout.messageInts - 1));
  const length = Math.min(text.length, chars.length);
  for (let i = 0; i < length; i++) chars[i] = text.charCodeAt(i);
  Atomics.store(C, base, length);
}

function fail(job, error) {
  if (Atomics.compareExchange(C, ${Slot.ERROR_JOB}, 0, job) !== 0) return;
  writeMessage(describe(error));
  Atomics.store(C, ${Slot.ERROR_BY}, ME);
}

let functions = null;
let startupError = null;
try {
  const makeImports = new Function('return (' + importsSource + ');')();
  const instance = new WebAssembly.Instance(module, makeImports(memory));
  functions = exportNames.map((name) => instance.exports[name]);
  Atomics.store(C, STATE, ${WorkerState.READY});
} catch (error) {
  startupError = error;
  writeMessage(describe(error));
  Atomics.store(C, STATE, ${WorkerState.FAILED});
}

function runRound() {
  if (functions === null) {
    fail(${STARTUP_FAILED}, startupError);
    return;
  }
  const count = C[${Slot.COUNT}];
  const fn = functions[C[${Slot.EXPORT}]];
  const argc = C[${Slot.ARGC}];
  const args = new Array(argc);
  while (Atomics.load(C, ${Slot.ERROR_JOB}) === 0) {
    const job = Atomics.add(C, ${Slot.NEXT}, 1);
    if (job >= count) return;
    const base = layout.args + job * argc;
    for (let i = 0; i < argc; i++) args[i] = C[base + i];
    try {
      fn(...args);
    } catch (error) {
      fail(job + 1, error);
      return;
    }
  }
}

let seen = 0;
for (;;) {
  let seq = Atomics.load(C, SEQ);
  for (let i = 0; seq === seen && i < spin; i++) seq = Atomics.load(C, SEQ);
  if (seq === seen) {
    Atomics.wait(C, SEQ, seen);
    continue;
  }
  seen = seq;
  if (seq < 0) break;
  runRound();
  if (Atomics.sub(C, ${Slot.ACTIVE}, 1) === 1) Atomics.notify(C, ${Slot.ACTIVE});
}
`;
