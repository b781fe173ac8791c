import * as T from '@typegrad/tensor';
import fc from 'fast-check';

/*
 * Generators of shapes and values for the gradient properties. They produce plain data (shapes
 * and number lists); arrays are made inside the property, under `tidy`, so shrinking leaks nothing.
 */

/** Values and their shape; becomes a float64 NDArray with `toNDArray`. */
export interface ArrayData {
  shape: number[];
  values: number[];
}

/**
 * Where values may lie, kept away from the kinks of the op under test:
 * - `any`: [-2, 2];
 * - `awayFromZero`: |x| in [0.1, 2] (abs, relu, sign, reciprocal);
 * - `positive`: [0.2, 3] (log, sqrt, rsqrt, pow bases);
 * - `distinct`: distinct multiples of 0.04 in [-2, 2], so maxima have no ties;
 * - `nonInteger`: at least 0.1 away from integers and half-integers (floor, ceil, round).
 */
export type ValueKind = 'any' | 'awayFromZero' | 'positive' | 'distinct' | 'nonInteger';

export const DEFAULT_MAX_SIZE = 24;

const double = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

function scalarArb(kind: Exclude<ValueKind, 'distinct'>): fc.Arbitrary<number> {
  switch (kind) {
    case 'any':
      return double(-2, 2);
    case 'awayFromZero':
      return fc.tuple(double(0.1, 2), fc.boolean()).map(([m, negative]) => (negative ? -m : m));
    case 'positive':
      return double(0.2, 3);
    case 'nonInteger':
      // k + 0.1..0.4 or k + 0.6..0.9: away from k, k + 0.5 and k + 1.
      return fc
        .tuple(fc.integer({ min: -3, max: 2 }), double(0.1, 0.4), fc.boolean())
        .map(([k, f, upper]) => k + (upper ? f + 0.5 : f));
  }
}

/** `size` values of one kind. */
export function valuesArb(size: number, kind: ValueKind = 'any'): fc.Arbitrary<number[]> {
  if (kind === 'distinct') {
    return fc
      .uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: size, maxLength: size })
      .map((ints) => ints.map((i) => i * 0.04));
  }
  return fc.array(scalarArb(kind), { minLength: size, maxLength: size });
}

export function arrayArb(shape: readonly number[], kind: ValueKind = 'any'): fc.Arbitrary<ArrayData> {
  return valuesArb(T.sizeOf(shape), kind).map((values) => ({ shape: [...shape], values }));
}

/** A float64 array of the data (made where it is called, e.g. inside `tidy`). */
export function toNDArray(data: ArrayData): T.NDArray {
  return T.fromTyped(Float64Array.from(data.values), data.shape);
}

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  /** Largest size of one axis (sizes start at 1, so size-1 and odd axes are common). */
  maxDim?: number;
  /** Largest element count, to keep finite differences cheap. */
  maxSize?: number;
}

export function shapeArb(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 3, maxDim = 5, maxSize = DEFAULT_MAX_SIZE } = options;
  return fc
    .array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank })
    .map((shape) => shrinkToSize(shape, maxSize));
}

/** Halves the largest axis until the shape has at most `maxSize` elements (no filter: never stalls). */
function shrinkToSize(shape: number[], maxSize: number): number[] {
  const out = [...shape];
  while (T.sizeOf(out) > maxSize) {
    const i = out.indexOf(Math.max(...out));
    out[i] = Math.ceil(out[i] / 2);
  }
  return out;
}

/** A random shape with values of one kind. */
export function shapedArrayArb(kind: ValueKind = 'any', options: ShapeOptions = {}): fc.Arbitrary<ArrayData> {
  return shapeArb(options).chain((shape) => arrayArb(shape, kind));
}

/**
 * Shapes that broadcast to `shape`: each drops some leading axes and turns some axes into 1
 * (so pairs like [3, 1] and [4] or [] and [2, 3] come up).
 */
export function broadcastingShapeArb(shape: readonly number[]): fc.Arbitrary<number[]> {
  const rank = shape.length;
  return fc
    .tuple(fc.integer({ min: 0, max: rank }), fc.array(fc.boolean(), { minLength: rank, maxLength: rank }))
    .map(([drop, ones]) => shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

/** `count` shapes that broadcast together, and the shape they broadcast to. */
export function broadcastShapesArb(
  count: number,
  options: ShapeOptions = {},
): fc.Arbitrary<{ out: number[]; inputs: number[][] }> {
  return shapeArb(options).chain((out) =>
    fc
      .array(broadcastingShapeArb(out), { minLength: count, maxLength: count })
      .map((inputs) => ({ out: broadcastResult(inputs), inputs })),
  );
}

/** NumPy's broadcast of several shapes (all assumed compatible). */
export function broadcastResult(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) =>
    Math.max(1, ...shapes.map((s) => s[s.length - rank + i] ?? 1)),
  );
}

/** An axis of a rank-`rank` array, sometimes written negative. */
export function axisArb(rank: number): fc.Arbitrary<number> {
  return fc
    .tuple(fc.integer({ min: 0, max: rank - 1 }), fc.boolean())
    .map(([a, negative]) => (negative ? a - rank : a));
}

/** Reduction axes: undefined (all), one axis, or a list of distinct axes (some negative). */
export function axesArb(rank: number): fc.Arbitrary<number | number[] | undefined> {
  const axes = Array.from({ length: rank }, (_, i) => i);
  const list = fc
    .tuple(fc.subarray(axes), fc.array(fc.boolean(), { minLength: rank, maxLength: rank }))
    .map(([picked, negative]) => picked.map((a) => (negative[a] ? a - rank : a)));
  if (rank === 0) return fc.constant(undefined);
  return fc.oneof(fc.constant(undefined), axisArb(rank), list);
}

/** int32 indices in [0, dim) of a random shape (repeats allowed, so gradients must add up). */
export function indicesArb(
  dim: number,
  options: ShapeOptions = {},
): fc.Arbitrary<{ shape: number[]; values: number[] }> {
  return shapeArb({ maxRank: 2, maxDim: 3, ...options }).chain((shape) =>
    fc
      .array(fc.integer({ min: 0, max: dim - 1 }), {
        minLength: T.sizeOf(shape),
        maxLength: T.sizeOf(shape),
      })
      .map((values) => ({ shape, values })),
  );
}

export function int32Array(data: { shape: number[]; values: number[] }): T.NDArray {
  return T.fromTyped(Int32Array.from(data.values), data.shape);
}
