import { ArgumentError, fmtShape, ShapeError } from './errors.js';
import { contiguousStrides, normalizeAxis, type Shape, sizeOf } from './shape.js';

/**
 * Views are new (shape, strides, offset) triples over the same storage. These pure functions
 * compute them; NDArray's view methods wrap the results.
 */
export interface Layout {
  shape: number[];
  strides: number[];
  offset: number;
}

export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Resolves one `-1` in a requested shape and checks the element count. */
export function resolveReshape(from: Shape, to: readonly number[]): number[] {
  const size = sizeOf(from);
  const unknown = to.indexOf(-1);
  if (to.lastIndexOf(-1) !== unknown) throw new ShapeError(`reshape: more than one -1 in ${fmtShape(to)}`);
  for (const d of to) {
    if (d !== -1 && (!Number.isInteger(d) || d < 0)) {
      throw new ArgumentError(`reshape: invalid size ${d} in ${fmtShape(to)}`);
    }
  }
  const out = [...to];
  if (unknown >= 0) {
    const known = sizeOf(to.filter((d) => d !== -1));
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(
        `reshape: cannot reshape ${fmtShape(from)} (${size} elements) into ${fmtShape(to)}`,
      );
    }
    out[unknown] = size / known;
  }
  if (sizeOf(out) !== size) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(from)} (${size} elements) into ${fmtShape(to)}`);
  }
  return out;
}

export function permuteLayout(l: Layout, axes: readonly number[]): Layout {
  const rank = l.shape.length;
  if (axes.length !== rank) {
    throw new ShapeError(
      `permute: axes [${axes.join(', ')}] do not match rank ${rank} of ${fmtShape(l.shape)}`,
    );
  }
  const norm = axes.map((a) => normalizeAxis('permute', a, rank));
  if (new Set(norm).size !== rank)
    throw new ArgumentError(`permute: axes [${axes.join(', ')}] repeat an axis`);
  return { shape: norm.map((a) => l.shape[a]), strides: norm.map((a) => l.strides[a]), offset: l.offset };
}

/** One axis of a slice: an index (drops the axis), `null` (all), or [start, stop, step] like Python. */
export type SliceSpec = number | null | readonly [number | null, (number | null)?, (number | null)?];

export function sliceLayout(l: Layout, specs: readonly SliceSpec[]): Layout {
  if (specs.length > l.shape.length) {
    throw new ShapeError(`slice: ${specs.length} slice specs for an array of shape ${fmtShape(l.shape)}`);
  }
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = l.offset;
  for (let axis = 0; axis < l.shape.length; axis++) {
    const dim = l.shape[axis];
    const stride = l.strides[axis];
    const spec = specs[axis] ?? null;
    if (typeof spec === 'number') {
      if (!Number.isInteger(spec) || spec < -dim || spec >= dim) {
        throw new ArgumentError(`slice: index ${spec} is out of range for axis ${axis} of size ${dim}`);
      }
      offset += (spec < 0 ? spec + dim : spec) * stride;
      continue;
    }
    const [startArg, stopArg, stepArg] = spec ?? [null, null, null];
    const step = stepArg ?? 1;
    if (!Number.isInteger(step) || step === 0)
      throw new ArgumentError(`slice: step must be a non-zero integer, got ${step}`);
    const [start, stop] =
      step > 0 ? clampForward(startArg, stopArg, dim) : clampBackward(startArg, stopArg, dim);
    const len =
      step > 0
        ? Math.max(0, Math.ceil((stop - start) / step))
        : Math.max(0, Math.ceil((start - stop) / -step));
    if (len > 0) offset += start * stride;
    shape.push(len);
    strides.push(stride * step);
  }
  return { shape, strides, offset };
}

function resolveIndex(i: number, dim: number): number {
  return i < 0 ? i + dim : i;
}

function clampForward(
  start: number | null | undefined,
  stop: number | null | undefined,
  dim: number,
): [number, number] {
  const s = start == null ? 0 : Math.min(Math.max(resolveIndex(start, dim), 0), dim);
  const e = stop == null ? dim : Math.min(Math.max(resolveIndex(stop, dim), 0), dim);
  return [s, e];
}

function clampBackward(
  start: number | null | undefined,
  stop: number | null | undefined,
  dim: number,
): [number, number] {
  const s = start == null ? dim - 1 : Math.min(Math.max(resolveIndex(start, dim), -1), dim - 1);
  const e = stop == null ? -1 : Math.min(Math.max(resolveIndex(stop, dim), -1), dim - 1);
  return [s, e];
}

/** Broadcasts to `shape` by giving size-1 (and new leading) axes a stride of 0. */
export function expandLayout(l: Layout, shape: readonly number[]): Layout {
  const extra = shape.length - l.shape.length;
  if (extra < 0)
    throw new ShapeError(`expand: cannot expand ${fmtShape(l.shape)} to fewer dims ${fmtShape(shape)}`);
  const strides = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const from = i < extra ? 1 : l.shape[i - extra];
    if (from === shape[i]) strides[i] = i < extra ? 0 : l.strides[i - extra];
    else if (from === 1) strides[i] = 0;
    else throw new ShapeError(`expand: cannot expand ${fmtShape(l.shape)} to ${fmtShape(shape)}`);
  }
  return { shape: [...shape], strides, offset: l.offset };
}

/** Storage offsets of every element of a view, in row-major order. */
export function elementOffsets(shape: Shape, strides: readonly number[], offset: number): Int32Array {
  const size = sizeOf(shape);
  const out = new Int32Array(size);
  const rank = shape.length;
  if (size === 0) return out;
  if (rank === 0) {
    out[0] = offset;
    return out;
  }
  const inner = shape[rank - 1];
  const innerStride = strides[rank - 1];
  const index = new Array<number>(rank).fill(0);
  let base = offset;
  for (let i = 0; i < size; i += inner) {
    for (let j = 0; j < inner; j++) out[i + j] = base + j * innerStride;
    // advance the odometer over the outer axes
    for (let axis = rank - 2; axis >= 0; axis--) {
      index[axis]++;
      base += strides[axis];
      if (index[axis] < shape[axis]) break;
      base -= strides[axis] * shape[axis];
      index[axis] = 0;
    }
  }
  return out;
}

export { contiguousStrides };
