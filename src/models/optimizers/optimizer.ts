import { ArgumentError, ShapeError, Tensor, noGrad } from '../../ops/index.js';
import { CheckpointError } from '../errors.js';
import { type Hyperparameters, checkLr } from './hyperparameters.js';
import { type ParameterSource, resolveParameters } from './parameters.js';

export type { Hyperparameters } from './hyperparameters.js';
export type { ParameterSource } from './parameters.js';

/**
 * A serializable snapshot of an optimizer, from `opt.state()`. Buffers are named
 * `<parameter index>.<PyTorch state key>` (`0.exp_avg`, `3.momentum_buffer`, `1.step`) and
 * are copies. A parameter that never received a gradient has no buffers yet, as in PyTorch.
 */
export interface OptimizerState {
  /** The optimizer's kind: `'sgd'`, `'adam'`, `'adamw'`, `'adagrad'`, `'rmsprop'`, `'adadelta'`. */
  kind: string;
  /** The learning rate at the time of the snapshot (schedules change it). */
  lr: number;
  /** How many times `step()` has run. */
  step: number;
  /** The other hyperparameters, by option name (`momentum`, `beta1`, `weightDecay`, ...). */
  hyper: Hyperparameters;
  /** Per-parameter state, e.g. `0.exp_avg`; a `step` buffer is a scalar (shape `[]`). */
  buffers: Record<string, Tensor>;
}

/** One parameter's state: PyTorch's state keys to values. `step` is a one-element array. */
export type Slots = Record<string, Float32Array>;

/**
 * The base of every optimizer, after `torch.optim.Optimizer`. It holds the parameter list,
 * the learning rate, the step count and each parameter's state; a subclass supplies the
 * update rule for one parameter (`update`), the names of its state buffers (`slotKeys`)
 * and the checks on its hyperparameters (`check`).
 *
 * `step()` skips a parameter that is frozen (`requiresGrad` false) or has no gradient
 * (`grad` null): it gets no update, no weight decay and no state, as in PyTorch.
 *
 * @example
 * ```ts
 * import { backward } from 'streamgrad/ops';
 * import { adam, crossEntropy } from 'streamgrad/models';
 * const opt = adam(net, { lr: 1e-3 });
 * for (const { x, y } of batches) {
 *   opt.zeroGrad();
 *   backward(crossEntropy(net.forward(x), y));
 *   opt.step();
 * }
 * const saved = opt.state();          // later: adam(net).loadState(saved) resumes exactly
 * ```
 */
export abstract class Optimizer<H extends Hyperparameters = Hyperparameters> {
  /** The optimizer's kind, as in its factory's name (`'adam'`); used in messages and in `state()`. */
  readonly kind: string;
  /** The parameters, in the order given; buffer names use these indices. */
  readonly params: readonly Tensor[];
  private settings: H;
  private rate: number;
  private steps = 0;
  private slots: (Slots | undefined)[];

  protected constructor(kind: string, params: ParameterSource, lr: unknown, hyper: H) {
    this.kind = kind;
    this.params = resolveParameters(kind, params);
    const problems = [...checkLr(lr), ...this.check(hyper)];
    if (problems.length > 0) throw new ArgumentError(`${kind}: ${problems.join('; ')}`);
    this.rate = lr as number;
    this.settings = { ...hyper };
    this.slots = this.params.map(() => undefined);
  }

  /** The state keys each parameter gets under these hyperparameters (`['step', 'exp_avg', ...]`). */
  protected abstract slotKeys(hyper: H): readonly string[];

  /** The problems with these hyperparameters, each as `name must be ..., found ...`; empty when valid. */
  protected abstract check(hyper: H): string[];

  /**
   * Updates one parameter in place. `theta` and `grad` are its values and gradient, `slots`
   * its state (just created, zero-filled, when `fresh`).
   */
  protected abstract update(theta: Float32Array, grad: Float32Array, slots: Slots, fresh: boolean): void;

  /** Fills a parameter's state the first time it is updated. The default leaves zeros. */
  protected initSlots(_slots: Slots): void {}

  /** The learning rate. Set it between steps to schedule it; it must be a finite number >= 0. */
  get lr(): number {
    return this.rate;
  }

  set lr(value: number) {
    const problems = checkLr(value);
    if (problems.length > 0) throw new ArgumentError(`${this.kind}: ${problems[0]}`);
    this.rate = value;
  }

  /** How many times `step()` has run. */
  get stepCount(): number {
    return this.steps;
  }

  /** The hyperparameters other than `lr` (a copy). */
  get hyper(): Readonly<H> {
    return { ...this.settings };
  }

  /** Sets every parameter's gradient to `null` (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /**
   * Applies one update to every trainable parameter that has a gradient, in place. All
   * gradient shapes are checked before any value changes.
   */
  step(): void {
    const active: number[] = [];
    this.params.forEach((p, i) => {
      if (!p.requiresGrad || p.grad === null) return;
      if (!sameShape(p.grad.shape, p.shape)) {
        throw new ShapeError(
          `${this.kind}: the gradient of parameter ${i} has shape ${fmt(p.grad.shape)} but the parameter has shape ${fmt(p.shape)}`,
        );
      }
      active.push(i);
    });
    noGrad(() => {
      for (const i of active) {
        const p = this.params[i];
        const existing = this.slots[i];
        const slots = existing ?? this.createSlots(p);
        this.slots[i] = slots;
        this.update(p.data, p.grad!.data, slots, existing === undefined);
      }
    });
    this.steps += 1;
  }

  /** A snapshot to save and later pass to `loadState`: lr, step count, hyperparameters and copied buffers. */
  state(): OptimizerState {
    const buffers: Record<string, Tensor> = {};
    this.slots.forEach((slots, i) => {
      if (slots === undefined) return;
      for (const [key, values] of Object.entries(slots)) {
        buffers[`${i}.${key}`] = new Tensor(values.slice(), this.slotShape(key, i));
      }
    });
    return { kind: this.kind, lr: this.rate, step: this.steps, hyper: { ...this.settings }, buffers };
  }

  /**
   * Restores a snapshot from `state()`, so training continues exactly where it stopped:
   * lr, step count, hyperparameters (the saved ones win, as in PyTorch) and buffers (copied).
   * Everything is checked first (kind, lr, step, each hyperparameter, buffer names, shapes,
   * and that a parameter has all of its buffers or none); on any mismatch a `CheckpointError`
   * lists every problem and nothing changes.
   */
  loadState(s: OptimizerState): void {
    const where = `${this.kind}.loadState`;
    if (s === null || typeof s !== 'object') {
      throw new CheckpointError(`${where}: expected an optimizer state object, found ${String(s)}`);
    }
    const problems: string[] = [];
    if (s.kind !== this.kind) problems.push(`kind '${String(s.kind)}' does not match this optimizer's '${this.kind}'`);
    problems.push(...checkLr(s.lr));
    if (typeof s.step !== 'number' || !Number.isInteger(s.step) || s.step < 0) {
      problems.push(`step must be an integer >= 0, found ${String(s.step)}`);
    }
    const hyper = this.readHyper(s.hyper, problems);
    const slots = this.readBuffers(s.buffers, hyper ?? this.settings, problems);
    if (problems.length > 0) {
      throw new CheckpointError(`${where}: the state does not fit this optimizer:\n  ${problems.join('\n  ')}`);
    }
    this.rate = s.lr;
    this.steps = s.step;
    this.settings = hyper!;
    this.slots = slots;
  }

  private createSlots(p: Tensor): Slots {
    const slots: Slots = {};
    for (const key of this.slotKeys(this.settings)) {
      slots[key] = new Float32Array(key === 'step' ? 1 : p.size);
    }
    this.initSlots(slots);
    return slots;
  }

  private slotShape(key: string, index: number): readonly number[] {
    return key === 'step' ? [] : this.params[index].shape;
  }

  private readHyper(raw: unknown, problems: string[]): H | null {
    if (raw === null || typeof raw !== 'object') {
      problems.push(`hyper must be an object of hyperparameters, found ${String(raw)}`);
      return null;
    }
    const given = raw as Record<string, unknown>;
    const before = problems.length;
    for (const [name, own] of Object.entries(this.settings)) {
      if (!(name in given)) problems.push(`missing hyper.${name}`);
      else if (typeof given[name] !== typeof own) {
        problems.push(`hyper.${name} must be a ${typeof own}, found ${String(given[name])}`);
      }
    }
    for (const name of Object.keys(given)) {
      if (!(name in this.settings)) problems.push(`unexpected hyper.${name}`);
    }
    if (problems.length > before) return null;
    const hyper = { ...given } as H;
    const invalid = this.check(hyper);
    problems.push(...invalid.map((p) => `hyper.${p}`));
    return invalid.length > 0 ? null : hyper;
  }

  private readBuffers(raw: unknown, hyper: H, problems: string[]): (Slots | undefined)[] {
    const slots: (Slots | undefined)[] = this.params.map(() => undefined);
    if (raw === null || typeof raw !== 'object') {
      problems.push(`buffers must be an object of named tensors, found ${String(raw)}`);
      return slots;
    }
    const keys = this.slotKeys(hyper);
    const named: Set<string>[] = this.params.map(() => new Set());
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      const match = /^(\d+)\.(.+)$/.exec(name);
      if (match === null || !keys.includes(match[2])) {
        const expected = keys.length === 0 ? 'this optimizer keeps none' : `expected ${keys.map((k) => `<index>.${k}`).join(', ')}`;
        problems.push(`unexpected buffer ${name} (${expected})`);
        continue;
      }
      const index = Number(match[1]);
      const key = match[2];
      if (index >= this.params.length) {
        problems.push(`buffer ${name}: there is no parameter ${index} (this optimizer has ${this.params.length})`);
        continue;
      }
      named[index].add(key);
      const shape = this.slotShape(key, index);
      if (!(value instanceof Tensor)) {
        problems.push(`buffer ${name}: expected a Tensor, found ${typeof value}`);
      } else if (!sameShape(value.shape, shape)) {
        problems.push(`buffer ${name}: shape ${fmt(value.shape)} does not match the expected ${fmt(shape)}`);
      } else {
        const own = slots[index] ?? {};
        own[key] = value.data.slice();
        slots[index] = own;
      }
    }
    named.forEach((found, i) => {
      if (found.size === 0) return;
      const missing = keys.filter((k) => !found.has(k));
      if (missing.length > 0) problems.push(`parameter ${i} has some buffers but not ${missing.map((k) => `${i}.${k}`).join(', ')}`);
    });
    return slots;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
