import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty, type NumericDType, refArb, toNDArray, toRef } from './helpers/arbitraries.js';
import {
  argReduceRef,
  assertArrayClose,
  maxCombine,
  minCombine,
  numel,
  type Ref,
  reduceRef,
  reductionGroups,
  type Tolerance,
} from './helpers/reference.js';

type Axes = number | number[] | undefined;

/** Axes to reduce for a rank: all (undefined), one axis, or a shuffled subset; each possibly negative. */
function axesArb(rank: number): fc.Arbitrary<Axes> {
  const axis = (a: number) => fc.boolean().map((negative) => (negative ? a - rank : a));
  const all = Array.from({ length: rank }, (_, i) => i);
  const subset = fc
    .shuffledSubarray(all)
    .chain(
      (axes): fc.Arbitrary<number[]> => (axes.length === 0 ? fc.constant([]) : fc.tuple(...axes.map(axis))),
    );
  return fc.oneof<fc.Arbitrary<Axes>[]>(
    fc.constant(undefined),
    rank > 0 ? fc.integer({ min: 0, max: rank - 1 }).chain(axis) : fc.constant(undefined),
    subset,
  );
}

const axisList = (axes: Axes, rank: number): number[] =>
  axes === undefined ? Array.from({ length: rank }, (_, i) => i) : typeof axes === 'number' ? [axes] : axes;

type ReduceName = 'sum' | 'prod' | 'max' | 'min';
const REFERENCE: Record<ReduceName, { init: number; combine: (acc: number, v: number) => number }> = {
  sum: { init: 0, combine: (acc, v) => acc + v },
  prod: { init: 1, combine: (acc, v) => acc * v },
  max: { init: -Infinity, combine: maxCombine },
  min: { init: Infinity, combine: minCombine },
};

/**
 * What max / min of nothing gives: the identity in the dtype (the lowest or highest value it
 * holds, TensorFlow's convention; NumPy raises instead). Undefined for sum and prod.
 */
function emptyResult(op: ReduceName, dtype: T.DType): number | undefined {
  if (op !== 'max' && op !== 'min') return undefined;
  const [lowest, highest] =
    dtype === 'int32' ? [-(2 ** 31), 2 ** 31 - 1] : dtype === 'bool' ? [0, 1] : [-Infinity, Infinity];
  return op === 'max' ? lowest : highest;
}

function storeAs(dtype: T.DType, v: number): number {
  if (dtype === 'float32') return Math.fround(v);
  if (dtype === 'int32') return v | 0;
  if (dtype === 'bool') return v !== 0 ? 1 : 0;
  return v;
}

/**
 * Sums may be taken in any order: |error| <= n u sum|x| (u = 2^-53, or 2^-24 for float32
 * results); products are within n u relative. max and min are exact.
 */
function reduceTolerance(op: ReduceName, x: Ref, axes: number[], dtype: T.DType): Tolerance {
  if (op === 'max' || op === 'min' || dtype === 'int32' || dtype === 'bool') return {};
  const u = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
  const n = axes.reduce((p, a) => p * x.shape[a < 0 ? a + x.shape.length : a], 1);
  if (op === 'prod') return { rtol: (n + 1) * u, atol: 1e-300 };
  const absSums = reductionGroups(x.shape, axes).map((g) => g.reduce((p, i) => p + Math.abs(x.data[i]), 0));
  return { scale: absSums.map((s) => (n + 1) * u * s), rtol: u };
}

describe('reductions equal loops', () => {
  it('property: sum, prod, max, min over any axes (negative, keepdims, size-0) equal the loop reduction', () => {
    const caseArb = fc
      .record({
        op: fc.constantFrom<ReduceName>('sum', 'prod', 'max', 'min'),
        dtype: fc.constantFrom<NumericDType>('float64', 'float32', 'int32', 'bool'),
        keepdims: fc.boolean(),
      })
      .chain((c) =>
        // int32 products stay below 2^31 when there are at most 12 factors of size <= 5
        (c.op === 'prod' && c.dtype === 'int32'
          ? refArb('int32', { maxSize: 12 }, { range: 5 })
          : refArb(c.dtype, { maxSize: 60 })
        ).chain((x) => fc.record({ c: fc.constant(c), x: fc.constant(x), axes: axesArb(x.shape.length) })),
      );
    assertProperty(
      fc.property(caseArb, ({ c, x, axes }) =>
        T.tidy(() => {
          const input = toNDArray(x.data, x.shape, c.dtype);
          const stored = toRef(input);
          const out = T.reduce(c.op, input, axes, { keepdims: c.keepdims });
          const outDtype =
            (c.op === 'sum' || c.op === 'prod') && (c.dtype === 'int32' || c.dtype === 'bool')
              ? 'int32'
              : c.dtype;
          expect(out.dtype).toBe(outDtype);
          const list = axisList(axes, x.shape.length);
          const { init, combine } = REFERENCE[c.op];
          const ref = reduceRef(stored, list, c.keepdims, emptyResult(c.op, outDtype) ?? init, combine);
          ref.data = ref.data.map((v) => storeAs(outDtype, v));
          const tolerance = reduceTolerance(c.op, stored, list, c.dtype);
          assertArrayClose({ shape: out.shape, data: out.dataSync() }, ref, tolerance, c.op);
        }),
      ),
      400,
    );
  });

  it('property: mean is the loop sum over the count (float32 for int32 input; NaN for an empty reduction)', () => {
    const caseArb = fc
      .record({ dtype: fc.constantFrom<NumericDType>('float64', 'int32'), keepdims: fc.boolean() })
      .chain((c) =>
        refArb(c.dtype, { maxSize: 60 }, { nonFinite: false }).chain((x) =>
          fc.record({ c: fc.constant(c), x: fc.constant(x), axes: axesArb(x.shape.length) }),
        ),
      );
    assertProperty(
      fc.property(caseArb, ({ c, x, axes }) =>
        T.tidy(() => {
          const out = T.mean(toNDArray(x.data, x.shape, c.dtype), axes, { keepdims: c.keepdims });
          expect(out.dtype).toBe(c.dtype === 'int32' ? 'float32' : 'float64');
          const list = axisList(axes, x.shape.length);
          const count = list.reduce((p, a) => p * x.shape[a < 0 ? a + x.shape.length : a], 1);
          const ref = reduceRef(x, list, c.keepdims, 0, (acc, v) => acc + v);
          ref.data = ref.data.map((s) => storeAs(out.dtype, s / count));
          const tolerance =
            c.dtype === 'int32' ? { rtol: 2 ** -23 } : reduceTolerance('sum', x, list, 'float64');
          assertArrayClose({ shape: out.shape, data: out.dataSync() }, ref, tolerance, 'mean');
        }),
      ),
      200,
    );
  });

  it('property: argmax / argmin give the first extreme index along any axis (ties and NaN included)', () => {
    const caseArb = fc
      .record({
        op: fc.constantFrom<'argmax' | 'argmin'>('argmax', 'argmin'),
        keepdims: fc.boolean(),
        shape: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
      })
      .chain((c) =>
        fc.record({
          c: fc.constant(c),
          // few distinct values, so ties are common; NaN now and then
          values: fc.array(fc.constantFrom(-1, 0, 2, 2.5, Number.NaN, 7, -Infinity, Infinity), {
            minLength: numel(c.shape),
            maxLength: numel(c.shape),
          }),
          axis: fc.integer({ min: -c.shape.length, max: c.shape.length - 1 }),
          dtype: fc.constantFrom<NumericDType>('float64', 'float32'),
        }),
      );
    assertProperty(
      fc.property(caseArb, ({ c, values, axis, dtype }) =>
        T.tidy(() => {
          const x = toNDArray(values, c.shape, dtype);
          const out = T.argReduce(c.op, x, axis, { keepdims: c.keepdims });
          expect(out.dtype).toBe('int32');
          const a = axis < 0 ? axis + c.shape.length : axis;
          const ref = argReduceRef({ shape: c.shape, data: values }, a, c.op, c.keepdims);
          assertArrayClose({ shape: out.shape, data: out.dataSync() }, ref, {}, c.op);
        }),
      ),
      300,
    );
  });

  it('argmax ties take the first index; the default axis is the last', () => {
    const x = T.fromArray([
      [3, 1, 3],
      [0, 5, 5],
    ]);
    expect(T.argmax(x).toArray()).toEqual([0, 1]);
    expect(T.argmin(x, 0).toArray()).toEqual([1, 0, 0]);
    expect(T.argmax(x, -1, { keepdims: true }).shape).toEqual([2, 1]);
    expect(T.argmax(T.fromArray([1, Number.NaN, 9, Number.NaN])).item()).toBe(1);
  });

  it('empty reductions: sum is 0, prod is 1, mean is NaN, max/min the dtype identity; argmax of an empty axis throws', () => {
    expect(T.sum(T.zeros([0])).item()).toBe(0);
    expect(T.prod(T.zeros([0])).item()).toBe(1);
    expect(Array.from(T.sum(T.ones([2, 0, 3]), 1).dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(T.sum(T.ones([2, 0, 3]), [0, 2]).shape).toEqual([0]);
    expect(Number.isNaN(T.mean(T.zeros([0])).item())).toBe(true);
    expect(T.max(T.zeros([0], { dtype: 'int32' })).item()).toBe(-(2 ** 31));
    expect(T.min(T.zeros([2, 0], { dtype: 'float64' }), 1).toArray()).toEqual([Infinity, Infinity]);
    expect(() => T.argmax(T.zeros([2, 0]), 1)).toThrow(T.ShapeError);
    expect(() => T.argmax(T.zeros([2, 0]), 1)).toThrow(/^argmax: axis 1 of shape \[2, 0\] is empty/);
  });

  it('NaN propagates through sum, max and min; infinities through sum', () => {
    const x = T.fromArray([1, Number.NaN, -Infinity], { dtype: 'float64' });
    expect(Number.isNaN(T.sum(x).item())).toBe(true);
    expect(Number.isNaN(T.max(x).item())).toBe(true);
    expect(Number.isNaN(T.min(x).item())).toBe(true);
    expect(T.sum(T.fromArray([1, Infinity])).item()).toBe(Infinity);
    expect(Number.isNaN(T.sum(T.fromArray([-Infinity, Infinity])).item())).toBe(true);
  });

  it('repeated axes are rejected', () => {
    expect(() => T.sum(T.ones([2, 3]), [1, -1])).toThrow(/sum: repeated axis/);
  });
});
