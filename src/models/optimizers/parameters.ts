import { ArgumentError, Tensor } from '../../ops/index.js';

/** What an optimizer or a clipping function takes: a list of tensors, or a module (anything with `parameters()`). */
export type ParameterSource = readonly Tensor[] | { parameters(): Tensor[] };

/**
 * The parameter list behind a `ParameterSource`, checked: tensors only, none twice, and at
 * least one unless `allowEmpty`.
 */
export function resolveParameters(where: string, source: ParameterSource, allowEmpty = false): Tensor[] {
  let list: unknown;
  if (Array.isArray(source)) list = source;
  else if (source !== null && typeof source === 'object' && typeof (source as { parameters?: unknown }).parameters === 'function') {
    list = (source as { parameters(): Tensor[] }).parameters();
  }
  if (!Array.isArray(list)) {
    throw new ArgumentError(`${where}: params must be an array of tensors or a module with parameters(), found ${String(source)}`);
  }
  const seen = new Map<Tensor, number>();
  list.forEach((p: unknown, i) => {
    if (!(p instanceof Tensor)) throw new ArgumentError(`${where}: params[${i}] must be a Tensor, found ${typeof p}`);
    const first = seen.get(p);
    if (first !== undefined) throw new ArgumentError(`${where}: params[${i}] is the same tensor as params[${first}]`);
    seen.set(p, i);
  });
  if (list.length === 0 && !allowEmpty) throw new ArgumentError(`${where}: got an empty parameter list`);
  return [...(list as Tensor[])];
}
