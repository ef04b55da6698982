import type { Layer } from './layer.js';
import type { Module } from './module.js';

/** Parameter counts of a module: all, trainable and frozen (buffers are not parameters). */
export interface ParameterCount {
  readonly total: number;
  readonly trainable: number;
  readonly frozen: number;
}

/** Counts the parameters (elements of every parameter tensor) below `module`. */
export function countParameters(module: Module): ParameterCount {
  let total = 0;
  let trainable = 0;
  for (const p of module.parameters()) {
    total += p.size;
    if (p.requiresGrad) trainable += p.size;
  }
  return { total, trainable, frozen: total - trainable };
}

/**
 * A Keras-style table of a model's layers: name and kind, output shape (`N` for the batch),
 * parameter count, and the totals with trainable and frozen counts.
 */
export function summarize(model: Layer): string {
  const children = model.namedChildren() as [string, Layer][];
  const rows = (children.length > 0 ? children : [[model.name, model] as [string, Layer]]).map(([name, layer]) => {
    const count = countParameters(layer);
    const shape = layer.outputShape === null ? '(not built)' : `[N,${layer.outputShape.join(',')}]`;
    const frozen = count.total > 0 && count.trainable === 0 ? ' (frozen)' : '';
    return [`${name} ${layer.kind}`.trim(), shape, `${count.total.toLocaleString('en-US')}${frozen}`];
  });
  const header = ['Layer', 'Output shape', 'Params'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const rule = '─'.repeat(widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1));
  const total = countParameters(model);
  const input = model.inputShape === null ? '' : `Input shape: [N,${model.inputShape.join(',')}]\n`;
  return [
    `${input}${line(header)}`,
    rule,
    ...rows.map(line),
    rule,
    `Total params: ${total.total.toLocaleString('en-US')}`,
    `Trainable params: ${total.trainable.toLocaleString('en-US')}`,
    `Frozen params: ${total.frozen.toLocaleString('en-US')}`,
  ].join('\n');
}
