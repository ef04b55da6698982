import { describe, expect, test } from 'vitest';
import { add, backward, concat, mean, tensor, zeros } from '../../src/ops/index.js';
import { model } from '../../src/models/model.js';
import { sequential } from '../../src/models/sequential.js';
import { dense } from '../../src/models/layers/dense.js';
import { relu } from '../../src/models/layers/relu.js';
import { fromJSON } from '../../src/models/from-json.js';

describe('model (functional graphs)', () => {
  const skipNet = () =>
    model(
      { hidden: dense(8), act: relu(), head: dense(2), skip: dense(2) },
      (x, l) => add(l.head.forward(l.act.forward(l.hidden.forward(x))), l.skip.forward(x)),
      { inputShape: [3], seed: 1 },
    );

  test('parameters are named after the layers, as attributes of a PyTorch module would be', () => {
    expect(skipNet().namedParameters().map(([n]) => n)).toEqual([
      'hidden.weight', 'hidden.bias', 'head.weight', 'head.bias', 'skip.weight', 'skip.bias',
    ]);
  });

  test('the function is traced at construction, so shapes and the summary exist before data', () => {
    const net = skipNet();
    expect(net.outputShape).toEqual([2]);
    expect(net.summary()).toMatch(/hidden dense\s+\[N,8\]\s+32/);
    expect(net.summary()).toContain('Total params: 58'); // 32 + 18 + 8
  });

  test('tracing leaves grad mode, training mode and the layers untouched', () => {
    const net = skipNet();
    expect(net.training).toBe(true);
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    const y = net.forward(tensor([[1, 2, 3]]));
    expect(y.requiresGrad).toBe(true);
    backward(mean(y));
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
  });

  test('a layer used twice shares its weights and counts once', () => {
    const net = model({ shared: dense(3) }, (x, l) => l.shared.forward(l.shared.forward(x)), { inputShape: [3] });
    expect(net.parameters()).toHaveLength(2);
    expect(net.forward(zeros([2, 3])).shape).toEqual([2, 3]);
  });

  test('two branches joined with ops, with a sequential block inside', () => {
    const net = model(
      { left: sequential([dense(4), relu()]), right: dense(2) },
      (x, l) => concat([l.left.forward(x), l.right.forward(x)], 1),
      { inputShape: [5] },
    );
    expect(net.outputShape).toEqual([6]);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['left.0.weight', 'left.0.bias', 'right.weight', 'right.bias']);
  });

  test('a layer the function never calls is an error at construction', () => {
    expect(() => model({ a: dense(2), b: dense(2) }, (x, l) => l.a.forward(x), { inputShape: [2] })).toThrow(
      "model: layers 'b' are never called by the function",
    );
  });

  test('a functional model serializes its layers but cannot be rebuilt from JSON', () => {
    const json = skipNet().toJSON();
    expect(json.kind).toBe('model');
    expect(Object.keys(json.layers as object)).toEqual(['hidden', 'act', 'head', 'skip']);
    expect(() => fromJSON(json)).toThrow('a functional model is code: rebuild it with model(...)');
  });
});
