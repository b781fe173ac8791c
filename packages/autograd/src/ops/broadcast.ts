import type { Tensor } from '../tensor.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';

/** Sums a broadcast gradient back to `shape` (the adjoint of broadcasting). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const extra = g.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < extra || (shape[i - extra] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  return reshape(sum(g, axes, { keepdims: true }), shape);
}
