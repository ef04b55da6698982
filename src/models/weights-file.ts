import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ArgumentError } from '../ops/index.js';
import { CheckpointError } from './errors.js';
import type { Module } from './module.js';
import { readSafetensors } from './safetensors/read.js';
import { writeSafetensors } from './safetensors/write.js';

/** Options of `saveWeights`. */
export interface SaveWeightsOptions {
  /** Extra `__metadata__` strings; `format: 'pt'` is always written unless given here. */
  metadata?: Record<string, string>;
}

/** Options of `loadWeights`. */
export interface LoadWeightsOptions {
  /** Require exactly the model's names, as `loadStateDict`. @default true */
  strict?: boolean;
}

/**
 * Saves `model.stateDict()` as a safetensors file (float32, PyTorch names and layouts), so
 * `safetensors.torch.load_file(path)` gives a dict that `model.load_state_dict` accepts. The
 * write is atomic: a temporary file in the same directory is written and fsynced, renamed
 * over `path`, and the directory is fsynced, so a crash leaves either the old file or the new
 * one, never a torn one. The metadata holds `format: 'pt'`, which Hugging Face loaders expect.
 *
 * @example
 * ```ts
 * import { sequential, dense, relu, saveWeights, loadWeights } from 'streamgrad/models';
 * const net = sequential([dense(3), relu(), dense(2)], { inputShape: [4] });
 * await saveWeights(net, 'net.safetensors');
 * await loadWeights(net, 'net.safetensors');
 * ```
 */
export async function saveWeights(model: Module, path: string, opts: SaveWeightsOptions = {}): Promise<void> {
  checkModel('saveWeights', model);
  const bytes = writeSafetensors(model.stateDict(), { format: 'pt', ...opts.metadata });
  await writeFileAtomic(path, bytes);
}

/**
 * Loads a safetensors file into `model`: the file is validated in full (see
 * `readSafetensors`), then `model.loadStateDict` checks every name and shape. Any problem is
 * a `CheckpointError` that names the file, and the model's weights are left unchanged.
 * Integer and half-precision tensors are converted to float32.
 *
 * @example
 * ```ts
 * import { sequential, dense, relu, loadWeights } from 'streamgrad/models';
 * const net = sequential([dense(3), relu(), dense(2)], { inputShape: [4] });
 * await loadWeights(net, 'net.safetensors'); // e.g. saved by safetensors.torch.save_file
 * ```
 * @throws CheckpointError when the file is malformed or does not fit the model; file system
 *   errors (such as ENOENT) are passed through unchanged.
 */
export async function loadWeights(model: Module, path: string, opts: LoadWeightsOptions = {}): Promise<void> {
  checkModel('loadWeights', model);
  const bytes = await readFile(path);
  const { tensors } = readSafetensors(bytes, { source: `loadWeights ${path}` });
  try {
    model.loadStateDict(tensors, { strict: opts.strict ?? true });
  } catch (err) {
    if (err instanceof CheckpointError) throw new CheckpointError(`loadWeights ${path}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * Writes `bytes` to `path` so that readers see the old contents or the new, never a part:
 * temp file in the same directory (exclusive create), write, fsync, rename over `path`, fsync
 * the directory so the rename itself is durable. On failure the temp file is removed.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const directory = dirname(path);
  const temp = join(directory, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const file = await open(temp, 'wx');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    renamed = true;
  } finally {
    if (!renamed) await rm(temp, { force: true });
  }
  await syncDirectory(directory);
}

/** fsyncs a directory, where the platform and file system allow it. */
async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return; // Windows cannot open a directory for fsync
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems refuse fsync on directories; the data file itself is already durable.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP') throw err;
  } finally {
    await handle.close();
  }
}

function checkModel(where: string, model: Module): void {
  if (model === null || typeof model !== 'object' || typeof model.stateDict !== 'function') {
    throw new ArgumentError(`${where}: expected a model or layer (with stateDict), found ${model === null ? 'null' : typeof model}`);
  }
}
