import { ArgumentError, Rng, ShapeError, Tensor } from '../ops/index.js';
import { Module } from './module.js';
import { summarize } from './summary.js';

/** What a container tells a layer when it builds it. */
export interface BuildContext {
  /** The RNG that initial weights are drawn from. */
  readonly rng: Rng;
  /**
   * The kind of the layer that follows, when known (sequential models know it), so a layer
   * can pick a default initializer suited to the activation after it (He before ReLU).
   */
  readonly next?: string;
}

/** The JSON form of a layer: its kind and the options that recreate it. */
export interface LayerConfig {
  readonly kind: string;
  readonly [option: string]: unknown;
}

// Set while a functional model traces its function to build the layers it uses.
let tracing: BuildContext | null = null;

/** Runs `fn` with layers that are not built yet building themselves on their first call. @internal */
export function traceBuild<T>(context: BuildContext, fn: () => T): T {
  const previous = tracing;
  tracing = context;
  try {
    return fn();
  } finally {
    tracing = previous;
  }
}

/**
 * A layer: a module with a forward function and shape inference. Layers are created with
 * their options only (Keras style, `dense(10)`); the input shape arrives when a model
 * builds them, which creates the parameters and fixes the output shape, so a model can be
 * summarized and validated before it sees data.
 *
 * Shapes exclude the batch dimension: a dense layer built for `[784]` takes `[N, 784]`.
 */
export abstract class Layer extends Module {
  /** The layer's kind, as in its factory's name (`'dense'`) and its JSON form. */
  abstract readonly kind: string;
  /** The name its container gave it (`'0'`, `'encoder'`); used in messages. */
  name = '';
  private builtInput: number[] | null = null;
  private builtOutput: number[] | null = null;

  /** The input shape (without batch) it was built for, or `null` before it is built. */
  get inputShape(): readonly number[] | null {
    return this.builtInput;
  }

  /** The output shape (without batch), or `null` before it is built. */
  get outputShape(): readonly number[] | null {
    return this.builtOutput;
  }

  /** True once `build` has run. */
  get built(): boolean {
    return this.builtOutput !== null;
  }

  /** `dense '0'`: how messages refer to this layer. */
  get label(): string {
    return this.name === '' ? this.kind : `${this.kind} '${this.name}'`;
  }

  /**
   * Creates the parameters for `inputShape` (without batch) and returns the output shape.
   * Building again for the same shape is a no-op; for another shape it is an error.
   */
  build(inputShape: readonly number[], context: BuildContext): number[] {
    if (this.builtInput !== null) {
      if (!sameShape(this.builtInput, inputShape)) {
        throw new ShapeError(
          `${this.label}: already built for input ${fmt(this.builtInput)}, cannot rebuild for ${fmt(inputShape)}`,
        );
      }
      return [...this.builtOutput!];
    }
    const output = this.setup([...inputShape], context);
    this.builtInput = [...inputShape];
    this.builtOutput = output;
    if (!this.training) this.eval();
    return [...output];
  }

  /**
   * Computes the layer on a batch `[N, ...inputShape]`. The batch shape is checked against
   * the built input shape; an unbuilt layer must be built first (by a model, or `build`).
   */
  forward(x: Tensor): Tensor {
    if (!(x instanceof Tensor)) {
      throw new ArgumentError(`${this.label}: forward expects a Tensor, found ${typeof x}`);
    }
    if (this.builtInput === null) {
      if (tracing === null) {
        throw new ArgumentError(
          `${this.label}: the layer is not built; put it in sequential(..., { inputShape }) or model(...), ` +
            'or call layer.build(inputShape, { rng })',
        );
      }
      this.build(x.shape.slice(1), tracing);
    }
    this.checkInput(x.shape);
    return this.call(x);
  }

  /**
   * Checks a batch's shape against the built input shape. Layers that accept other sizes
   * (fully convolutional layers, for instance) override it.
   */
  protected checkInput(shape: readonly number[]): void {
    const expected = this.builtInput!;
    if (shape.length !== expected.length + 1 || !sameShape(shape.slice(1), expected)) {
      throw new ShapeError(`${this.label}: expected input [N,${expected.join(',')}], found ${fmt(shape)}`);
    }
  }

  /** Creates parameters for this input shape and returns the output shape. */
  protected abstract setup(inputShape: number[], context: BuildContext): number[];

  /** The computation, on a batch already checked. */
  protected abstract call(x: Tensor): Tensor;

  /** The options that recreate this layer with its factory (without `kind`). */
  abstract config(): Record<string, unknown>;

  /**
   * A table of the layers, their output shapes and parameter counts, with totals of
   * trainable and frozen parameters (Keras' `model.summary()`).
   */
  summary(): string {
    return summarize(this);
  }

  /** The JSON form, `{ kind, ...options }`; `fromJSON` rebuilds the layer from it. */
  toJSON(): LayerConfig {
    return { kind: this.kind, ...this.config() };
  }

  /** `dense(units=10)`, for summaries and debugging. */
  override toString(): string {
    const options = Object.entries(this.config())
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
    return `${this.kind}(${options.join(', ')})`;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * A layer that works element by element (activations, dropout): it accepts a batch of any
 * size of the rank it was built for, so it fits into fully convolutional stacks.
 */
export abstract class ElementwiseLayer extends Layer {
  /** The output has the input's shape; override to validate options against the shape. */
  protected setup(inputShape: number[], _context?: BuildContext): number[] {
    return inputShape;
  }

  /** No options by default. */
  config(): Record<string, unknown> {
    return {};
  }

  protected override checkInput(shape: readonly number[]): void {
    const expected = this.inputShape!;
    if (shape.length !== expected.length + 1) {
      throw new ShapeError(`${this.label}: expected input of rank ${expected.length + 1} [N,${expected.join(',')}], found ${fmt(shape)}`);
    }
  }
}
