import * as T from '@typegrad/tensor';
import { record } from '../record.js';
import { Tensor } from '../tensor.js';
import { div, mul } from './elementwise.js';
import { expand, reshape } from './shape.js';

type Axes = number | readonly number[] | undefined;
export interface ReduceOptions {
  keepdims?: boolean;
}

/** Axes as sorted non-negative numbers (all axes when undefined). */
function resolveAxes(x: Tensor, axes: Axes): number[] {
  const rank = x.shape.length;
  const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : [...axes];
  return list.map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
}

/** Reshapes a reduced gradient so it broadcasts against the input again. */
function unreduce(g: Tensor, x: Tensor, axes: number[]): Tensor {
  return expand(reshape(g, T.reducedShape(x.shape, axes, true)), x.shape);
}

export function sum(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const value = T.sum(x.value, axes, options);
  const ax = resolveAxes(x, axes);
  return record('sum', [x], value, (g) => [unreduce(g, x, ax)]);
}

export function mean(x: Tensor, axes?: Axes, options: ReduceOptions = {}): Tensor {
  const ax = resolveAxes(x, axes);
  const count = ax.reduce((n, a) => n * x.shape[a], 1);
  return div(sum(x, ax, options), count);
}

/** max/min: the gradient goes to the extreme elements, split evenly among ties. */
function extreme(op: 'max' | 'min', x: Tensor, axes: Axes, options: ReduceOptions): Tensor {
  const value = T.reduce(op, x.value, axes, options);
  const ax = resolveAxes(x, axes);
  return record(op, [x], value, (g) => {
    const mask = T.tidy(() => {
      const hit = T.cast(T.equal(x.value, T.reduce(op, x.value, ax, { keepdims: true })), x.dtype);
      return T.div(hit, T.sum(hit, ax, { keepdims: true }));
    });
    return [mul(unreduce(g, x, ax), Tensor.constant(mask))];
  });
}

export const max = (x: Tensor, axes?: Axes, options: ReduceOptions = {}) => extreme('max', x, axes, options);
export const min = (x: Tensor, axes?: Axes, options: ReduceOptions = {}) => extreme('min', x, axes, options);

/** Not differentiable: returns a constant int32 Tensor. */
export const argmax = (x: Tensor, axis?: number, options?: ReduceOptions) =>
  Tensor.constant(T.argmax(x.value, axis, options));
export const argmin = (x: Tensor, axis?: number, options?: ReduceOptions) =>
  Tensor.constant(T.argmin(x.value, axis, options));
