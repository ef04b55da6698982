/**
 * Checking a saved `TbpttState` before `tbptt` loads it.
 * @internal
 * @packageDocumentation
 */
import { CheckpointError } from '../../models/index.js';
import { fmt } from './tbptt-pieces.js';
import type { Settings } from './tbptt-settings.js';
import type { PlainPiece, PlainTensor, TbpttState } from './tbptt-types.js';

/** Checks a `TbpttState` whole; throws a `CheckpointError` naming the first problem. @internal */
export function checkState(value: unknown, settings: Settings): TbpttState {
  const fail = (problem: string): never => {
    throw new CheckpointError(`tbptt.loadState: ${problem}`);
  };
  if (value === null || typeof value !== 'object') return fail(`expected a tbptt state object, found ${String(value)}`);
  const s = value as Record<string, unknown>;
  if (s.format !== 'streamgrad.tbptt' || s.version !== 1) return fail(`expected format 'streamgrad.tbptt' version 1, found ${String(s.format)} version ${String(s.version)}`);
  if (s.k1 !== settings.k1 || s.k2 !== settings.k2) {
    fail(`the state was saved with k1 = ${String(s.k1)}, k2 = ${String(s.k2)} but this operator has k1 = ${settings.k1}, k2 = ${settings.k2}`);
  }
  for (const key of ['epoch', 'windows', 'updates', 'samples']) {
    if (!Number.isInteger(s[key]) || (s[key] as number) < 0) fail(`${key} must be an integer >= 0, found ${String(s[key])}`);
  }
  if (typeof s.lossSum !== 'number') fail(`lossSum must be a number, found ${String(s.lossSum)}`);
  if (s.rows !== null && (!Number.isInteger(s.rows) || (s.rows as number) < 1)) fail(`rows must be null or an integer >= 1, found ${String(s.rows)}`);
  const rows = s.rows as number | null;
  const checkTensor = (where: string, t: unknown, axis: number): void => {
    const p = t as PlainTensor | null;
    if (p === null || typeof p !== 'object' || !Array.isArray(p.shape) || !Array.isArray(p.data)) return fail(`${where} must be { shape, data }`);
    if (!p.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`${where}.shape must be sizes, found ${JSON.stringify(p.shape)}`);
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (p.data.length !== size || !p.data.every((v) => typeof v === 'number')) fail(`${where} has ${p.data.length} values for shape ${fmt(p.shape)}`);
    if (rows !== null && p.shape[axis] !== rows) fail(`${where} has shape ${fmt(p.shape)} but the run has ${rows} rows (on axis ${axis})`);
  };
  if (s.carried !== null) {
    if (typeof s.carried !== 'object' || Array.isArray(s.carried)) fail('carried must be null or { name: { shape, data } }');
    for (const [key, t] of Object.entries(s.carried as object)) checkTensor(`carried.${key}`, t, settings.stateBatchAxis);
  }
  for (const list of ['history', 'pending'] as const) {
    if (!Array.isArray(s[list])) fail(`${list} must be an array of pieces`);
    (s[list] as unknown[]).forEach((piece, i) => {
      const p = piece as PlainPiece | null;
      if (p === null || typeof p !== 'object') return fail(`${list}[${i}] must be { x, y, reset }`);
      checkTensor(`${list}[${i}].x`, p.x, 0);
      checkTensor(`${list}[${i}].y`, p.y, 0);
      if (p.x.shape.length < 2 || p.y.shape.length < 2 || p.x.shape[1] !== p.y.shape[1] || p.x.shape[1] === 0) {
        fail(`${list}[${i}]: x ${fmt(p.x.shape)} and y ${fmt(p.y.shape)} must be [B, T, ...] with the same T >= 1`);
      }
      if (p.reset !== null && (!Array.isArray(p.reset) || p.reset.length !== p.x.shape[0])) fail(`${list}[${i}].reset must be null or one flag per row`);
    });
  }
  return s as unknown as TbpttState;
}
