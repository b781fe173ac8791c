import { allocTyped, castScalar, type DType, dtypeOfTyped, type TypedArray } from '../dtype.js';
import { getDefaultBackend } from '../engine.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { getBackend } from '../kernels.js';
import { NDArray, type NestedArray } from '../ndarray.js';
import { defaultGenerator, type Generator, normalAt, uniformAt } from '../rng.js';
import { assertValidShape, type Shape, sizeOf } from '../shape.js';

export interface CreateOptions {
  dtype?: DType;
  /** Backend to create on; default: the current default backend. */
  backend?: string;
}

/** Wraps a typed array (taken over, not copied) as an array of `shape` on a backend. */
export function fromTyped(
  data: TypedArray,
  shape: Shape = [data.length],
  backend = getDefaultBackend(),
): NDArray {
  assertValidShape('fromTyped', shape);
  if (sizeOf(shape) !== data.length) {
    throw new ShapeError(
      `fromTyped: ${data.length} values do not fill shape ${fmtShape(shape)} (${sizeOf(shape)} elements)`,
    );
  }
  return new NDArray(getBackend(backend).fromTyped(data), shape);
}

/**
 * An array from nested JS arrays, a flat list with a `shape`, or a typed array (copied).
 * The dtype defaults to the typed array's, bool for booleans, and float32 otherwise.
 */
export function fromArray(
  values: NestedArray | TypedArray | readonly number[],
  options: CreateOptions & { shape?: Shape } = {},
): NDArray {
  const typedDtype = dtypeOfTyped(values);
  let flat: ArrayLike<number>;
  let shape: number[];
  let dtype = options.dtype;
  if (typedDtype) {
    flat = values as TypedArray;
    shape = [flat.length];
    dtype ??= typedDtype;
  } else {
    const nested = inferShape(values as NestedArray);
    shape = nested.shape;
    flat = nested.flat;
    dtype ??= nested.bool ? 'bool' : 'float32';
  }
  if (options.shape) {
    assertValidShape('fromArray', options.shape);
    if (sizeOf(options.shape) !== flat.length) {
      throw new ShapeError(
        `fromArray: data of shape ${fmtShape(shape)} (${flat.length} values) does not fill shape ${fmtShape(options.shape)}`,
      );
    }
    shape = [...options.shape];
  }
  const data = allocTyped(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = castScalar(flat[i], dtype);
  return fromTyped(data, shape, options.backend);
}

function inferShape(values: NestedArray): { shape: number[]; flat: number[]; bool: boolean } {
  const shape: number[] = [];
  for (let v: NestedArray = values; Array.isArray(v); v = v[0]) shape.push(v.length);
  const flat: number[] = [];
  let bool = false;
  const walk = (v: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(v)) throw new ShapeError(`fromArray: ragged nested array at ${path || 'top'}`);
      if (typeof v === 'boolean') bool = true;
      else if (typeof v !== 'number')
        throw new ArgumentError(`fromArray: element at ${path} is ${typeof v}, not a number`);
      flat.push(Number(v));
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new ShapeError(
        `fromArray: ragged nested array at ${path || 'top'} (expected length ${shape[depth]})`,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, `${path}[${i}]`);
  };
  walk(values, 0, '');
  return { shape, flat, bool };
}

export function scalar(value: number, options: CreateOptions = {}): NDArray {
  return full([], value, options);
}

export function full(shape: Shape, value: number, options: CreateOptions = {}): NDArray {
  return filled('full', shape, value, options);
}

export const zeros = (shape: Shape, options: CreateOptions = {}) => filled('zeros', shape, 0, options);
export const ones = (shape: Shape, options: CreateOptions = {}) => filled('ones', shape, 1, options);

/** `full` under the name of the op the user called, so a bad shape is reported as theirs. */
function filled(op: string, shape: Shape, value: number, options: CreateOptions): NDArray {
  assertValidShape(op, shape);
  const dtype = options.dtype ?? 'float32';
  const data = allocTyped(dtype, sizeOf(shape));
  data.fill(castScalar(value, dtype));
  return fromTyped(data, shape, options.backend);
}

const like = (x: NDArray, options: CreateOptions) => ({ dtype: x.dtype, backend: x.backend, ...options });
export const zerosLike = (x: NDArray, options: CreateOptions = {}) => full(x.shape, 0, like(x, options));
export const onesLike = (x: NDArray, options: CreateOptions = {}) => full(x.shape, 1, like(x, options));
export const fullLike = (x: NDArray, value: number, options: CreateOptions = {}) =>
  full(x.shape, value, like(x, options));

/** Values start, start+step, ... below stop (like np.arange); int32 when all arguments are integers. */
export function arange(start: number, stop?: number, step = 1, options: CreateOptions = {}): NDArray {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step))
    throw new ArgumentError(`arange: step must be finite and non-zero, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = options.dtype ?? ([start, stop, step].every(Number.isInteger) ? 'int32' : 'float32');
  const data = allocTyped(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return fromTyped(data, [n], options.backend);
}

/** `num` evenly spaced values from start to stop inclusive. */
export function linspace(start: number, stop: number, num: number, options: CreateOptions = {}): NDArray {
  if (!Number.isInteger(num) || num < 0)
    throw new ArgumentError(`linspace: num must be a non-negative integer, got ${num}`);
  const data = allocTyped(options.dtype ?? 'float32', num);
  for (let i = 0; i < num; i++) data[i] = num === 1 ? start : start + ((stop - start) * i) / (num - 1);
  // the formula can miss stop by an ulp; the endpoint is exact, as in NumPy
  if (num > 1) data[num - 1] = stop;
  return fromTyped(data, [num], options.backend);
}

/** Identity matrix n x m (m defaults to n). */
export function eye(n: number, m = n, options: CreateOptions = {}): NDArray {
  assertValidShape('eye', [n, m]);
  const data = allocTyped(options.dtype ?? 'float32', n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return fromTyped(data, [n, m], options.backend);
}

export interface RandomOptions extends CreateOptions {
  /** Seed of a fixed stream; without it the global generator (see manualSeed) advances. */
  seed?: number;
  generator?: Generator;
}

function stream(options: RandomOptions, count: number): { seed: number; start: number } {
  if (options.seed !== undefined) return { seed: options.seed >>> 0, start: 0 };
  return (options.generator ?? defaultGenerator()).take(count);
}

/** Uniform values in (low, high), reproducible from the seed on every backend. */
export function randomUniform(
  shape: Shape,
  options: RandomOptions & { low?: number; high?: number } = {},
): NDArray {
  assertValidShape('randomUniform', shape);
  const { low = 0, high = 1 } = options;
  const n = sizeOf(shape);
  const { seed, start } = stream(options, n);
  const data = allocTyped(options.dtype ?? 'float32', n);
  for (let i = 0; i < n; i++) data[i] = low + (high - low) * uniformAt(seed, start + i);
  return fromTyped(data, shape, options.backend);
}

/** Normal values (Box-Muller), reproducible from the seed on every backend. */
export function randomNormal(
  shape: Shape,
  options: RandomOptions & { mean?: number; std?: number } = {},
): NDArray {
  assertValidShape('randomNormal', shape);
  const { mean = 0, std = 1 } = options;
  const n = sizeOf(shape);
  const { seed, start } = stream(options, 2 * n);
  const data = allocTyped(options.dtype ?? 'float32', n);
  for (let i = 0; i < n; i++) data[i] = mean + std * normalAt(seed, start / 2 + i);
  return fromTyped(data, shape, options.backend);
}
