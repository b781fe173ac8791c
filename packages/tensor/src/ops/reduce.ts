import type { ArgReduceOp, ReduceOp } from '../backend.js';
import { type DType, isFloat } from '../dtype.js';
import { fmtShape, ShapeError } from '../errors.js';
import { getKernel } from '../kernels.js';
import { NDArray } from '../ndarray.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import { div } from './elementwise.js';
import { sameBackend } from './util.js';

export interface ReduceOptions {
  keepdims?: boolean;
}
type Axes = number | readonly number[] | undefined;

/** Shape after reducing `axes`: removed, or kept as size 1. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  return keepdims
    ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : shape.filter((_, i) => !axes.includes(i));
}

/** Applies a primitive reduction over `axes` (default: all). */
export function reduce(op: ReduceOp, x: NDArray, axes?: Axes, options: ReduceOptions = {}): NDArray {
  const backend = sameBackend(op, x);
  const ax = normalizeAxes(op, axes, x.rank);
  const outDtype: DType = (op === 'sum' || op === 'prod') && !isFloat(x.dtype) ? 'int32' : x.dtype;
  const storage = getKernel(backend, 'reduce')(op, x, ax, outDtype);
  return new NDArray(storage, reducedShape(x.shape, ax, options.keepdims ?? false));
}

export const sum = (x: NDArray, axes?: Axes, options?: ReduceOptions) => reduce('sum', x, axes, options);
export const prod = (x: NDArray, axes?: Axes, options?: ReduceOptions) => reduce('prod', x, axes, options);
export const max = (x: NDArray, axes?: Axes, options?: ReduceOptions) => reduce('max', x, axes, options);
export const min = (x: NDArray, axes?: Axes, options?: ReduceOptions) => reduce('min', x, axes, options);

/** Arithmetic mean over `axes`; integer input gives float32. */
export function mean(x: NDArray, axes?: Axes, options: ReduceOptions = {}): NDArray {
  const ax = normalizeAxes('mean', axes, x.rank);
  const count = ax.reduce((n, a) => n * x.shape[a], 1);
  const total = sum(x, ax, options);
  const out = div(total, count);
  total.dispose();
  return out;
}

/** Index of the first maximum (or minimum) along `axis`, as int32. */
export function argReduce(op: ArgReduceOp, x: NDArray, axis = -1, options: ReduceOptions = {}): NDArray {
  const backend = sameBackend(op, x);
  const a = normalizeAxis(op, axis, x.rank);
  if (x.shape[a] === 0) throw new ShapeError(`${op}: axis ${a} of shape ${fmtShape(x.shape)} is empty`);
  return new NDArray(
    getKernel(backend, 'argReduce')(op, x, a),
    reducedShape(x.shape, [a], options.keepdims ?? false),
  );
}

export const argmax = (x: NDArray, axis?: number, options?: ReduceOptions) =>
  argReduce('argmax', x, axis, options);
export const argmin = (x: NDArray, axis?: number, options?: ReduceOptions) =>
  argReduce('argmin', x, axis, options);
