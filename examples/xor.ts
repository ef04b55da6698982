/**
 * The smallest real example: a 2-8-1 network learns XOR with plain gradient descent, using
 * only tensors, ops and autograd. Run it with `npm run demo` or `npx tsx examples/xor.ts`.
 * Exits with status 1 if the network has not learned XOR, so CI notices.
 */
import {
  Rng,
  abs,
  add,
  backward,
  exp,
  log,
  matmul,
  maximum,
  mean,
  mul,
  neg,
  noGrad,
  randn,
  sigmoid,
  sub,
  tanh,
  tensor,
  zeros,
  type Tensor,
} from 'streamgrad';

/**
 * Mean binary cross-entropy between `sigmoid(logits)` and 0/1 targets, in the stable form
 * `max(z, 0) − z·y + log(1 + e^(−|z|))`.
 */
function binaryCrossEntropyFromLogits(logits: Tensor, targets: Tensor): Tensor {
  const softplusOfMinusAbs = log(add(exp(neg(abs(logits))), 1));
  return mean(add(sub(maximum(logits, 0), mul(logits, targets)), softplusOfMinusAbs));
}

const rng = new Rng(42);
const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const y = tensor([[0], [1], [1], [0]]);

// Xavier/Glorot-scaled normal weights, PyTorch layout [in, out] here since we compute x·W.
const w1 = randn([2, 8], rng, { std: Math.sqrt(2 / (2 + 8)), requiresGrad: true });
const b1 = zeros([8], { requiresGrad: true });
const w2 = randn([8, 1], rng, { std: Math.sqrt(2 / (8 + 1)), requiresGrad: true });
const b2 = zeros([1], { requiresGrad: true });
const params = [w1, b1, w2, b2];

const forward = (input: Tensor): Tensor => add(matmul(tanh(add(matmul(input, w1), b1)), w2), b2);

const lr = 0.5;
let loss = 0;
for (let step = 0; step <= 1000; step++) {
  const l = binaryCrossEntropyFromLogits(forward(x), y);
  loss = l.item();
  for (const p of params) p.grad = null;
  backward(l);
  noGrad(() => {
    for (const p of params) p.data.set(sub(p, mul(p.grad!, lr)).data);
  });
  if (step % 200 === 0) console.log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}`);
}

const predictions = noGrad(() => sigmoid(forward(x)));
console.log('predictions for 00, 01, 10, 11:', Array.from(predictions.data, (p) => p.toFixed(3)).join('  '));
const learned = predictions.data.every((p, i) => Math.round(p) === y.data[i]);
console.log(learned ? 'XOR learned.' : 'XOR NOT learned.');
process.exitCode = learned ? 0 : 1;
