import { ArgumentError, type Tensor } from '../ops/index.js';
import { CheckpointError, type Module, type Optimizer } from '../models/index.js';
import type { FitPosition } from '../streams/index.js';
import { type LoadedCheckpoint, listCheckpoints, readCheckpoint } from './checkpoint-format.js';

/** What `resume` and `loadCheckpoint` load into. */
export interface ResumeTarget {
  /** A model of the architecture the checkpoint was saved from (built). */
  readonly model: Module;
  /** An optimizer of the same kind over the model's parameters, in the same order. */
  readonly optimizer: Optimizer;
}

/** Where a resumed run continues: pass it to `fit({ resume })`. */
export interface ResumePoint {
  readonly position: FitPosition;
  readonly callbackState: Record<string, unknown>;
  /** Epoch of the event that triggered the save. */
  readonly epoch: number;
  /** Optimizer steps taken at the save. */
  readonly step: number;
  /** The checkpoint directory loaded. */
  readonly path: string;
  /** Newer checkpoints passed over because they failed verification, with the reason. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
}

/**
 * Continues a run from the newest good checkpoint in `dir`: loads its weights, optimizer
 * state and random generators into `model` and `optimizer`, and returns what
 * `fit({ resume })` needs to go on exactly as the interrupted run would have. Returns
 * `null` when `dir` holds no committed checkpoint (missing or empty: a fresh start).
 *
 * "Newest" is the most recently committed. A checkpoint whose files do not match its
 * manifest (corrupt) is passed over for the next newest, and listed in `skipped`; temp and
 * torn directories are never considered. Everything is checked before anything changes (see
 * `loadCheckpoint`), so a checkpoint of another architecture leaves model and optimizer as
 * they were.
 *
 * @example
 * ```ts
 * import { checkpoint, resume } from 'streamgrad/callbacks';
 * const start = await resume('runs/mnist', { model, optimizer });
 * fit({ model, loss, optimizer, train, epochs: 20, resume: start ?? undefined,
 *       callbacks: [checkpoint({ dir: 'runs/mnist', every: { steps: 500 } })] }).subscribe();
 * ```
 * @throws CheckpointError when checkpoints exist but none verifies, or the newest good one
 *   does not fit the model or optimizer.
 */
export async function resume(dir: string, target: ResumeTarget): Promise<ResumePoint | null> {
  if (typeof dir !== 'string' || dir.length === 0) throw new ArgumentError(`resume: dir must be a non-empty path, found ${String(dir)}`);
  checkTarget('resume', target);
  const entries = await listCheckpoints(dir);
  const skipped: { path: string; reason: string }[] = [];
  for (const entry of [...entries].reverse()) {
    let loaded: LoadedCheckpoint;
    try {
      loaded = await readCheckpoint(entry.path);
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      skipped.push({ path: entry.path, reason: error.message });
      continue;
    }
    apply('resume', loaded, target);
    const { position, callbackState, epoch, step } = loaded.state;
    return { position, callbackState, epoch, step, path: loaded.path, skipped };
  }
  if (skipped.length === 0) return null;
  throw new CheckpointError(`resume: no checkpoint in ${dir} verifies:\n  ${skipped.map((s) => s.reason).join('\n  ')}`);
}

/**
 * Loads one checkpoint directory (e.g. the best one kept by `saveBestOnly`) into `model` and
 * `optimizer`, like `resume` without the search. First every name and shape of the weights,
 * the optimizer's kind and buffers and the model's random generators are checked, and any
 * mismatch throws a `CheckpointError` naming the first mismatching tensor; only then is
 * anything changed.
 */
export async function loadCheckpoint(path: string, target: ResumeTarget): Promise<Omit<ResumePoint, 'skipped'>> {
  checkTarget('loadCheckpoint', target);
  const loaded = await readCheckpoint(path);
  apply('loadCheckpoint', loaded, target);
  const { position, callbackState, epoch, step } = loaded.state;
  return { position, callbackState, epoch, step, path };
}

function apply(caller: string, loaded: LoadedCheckpoint, { model, optimizer }: ResumeTarget): void {
  const where = `${caller}: ${loaded.path}`;
  checkArchitecture(where, loaded.weights, model);
  checkRandomState(where, loaded.state.randomState, model);
  if (loaded.optimizer.kind !== optimizer.kind) {
    throw new CheckpointError(`${where} holds ${loaded.optimizer.kind} optimizer state, but the optimizer is ${optimizer.kind}; nothing was loaded`);
  }
  // The optimizer checks all of its state before changing any (buffer names and shapes).
  const previous = optimizer.state();
  try {
    optimizer.loadState(loaded.optimizer);
  } catch (error) {
    if (error instanceof CheckpointError) throw new CheckpointError(`${where}: ${error.message}; nothing was loaded`, { cause: error });
    throw error;
  }
  try {
    model.loadStateDict(loaded.weights);
    model.loadRandomState(loaded.state.randomState);
  } catch (error) {
    optimizer.loadState(previous); // checked above, so unreachable in practice; keep the target whole anyway
    throw error;
  }
}

/** Every name and shape, in the model's order; the message leads with the first mismatch. */
function checkArchitecture(where: string, weights: Record<string, Tensor>, model: Module): void {
  const own = model.stateDict();
  const problems: string[] = [];
  for (const [name, tensor] of Object.entries(own)) {
    const saved = weights[name];
    if (saved === undefined) problems.push(`${name} ${fmt(tensor.shape)} is missing from the checkpoint`);
    else if (!sameShape(saved.shape, tensor.shape)) {
      problems.push(`${name} has shape ${fmt(saved.shape)} in the checkpoint but ${fmt(tensor.shape)} in the model`);
    }
  }
  for (const [name, tensor] of Object.entries(weights)) {
    if (!(name in own)) problems.push(`${name} ${fmt(tensor.shape)} is in the checkpoint but not in the model`);
  }
  if (problems.length === 0) return;
  const all = problems.length > 1 ? `\n  all ${problems.length} mismatches:\n  ${problems.join('\n  ')}` : '';
  throw new CheckpointError(`${where} was saved from another architecture: ${problems[0]}; nothing was loaded${all}`);
}

/** The checkpoint must have a generator state for exactly the modules that have one (dropout). */
function checkRandomState(where: string, saved: Record<string, unknown>, model: Module): void {
  const own = Object.keys(model.randomState());
  const missing = own.filter((path) => !(path in saved));
  const extra = Object.keys(saved).filter((path) => !own.includes(path));
  if (missing.length === 0 && extra.length === 0) return;
  const list = (paths: string[]) => paths.map((p) => `'${p}'`).join(', ');
  const parts = [
    ...(missing.length > 0 ? [`the model has random generators at ${list(missing)} that the checkpoint lacks`] : []),
    ...(extra.length > 0 ? [`the checkpoint has random generator states at ${list(extra)} that the model lacks`] : []),
  ];
  throw new CheckpointError(`${where} was saved from another architecture: ${parts.join('; ')}; nothing was loaded`);
}

function checkTarget(caller: string, target: ResumeTarget): void {
  const model = target?.model as Partial<Module> | undefined;
  if (typeof model?.stateDict !== 'function' || typeof model.loadStateDict !== 'function') {
    throw new ArgumentError(`${caller}: expected { model, optimizer } with a model (stateDict, loadStateDict)`);
  }
  const optimizer = target.optimizer as Partial<Optimizer> | undefined;
  if (typeof optimizer?.loadState !== 'function' || typeof optimizer.state !== 'function') {
    throw new ArgumentError(`${caller}: expected { model, optimizer } with an optimizer (state, loadState)`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
