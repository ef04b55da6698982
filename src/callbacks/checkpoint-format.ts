import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import { join } from 'node:path';
import type { RngState, Tensor } from '../ops/index.js';
import {
  CheckpointError,
  type LayerConfig,
  type OptimizerState,
  type StateDict,
  readSafetensors,
  writeSafetensors,
} from '../models/index.js';
import type { FitPosition } from '../streams/index.js';

/**
 * The on-disk form of a training checkpoint, shared by `checkpoint` (which writes it) and
 * `resume` (which reads it). One directory per checkpoint, named after its step:
 *
 * ```
 * dir/ckpt-000012/model.safetensors      weights, PyTorch names (loads with safetensors.torch)
 *                 optimizer.safetensors  optimizer buffers (`0.exp_avg`, `1.step`, ...)
 *                 state.json             everything else: see `CheckpointStateFile`
 *                 manifest.json          written last: the size and SHA-256 of each file above
 * ```
 *
 * The manifest is the commit marker. A checkpoint is built in `dir/.tmp-ckpt-…`, every file
 * and the directory are fsynced, the manifest is written and fsynced, and only then is the
 * directory renamed to `ckpt-…` (and `dir` fsynced), so a `ckpt-…` name never shows a
 * half-written checkpoint. Readers still trust only directories whose manifest parses and
 * whose files match it, and ignore everything else (temp directories left by a crash are
 * removed by the next save).
 */

/** `format` field of `state.json` and `manifest.json`. */
export const CHECKPOINT_FORMAT = 'streamgrad-checkpoint';
/** Layout version; a reader rejects other versions. */
export const CHECKPOINT_VERSION = 1;

/** File names inside a checkpoint directory. */
export const CHECKPOINT_FILES = {
  model: 'model.safetensors',
  optimizer: 'optimizer.safetensors',
  state: 'state.json',
  manifest: 'manifest.json',
} as const;

/** Committed checkpoints: `ckpt-<step, 6+ digits>`, with `-<n>` when that name was already taken. */
const COMMITTED_NAME = /^ckpt-\d{6,}(-\d+)?$/;
/** Prefix of directories being written or deleted; never read as checkpoints. */
export const TEMP_PREFIX = '.tmp-ckpt-';

/** What `state.json` holds: where the run stands and what is not a tensor. */
export interface CheckpointStateFile {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  /** Epoch of the event that triggered the save (0-based). */
  readonly epoch: number;
  /** Optimizer steps taken when the checkpoint was saved. */
  readonly step: number;
  /** What `fit({ resume })` continues from. */
  readonly position: FitPosition;
  /** Every callback's saved state, by callback name. */
  readonly callbackState: Record<string, unknown>;
  /** The model's random generators (dropout masks), by module path. */
  readonly randomState: Record<string, RngState>;
  /** The optimizer's state other than its buffers. */
  readonly optimizer: { readonly kind: string; readonly lr: number; readonly step: number; readonly hyper: Record<string, unknown> };
  /** The model's `toJSON()`, to rebuild it with `fromJSON`; `null` for a module without one. */
  readonly model: LayerConfig | null;
  /** The monitored value at the save, when the trigger's logs had it. */
  readonly monitor: { readonly name: string; readonly value: number | null } | null;
}

/** What `manifest.json` holds. */
export interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  /** Commit order within the directory: the newest checkpoint has the highest. */
  readonly sequence: number;
  readonly epoch: number;
  readonly step: number;
  /** Size in bytes and SHA-256 (hex) of every other file of the checkpoint. */
  readonly files: Readonly<Record<string, { readonly bytes: number; readonly sha256: string }>>;
}

/** A committed checkpoint found in a directory (its manifest parsed; files not yet verified). */
export interface CheckpointEntry {
  /** The checkpoint directory. */
  readonly path: string;
  readonly name: string;
  readonly sequence: number;
  readonly epoch: number;
  readonly step: number;
}

/** A checkpoint read and verified in full by `readCheckpoint`. */
export interface LoadedCheckpoint {
  readonly path: string;
  readonly manifest: CheckpointManifest;
  readonly state: CheckpointStateFile;
  readonly weights: StateDict;
  readonly optimizer: OptimizerState;
}

/** What a save writes, before it has a sequence number: built synchronously from live state. */
export interface CheckpointSnapshot {
  readonly epoch: number;
  readonly step: number;
  /** File name to contents: the model and optimizer safetensors and `state.json`. */
  readonly files: Readonly<Record<string, Uint8Array>>;
}

/**
 * Encodes a checkpoint's files from live state. Everything is copied into new byte arrays
 * here, synchronously, so training may go on while the files are written.
 */
export function encodeCheckpoint(
  weights: StateDict,
  optimizer: OptimizerState,
  rest: Omit<CheckpointStateFile, 'format' | 'version' | 'optimizer'>,
): CheckpointSnapshot {
  const { buffers, ...optimizerRest } = optimizer;
  const state: CheckpointStateFile = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, ...rest, optimizer: optimizerRest };
  const files = {
    [CHECKPOINT_FILES.model]: writeSafetensors(weights, { format: 'pt' }),
    [CHECKPOINT_FILES.optimizer]: writeSafetensors(buffers, { format: 'pt' }),
    [CHECKPOINT_FILES.state]: encodeJson(state),
  };
  return { epoch: state.epoch, step: state.step, files };
}

/** The manifest of `files`, as bytes: written last, it commits the checkpoint. */
export function encodeManifest(snapshot: CheckpointSnapshot, sequence: number): Uint8Array {
  const files: Record<string, { bytes: number; sha256: string }> = {};
  for (const [name, bytes] of Object.entries(snapshot.files)) {
    files[name] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
  }
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    sequence,
    epoch: snapshot.epoch,
    step: snapshot.step,
    files,
  };
  return encodeJson(manifest);
}

/** The directory name for a checkpoint at `step`: `ckpt-000012`, or `ckpt-000012-1` when taken. */
export function checkpointName(step: number, taken: ReadonlySet<string>): string {
  const base = `ckpt-${String(step).padStart(6, '0')}`;
  let name = base;
  for (let n = 1; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

/** What a directory holds: committed checkpoints (oldest first) and leftovers of interrupted writes. */
export interface DirectoryScan {
  readonly committed: CheckpointEntry[];
  /** Temp directories and `ckpt-…` directories without a valid manifest, to delete. */
  readonly leftovers: string[];
  /** Every name in the directory. */
  readonly names: Set<string>;
}

/** Reads the directory's listing and each `ckpt-…` manifest; a missing directory is empty. */
export async function scanCheckpoints(dir: string): Promise<DirectoryScan> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { committed: [], leftovers: [], names: new Set() };
    throw err;
  }
  const committed: CheckpointEntry[] = [];
  const leftovers: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.name.startsWith(TEMP_PREFIX)) {
      leftovers.push(path);
      continue;
    }
    if (!entry.isDirectory() || !COMMITTED_NAME.test(entry.name)) continue;
    try {
      const manifest = parseManifest(await readPart(path, CHECKPOINT_FILES.manifest), path);
      committed.push({ path, name: entry.name, sequence: manifest.sequence, epoch: manifest.epoch, step: manifest.step });
    } catch (err) {
      // No valid commit marker: torn, never a checkpoint. Other I/O errors are not evidence of that.
      if (!(err instanceof CheckpointError)) throw err;
      leftovers.push(path);
    }
  }
  committed.sort((a, b) => a.sequence - b.sequence);
  return { committed, leftovers, names: new Set(entries.map((e) => e.name)) };
}

/**
 * The committed checkpoints in `dir`, oldest first (by commit order). Their files are
 * verified only when read (`readCheckpoint`). A missing directory has none.
 *
 * @example
 * ```ts
 * import { listCheckpoints } from 'streamgrad/callbacks';
 * for (const c of await listCheckpoints('runs/mnist')) console.log(c.name, c.epoch, c.step);
 * ```
 */
export async function listCheckpoints(dir: string): Promise<CheckpointEntry[]> {
  return (await scanCheckpoints(dir)).committed;
}

/**
 * Reads one checkpoint directory and verifies it in full: the manifest, each file's size and
 * SHA-256, both safetensors files and `state.json`. Touches no model.
 *
 * @throws CheckpointError naming the directory and what is wrong; file system errors other
 *   than a missing file pass through.
 */
export async function readCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const manifest = parseManifest(await readPart(path, CHECKPOINT_FILES.manifest), path);
  const contents: Record<string, Uint8Array> = {};
  for (const name of [CHECKPOINT_FILES.model, CHECKPOINT_FILES.optimizer, CHECKPOINT_FILES.state]) {
    const expected = manifest.files[name];
    if (expected === undefined) throw new CheckpointError(`checkpoint ${path}: the manifest does not list ${name}`);
    const bytes = await readPart(path, name);
    if (bytes.byteLength !== expected.bytes) {
      throw new CheckpointError(`checkpoint ${path}: ${name} has ${bytes.byteLength} bytes, the manifest says ${expected.bytes}`);
    }
    if (sha256(bytes) !== expected.sha256) {
      throw new CheckpointError(`checkpoint ${path}: ${name} does not match its SHA-256 in the manifest (the file is corrupt)`);
    }
    contents[name] = bytes;
  }
  const weights = readSafetensors(contents[CHECKPOINT_FILES.model], { source: join(path, CHECKPOINT_FILES.model) }).tensors;
  const buffers = readSafetensors(contents[CHECKPOINT_FILES.optimizer], { source: join(path, CHECKPOINT_FILES.optimizer) }).tensors;
  const state = parseState(contents[CHECKPOINT_FILES.state], join(path, CHECKPOINT_FILES.state));
  const optimizer: OptimizerState = { ...state.optimizer, hyper: state.optimizer.hyper as OptimizerState['hyper'], buffers: buffers as Record<string, Tensor> };
  return { path, manifest, state, weights, optimizer };
}

async function readPart(path: string, name: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(join(path, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CheckpointError(`checkpoint ${path}: ${name} is missing`);
    throw err;
  }
}

function parseManifest(bytes: Uint8Array, path: string): CheckpointManifest {
  const where = `checkpoint ${path}: ${CHECKPOINT_FILES.manifest}`;
  const m = parseJson(bytes, where);
  checkHeader(m, where);
  const problems: string[] = [];
  for (const key of ['sequence', 'epoch', 'step']) {
    if (!isCount(m[key])) problems.push(`${key} must be an integer >= 0, found ${JSON.stringify(m[key])}`);
  }
  if (!isRecord(m.files)) problems.push('files must be an object');
  else {
    for (const [name, f] of Object.entries(m.files)) {
      if (!isRecord(f) || !isCount(f.bytes) || typeof f.sha256 !== 'string') problems.push(`files["${name}"] must be { bytes, sha256 }`);
    }
  }
  if (problems.length > 0) throw new CheckpointError(`${where}: ${problems.join('; ')}`);
  return m as unknown as CheckpointManifest;
}

function parseState(bytes: Uint8Array, where: string): CheckpointStateFile {
  const s = parseJson(bytes, where);
  checkHeader(s, where);
  const problems: string[] = [];
  if (!isCount(s.epoch)) problems.push(`epoch must be an integer >= 0, found ${JSON.stringify(s.epoch)}`);
  if (!isCount(s.step)) problems.push(`step must be an integer >= 0, found ${JSON.stringify(s.step)}`);
  const p = s.position;
  if (!isRecord(p) || !isCount(p.epoch) || !isCount(p.batch) || typeof p.lossSum !== 'number' || !isCount(p.samples) || !isRecord(p.metrics)) {
    problems.push('position must be { epoch, batch, lossSum, samples, metrics }');
  }
  if (!isRecord(s.callbackState)) problems.push('callbackState must be an object');
  if (!isRecord(s.randomState) || !Object.values(s.randomState).every(isRngState)) {
    problems.push('randomState must map module paths to { s: [4 unsigned 32-bit integers], spareNormal }');
  }
  const o = s.optimizer;
  if (!isRecord(o) || typeof o.kind !== 'string' || typeof o.lr !== 'number' || !isCount(o.step) || !isRecord(o.hyper)) {
    problems.push('optimizer must be { kind, lr, step, hyper }');
  }
  if (s.model !== null && !(isRecord(s.model) && typeof s.model.kind === 'string')) problems.push('model must be a layer config or null');
  if (problems.length > 0) throw new CheckpointError(`${where}: ${problems.join('; ')}`);
  return s as unknown as CheckpointStateFile;
}

function checkHeader(value: Record<string, unknown>, where: string): void {
  if (value.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`${where}: format must be "${CHECKPOINT_FORMAT}", found ${JSON.stringify(value.format)}`);
  }
  if (value.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(`${where}: version ${JSON.stringify(value.version)} is not supported (this reader knows version ${CHECKPOINT_VERSION})`);
  }
}

/**
 * JSON with non-finite numbers and −0 kept exact (a diverged loss is NaN, a best value may
 * be Infinity): they are written as `{ "$float": "NaN" }` and read back as numbers.
 */
export function encodeJson(value: unknown): Uint8Array {
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { $float: Object.is(v, -0) ? '-0' : String(v) } : v),
    1,
  );
  return new TextEncoder().encode(`${text}\n`);
}

function parseJson(bytes: Uint8Array, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes), (_key, v: unknown) =>
      isRecord(v) && typeof v.$float === 'string' && Object.keys(v).length === 1 ? Number(v.$float) : v,
    );
  } catch (err) {
    throw new CheckpointError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(value)) throw new CheckpointError(`${where}: expected a JSON object`);
  return value;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isRngState(value: unknown): boolean {
  if (!isRecord(value) || !Array.isArray(value.s) || value.s.length !== 4) return false;
  const words = value.s as unknown[];
  return words.every((w) => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w < 2 ** 32)
    && (value.spareNormal === null || value.spareNormal === undefined || typeof value.spareNormal === 'number');
}
