import { ArgumentError, Tensor, type RngState } from '../ops/index.js';
import { CheckpointError } from './errors.js';

/** Named tensors, in registration order: what `stateDict()` returns and `loadStateDict()` takes. */
export type StateDict = Record<string, Tensor>;

/**
 * The base of layers and models, after PyTorch's `nn.Module`: a module owns parameters
 * (tensors that learn), buffers (state that is saved but not learned, such as batch norm's
 * running mean) and child modules, each registered under a name. Names compose with dots,
 * so a parameter's full name (`0.weight`, `block.1.running_mean`) is what PyTorch would call it.
 */
export abstract class Module {
  /** True in training mode (dropout active, batch norm uses batch statistics). */
  training = true;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly ownBuffers = new Map<string, Tensor>();
  private readonly ownChildren = new Map<string, Module>();

  /** Registers (or replaces) a learnable parameter; it gets `requiresGrad = true`. */
  protected registerParameter(name: string, value: Tensor): Tensor {
    value.requiresGrad = true;
    this.ownParameters.set(name, value);
    return value;
  }

  /** Registers (or replaces) a buffer: saved in the state dict, never trained. */
  protected registerBuffer(name: string, value: Tensor): Tensor {
    value.requiresGrad = false;
    this.ownBuffers.set(name, value);
    return value;
  }

  /** Registers a child module under `name` (an index for sequential models). */
  protected registerModule<M extends Module>(name: string, child: M): M {
    this.ownChildren.set(name, child);
    return child;
  }

  /** Direct children with their names. */
  namedChildren(): [string, Module][] {
    return [...this.ownChildren];
  }

  /** Every parameter of this module and its descendants, with dotted PyTorch-style names. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.ownParameters) out.push([prefix + name, p]);
    for (const [name, child] of this.ownChildren) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /** Every parameter, in the order of `namedParameters()`. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** The parameters that are not frozen (`requiresGrad`), which is what optimizers update. */
  trainableParameters(): Tensor[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  /** Every buffer of this module and its descendants, with dotted names. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, b] of this.ownBuffers) out.push([prefix + name, b]);
    for (const [name, child] of this.ownChildren) out.push(...child.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  /**
   * The states of the random generators owned by modules below this one (dropout masks),
   * by module path (`''` for this module itself): what a checkpoint saves so a resumed run
   * draws the same masks.
   */
  randomState(prefix = ''): Record<string, RngState> {
    const out: Record<string, RngState> = {};
    const own = this as unknown as { rngState?: () => RngState };
    if (typeof own.rngState === 'function') {
      try {
        out[prefix.replace(/\.$/, '')] = own.rngState();
      } catch {
        // an unbuilt layer has no generator yet
      }
    }
    for (const [name, child] of this.ownChildren) Object.assign(out, child.randomState(`${prefix}${name}.`));
    return out;
  }

  /** Restores states from `randomState()`; unknown paths are an error, and nothing changes then. */
  loadRandomState(states: Record<string, RngState>): void {
    const targets = new Map<string, { setRngState: (s: RngState) => void }>();
    const visit = (module: Module, path: string): void => {
      const own = module as unknown as { setRngState?: (s: RngState) => void };
      if (typeof own.setRngState === 'function') targets.set(path, own as { setRngState: (s: RngState) => void });
      for (const [name, child] of module.ownChildren) visit(child, path === '' ? name : `${path}.${name}`);
    };
    visit(this, '');
    const unknown = Object.keys(states).filter((k) => !targets.has(k));
    if (unknown.length > 0) {
      throw new CheckpointError(`loadRandomState: no module with a random generator at ${unknown.map((k) => `'${k}'`).join(', ')}`);
    }
    for (const [path, state] of Object.entries(states)) targets.get(path)!.setRngState(state);
  }

  /**
   * Whether this module's parameters learn. Setting it to `false` freezes every parameter
   * below this module (no gradient, no update), for transfer learning; `true` unfreezes.
   * Reads `true` when any parameter below is trainable.
   */
  get trainable(): boolean {
    const params = this.parameters();
    return params.length === 0 || params.some((p) => p.requiresGrad);
  }

  set trainable(value: boolean) {
    for (const p of this.parameters()) {
      p.requiresGrad = value;
      if (!value) p.grad = null;
    }
  }

  /** Switches this module and all below it to training mode. Returns `this`. */
  train(): this {
    return this.setMode(true);
  }

  /** Switches this module and all below it to evaluation mode. Returns `this`. */
  eval(): this {
    return this.setMode(false);
  }

  private setMode(training: boolean): this {
    this.training = training;
    for (const [, child] of this.ownChildren) child.setMode(training);
    return this;
  }

  /**
   * Parameters and buffers by full name, in PyTorch's order (each module's parameters, then
   * its buffers, then its children's). The tensors are the live ones, not copies.
   */
  stateDict(prefix = ''): StateDict {
    const out: StateDict = {};
    for (const [name, p] of this.ownParameters) out[prefix + name] = p;
    for (const [name, b] of this.ownBuffers) out[prefix + name] = b;
    for (const [name, child] of this.ownChildren) Object.assign(out, child.stateDict(`${prefix}${name}.`));
    return out;
  }

  /**
   * Copies values from `state` into this module's parameters and buffers. Every name and
   * shape is checked first and all mismatches are reported in one `CheckpointError`; when
   * anything does not fit, nothing is changed.
   *
   * @param opts.strict - require exactly the same names (default). With `false`, missing
   *   and unexpected names are allowed, but shapes must still match.
   */
  loadStateDict(state: StateDict, opts: { strict?: boolean } = {}): void {
    const strict = opts.strict ?? true;
    if (state === null || typeof state !== 'object') {
      throw new ArgumentError(`loadStateDict: expected an object of named tensors, found ${String(state)}`);
    }
    const own = this.stateDict();
    const problems: string[] = [];
    for (const [name, target] of Object.entries(own)) {
      const source = state[name];
      if (source === undefined) {
        if (strict) problems.push(`missing ${name} ${fmt(target.shape)}`);
        continue;
      }
      if (!(source instanceof Tensor)) {
        problems.push(`${name}: expected a Tensor, found ${typeof source}`);
      } else if (source.shape.length !== target.shape.length || source.shape.some((d, i) => d !== target.shape[i])) {
        problems.push(`${name}: shape ${fmt(source.shape)} does not match the model's ${fmt(target.shape)}`);
      }
    }
    if (strict) {
      for (const name of Object.keys(state)) {
        if (!(name in own)) problems.push(`unexpected ${name} ${fmt(state[name]?.shape ?? [])}`);
      }
    }
    if (problems.length > 0) {
      throw new CheckpointError(`loadStateDict: the state dict does not fit the model:\n  ${problems.join('\n  ')}`);
    }
    for (const [name, target] of Object.entries(own)) {
      const source = state[name];
      if (source !== undefined) target.data.set(source.data);
    }
  }
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
