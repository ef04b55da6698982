import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ArgumentError, ShapeError, Tensor, backward, sum, tensor, mul } from '../../../src/ops/index.js';
import { arbTensor } from '../../../src/testing/index.js';
import { CheckpointError } from '../../../src/models/errors.js';
import { sequential } from '../../../src/models/sequential.js';
import { dense } from '../../../src/models/layers/dense.js';
import type { Optimizer } from '../../../src/models/optimizers/optimizer.js';
import { adadelta, adagrad, adam, adamw, rmsprop, sgd } from '../../../src/models/optimizers/index.js';
import { start, stepWith } from './helpers.js';

const all: [string, (params: Tensor[]) => Optimizer][] = [
  ['sgd', (p) => sgd(p, { lr: 0.1, momentum: 0.9, weightDecay: 0.1 })],
  ['adam', (p) => adam(p, { weightDecay: 0.1 })],
  ['adamw', (p) => adamw(p)],
  ['adagrad', (p) => adagrad(p, { weightDecay: 0.1 })],
  ['rmsprop', (p) => rmsprop(p, { momentum: 0.9, centered: true, weightDecay: 0.1 })],
  ['adadelta', (p) => adadelta(p, { weightDecay: 0.1 })],
];

function param(values: number[]): Tensor {
  return tensor(values, undefined, { requiresGrad: true });
}

/** An Adam optimizer over θ [2] and φ [3] after one step on both. */
function steppedAdam(): { opt: Optimizer; theta: Tensor; phi: Tensor } {
  const theta = param([1, 2]);
  const phi = param([1, 2, 3]);
  const opt = adam([theta, phi], { lr: 0.1 });
  theta.grad = tensor([1, -1]);
  phi.grad = tensor([1, 1, 1]);
  opt.step();
  return { opt, theta, phi };
}

describe('Optimizer: parameters and steps', () => {
  test.each(all)('%s leaves frozen parameters and parameters without a gradient untouched, with no state', (_, make) => {
    const frozen = param([1, 2]);
    const noGrad = param([3, 4]);
    const live = param([5, 6]);
    const opt = make([frozen, noGrad, live]);
    frozen.requiresGrad = false;
    frozen.grad = tensor([1, 1]);
    live.grad = tensor([1, 1]);
    opt.step();
    expect(Array.from(frozen.data)).toEqual([1, 2]);
    expect(Array.from(noGrad.data)).toEqual([3, 4]);
    expect(Array.from(live.data)).not.toEqual([5, 6]);
    expect(Object.keys(opt.state().buffers).every((name) => name.startsWith('2.'))).toBe(true);
  });

  test.each(all)('%s with lr = 0 leaves every parameter unchanged', (_, make) => {
    const p = param([1, -2]);
    const opt = make([p]);
    opt.lr = 0;
    stepWith(opt, p, [0.5, 3]);
    expect(Array.from(p.data)).toEqual([1, -2]);
  });

  test('accepts a model, whose parameters() it updates; a frozen layer (trainable = false) is skipped', () => {
    const net = sequential([dense(3), dense(1)], { inputShape: [2] });
    const opt = sgd(net, { lr: 0.1 });
    expect(opt.params).toEqual(net.parameters());
    const frozen = net.parameters().slice(0, 2).map((p) => p.data.slice());
    net.namedChildren()[0][1].trainable = false;
    backward(sum(net.forward(tensor([[1, 2]]))));
    opt.step();
    net.parameters().slice(0, 2).forEach((p, i) => expect(p.data).toEqual(frozen[i]));
  });

  test('zeroGrad sets every gradient to null; stepCount counts steps', () => {
    const p = param([1, 2]);
    const opt = sgd([p], { lr: 0.1 });
    backward(sum(mul(p, p)));
    expect(p.grad).not.toBeNull();
    opt.step();
    opt.step();
    expect(opt.stepCount).toBe(2);
    opt.zeroGrad();
    expect(p.grad).toBeNull();
  });

  test.prop([arbTensor({ rank: [1, 3] }), fc.double({ min: 0, max: 10, noNaN: true })], { numRuns: 30 })(
    'for any gradient g and lr γ, a plain SGD step gives θ − γg (float32)',
    (g, lr) => {
      const p = new Tensor(new Float32Array(g.size).fill(1), g.shape, true);
      const opt = sgd([p], { lr });
      p.grad = g;
      opt.step();
      g.data.forEach((gi, i) => expect(p.data[i]).toBe(Math.fround(1 - lr * gi)));
    },
  );

  test('a gradient of the wrong shape throws a ShapeError naming the optimizer, before any parameter changes', () => {
    const ok = param([1, 2]);
    const bad = param([1, 2, 3]);
    const opt = sgd([ok, bad], { lr: 0.1 });
    ok.grad = tensor([1, 1]);
    bad.grad = tensor([1, 1]);
    expect(() => opt.step()).toThrow(ShapeError);
    expect(() => opt.step()).toThrow(/^sgd: the gradient of parameter 1 has shape \[2\] but the parameter has shape \[3\]$/);
    expect(Array.from(ok.data)).toEqual([1, 2]);
    expect(opt.stepCount).toBe(0);
  });

  test.each([
    [[], /^sgd: got an empty parameter list$/],
    [[1], /^sgd: params\[0\] must be a Tensor, found number$/],
    ['weights', /^sgd: params must be an array of tensors or a module with parameters\(\), found weights$/],
  ])('bad params throw an ArgumentError: %o', (params, message) => {
    expect(() => sgd(params as never, { lr: 0.1 })).toThrow(ArgumentError);
    expect(() => sgd(params as never, { lr: 0.1 })).toThrow(message);
  });

  test('the same tensor twice in params is an error (it would be updated twice)', () => {
    const p = start();
    expect(() => adam([p, start(), p])).toThrow(/^adam: params\[2\] is the same tensor as params\[0\]$/);
  });

  test('options must be an object with known names and values of the right type', () => {
    expect(() => adam([start()], 0.1 as never)).toThrow(/^adam: options must be an object, found 0.1$/);
    expect(() => sgd([start()], { lr: 0.1, nesterov: 'yes' } as never)).toThrow(/^sgd: nesterov must be a boolean, found yes$/);
    expect(() => sgd([start()], { lr: 0.1, momentum: '0.9' } as never)).toThrow(/^sgd: momentum must be a number, found 0.9$/);
    expect(() => sgd([start()], { lr: 0.1, learningRate: 0.1 } as never)).toThrow(
      /^sgd: unknown option 'learningRate' \(expected one of lr, momentum, dampening, nesterov, weightDecay\)$/,
    );
  });
});

describe('Optimizer: lr', () => {
  test('lr is read/write and the next step uses the new value', () => {
    const p = param([1]);
    const opt = sgd([p], { lr: 0.1 });
    opt.lr = 0.5;
    expect(opt.lr).toBe(0.5);
    stepWith(opt, p, [1]);
    expect(p.data[0]).toBe(0.5);
  });

  test.each([NaN, -0.1, Infinity])('setting lr to %s throws naming the optimizer and keeps the old value', (value) => {
    const opt = adam([start()], { lr: 0.01 });
    expect(() => {
      opt.lr = value;
    }).toThrow(new ArgumentError(`adam: lr must be a finite number >= 0, found ${value}`));
    expect(opt.lr).toBe(0.01);
  });
});

describe('Optimizer: state and loadState', () => {
  test('state() has kind, lr, step, hyper and buffers named <index>.<PyTorch key>, step as a scalar', () => {
    const { opt } = steppedAdam();
    const s = opt.state();
    expect({ kind: s.kind, lr: s.lr, step: s.step, hyper: s.hyper }).toEqual({
      kind: 'adam',
      lr: 0.1,
      step: 1,
      hyper: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false },
    });
    expect(Object.keys(s.buffers)).toEqual(['0.step', '0.exp_avg', '0.exp_avg_sq', '1.step', '1.exp_avg', '1.exp_avg_sq']);
    expect(s.buffers['0.step'].shape).toEqual([]);
    expect(s.buffers['1.exp_avg'].shape).toEqual([3]);
    expect(JSON.parse(JSON.stringify({ ...s, buffers: {} }))).toEqual({ ...s, buffers: {} });
  });

  test('state() returns copies: changing them or stepping on does not touch the other', () => {
    const { opt, theta } = steppedAdam();
    const s = opt.state();
    const saved = Array.from(s.buffers['0.exp_avg'].data);
    s.buffers['0.exp_avg_sq'].data.fill(123);
    theta.grad = tensor([5, 5]);
    opt.step();
    expect(Array.from(s.buffers['0.exp_avg'].data)).toEqual(saved);
    expect(Array.from(opt.state().buffers['0.exp_avg_sq'].data)).not.toContain(123);
  });

  test('state() then loadState() into a fresh optimizer reproduces state() exactly, hyperparameters included', () => {
    const { opt, theta, phi } = steppedAdam();
    const fresh = adam([theta, phi], { lr: 0.5, beta1: 0.5, amsgrad: false });
    fresh.loadState(opt.state());
    expect(fresh.state()).toEqual(opt.state());
    expect(fresh.hyper.beta1).toBe(0.9);
    expect(fresh.lr).toBe(0.1);
    expect(fresh.stepCount).toBe(1);
  });

  test('a state that does not fit throws one CheckpointError listing every problem, and changes nothing', () => {
    const { opt } = steppedAdam();
    const target = adam([param([0, 0]), param([0, 0, 0])], { lr: 0.3 });
    const before = target.state();
    const bad = opt.state();
    bad.lr = -1;
    bad.step = 1.5;
    bad.hyper = { ...bad.hyper, beta1: 1, momentum: 0.9 };
    delete (bad.hyper as Record<string, unknown>).eps;
    bad.buffers['0.exp_avg'] = tensor([1, 2, 3]);
    bad.buffers['0.foo'] = tensor([1, 2]);
    bad.buffers['7.exp_avg'] = tensor([1, 2]);
    delete bad.buffers['1.exp_avg_sq'];
    expect(() => target.loadState(bad)).toThrow(CheckpointError);
    let message = '';
    try {
      target.loadState(bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'adam.loadState: the state does not fit this optimizer:',
      '  lr must be a finite number >= 0, found -1',
      '  step must be an integer >= 0, found 1.5',
      '  missing hyper.eps',
      '  unexpected hyper.momentum',
      '  buffer 0.exp_avg: shape [3] does not match the expected [2]',
      '  unexpected buffer 0.foo (expected <index>.step, <index>.exp_avg, <index>.exp_avg_sq)',
      '  buffer 7.exp_avg: there is no parameter 7 (this optimizer has 2)',
      '  parameter 1 has some buffers but not 1.exp_avg_sq',
    ]);
    expect(target.state()).toEqual(before);
  });

  test('loadState rejects another optimizer’s kind, invalid hyperparameter values and non-tensor buffers', () => {
    const s = sgd([start()], { lr: 0.1 }).state();
    expect(() => adam([start()]).loadState(s)).toThrow(/adam.loadState: .*\n {2}kind 'sgd' does not match this optimizer's 'adam'/);
    const { opt } = steppedAdam();
    const bad = opt.state();
    bad.hyper.beta2 = 2;
    bad.hyper.amsgrad = 1 as never;
    bad.buffers['0.step'] = [1] as never;
    expect(() => adam([param([0, 0]), param([0, 0, 0])]).loadState(bad)).toThrow(
      /\n {2}hyper.amsgrad must be a boolean, found 1\n {2}buffer 0.step: expected a Tensor, found object$/,
    );
    bad.hyper.amsgrad = false;
    bad.buffers['0.step'] = tensor(1);
    expect(() => adam([param([0, 0]), param([0, 0, 0])]).loadState(bad)).toThrow(
      /\n {2}hyper.beta2 must be in \[0, 1\), found 2$/,
    );
    expect(() => adam([start()]).loadState(null as never)).toThrow(
      new CheckpointError('adam.loadState: expected an optimizer state object, found null'),
    );
  });

  test('buffer names follow the loaded hyperparameters: momentum_buffer is unexpected without momentum', () => {
    const p = param([1, 2]);
    const withMomentum = sgd([p], { lr: 0.1, momentum: 0.9 });
    stepWith(withMomentum, p, [1, 1]);
    const s = withMomentum.state();
    s.hyper.momentum = 0;
    expect(() => sgd([p], { lr: 0.1 }).loadState(s)).toThrow(
      /\n {2}unexpected buffer 0.momentum_buffer \(this optimizer keeps none\)$/,
    );
  });
});
