import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertProperty,
  broadcastPairArb,
  type NumericDType,
  scalarArb,
  toNDArray,
  toRef,
  valuesArb,
} from './helpers/arbitraries.js';
import { assertArrayClose, binaryRef, numel } from './helpers/reference.js';

/** Each binary op from its mathematical definition (NaN propagates through maximum/minimum). */
const DEFINITIONS: Record<T.BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  equal: (a, b) => Number(a === b),
  notEqual: (a, b) => Number(a !== b),
  less: (a, b) => Number(a < b),
  lessEqual: (a, b) => Number(a <= b),
  greater: (a, b) => Number(a > b),
  greaterEqual: (a, b) => Number(a >= b),
  // truthiness as NumPy's: every non-zero value, NaN included, is true
  logicalAnd: (a, b) => Number(a !== 0 && b !== 0),
  logicalOr: (a, b) => Number(a !== 0 || b !== 0),
};

const RESULT_IS_BOOL = new Set<T.BinaryOp>([
  'equal',
  'notEqual',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'logicalAnd',
  'logicalOr',
]);
const WIDTH: Record<T.DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * The documented result dtype: comparisons and logical ops give bool; otherwise the wider
 * operand, except that div and pow of integers give float32 and arithmetic on bools gives int32.
 */
function expectedDtype(op: T.BinaryOp, a: T.DType, b: T.DType): T.DType {
  if (RESULT_IS_BOOL.has(op)) return 'bool';
  const wider = WIDTH[a] >= WIDTH[b] ? a : b;
  if ((op === 'div' || op === 'pow') && (wider === 'int32' || wider === 'bool')) return 'float32';
  if (wider === 'bool' && op !== 'maximum' && op !== 'minimum') return 'int32';
  return wider;
}

/** What storing `v` in `dtype` gives. */
function storeAs(dtype: T.DType, v: number): number {
  if (dtype === 'float32') return Math.fround(v);
  if (dtype === 'int32') return v | 0;
  if (dtype === 'bool') return v !== 0 ? 1 : 0;
  return v;
}

const DTYPES: NumericDType[] = ['float32', 'float64', 'int32', 'bool'];

/*
 * Exact comparison is justified: the kernels compute in float64 and round once to the result
 * dtype, and for + - * / of float32 inputs that double rounding equals IEEE float32 rounding
 * (53 >= 2*24 + 2), so any correct kernel gives these exact values.
 */
describe('binary ops broadcast like NumPy', () => {
  it('property: op(a, b)[i] == f(a[bcast(i)], b[bcast(i)]) stored in the promoted dtype, for every op and dtype pair', () => {
    const caseArb = fc
      .record({
        op: fc.constantFrom(...T.BINARY_OPS),
        dtypeA: fc.constantFrom(...DTYPES),
        dtypeB: fc.constantFrom(...DTYPES),
        pair: broadcastPairArb({ maxRank: 4, maxDim: 4, maxSize: 64 }),
      })
      .chain((c) =>
        fc.record({
          c: fc.constant(c),
          valuesA: valuesArb(numel(c.pair.a), c.dtypeA),
          valuesB: valuesArb(numel(c.pair.b), c.dtypeB),
        }),
      );
    assertProperty(
      fc.property(caseArb, ({ c, valuesA, valuesB }) =>
        T.tidy(() => {
          const a = toNDArray(valuesA, c.pair.a, c.dtypeA);
          const b = toNDArray(valuesB, c.pair.b, c.dtypeB);
          const out = T.binary(c.op, a, b);
          const dtype = expectedDtype(c.op, c.dtypeA, c.dtypeB);
          expect(out.dtype).toBe(dtype);
          expect(out.shape).toEqual(c.pair.out);
          const f = DEFINITIONS[c.op];
          const expected = binaryRef((x, y) => storeAs(dtype, f(x, y)), toRef(a), toRef(b));
          assertArrayClose({ shape: out.shape, data: out.dataSync() }, expected, {}, c.op);
        }),
      ),
      400,
    );
  });

  it('property: the result is the same whichever operand is a strided view (transposed, stepped, broadcast)', () => {
    const caseArb = fc
      .record({
        op: fc.constantFrom(...T.BINARY_OPS),
        dtype: fc.constantFrom<NumericDType>('float32', 'float64', 'int32'),
        rows: fc.integer({ min: 0, max: 6 }),
        cols: fc.integer({ min: 1, max: 6 }),
      })
      .chain((c) =>
        fc.record({
          c: fc.constant(c),
          a: valuesArb(c.rows * c.cols * 2, c.dtype),
          b: valuesArb(c.rows * c.cols, c.dtype),
        }),
      );
    assertProperty(
      fc.property(caseArb, ({ c, a, b }) =>
        T.tidy(() => {
          // a: [cols, 2*rows] sliced by step 2 and transposed -> [rows, cols], non-contiguous
          const aView = toNDArray(a, [c.cols, 2 * c.rows], c.dtype).slice(null, [null, null, 2]).T;
          const bView = toNDArray(b, [c.rows, c.cols], c.dtype).slice([null, null, -1]);
          const viaViews = T.binary(c.op, aView, bView);
          const viaCopies = T.binary(c.op, aView.clone(), bView.clone());
          if (c.rows > 1 && c.cols > 1) expect(aView.isContiguous).toBe(false);
          assertArrayClose({ shape: viaViews.shape, data: viaViews.dataSync() }, toRef(viaCopies), {}, c.op);
        }),
      ),
      150,
    );
  });

  it('property: a JS number becomes a scalar of the array dtype (integers always; fractions only for floats)', () => {
    const numberArb = fc.oneof(
      fc.integer({ min: -1000, max: 1000 }),
      fc.double({ min: -50, max: 50, noNaN: true }),
      fc.constantFrom(0.5, -0.25, Number.NaN, Number.POSITIVE_INFINITY, 0, 1),
    );
    const caseArb = fc
      .record({
        op: fc.constantFrom(...T.BINARY_OPS),
        dtype: fc.constantFrom(...DTYPES),
        size: fc.integer({ min: 0, max: 6 }),
        number: numberArb,
        numberFirst: fc.boolean(),
      })
      .chain((c) => fc.record({ c: fc.constant(c), values: valuesArb(c.size, c.dtype) }));
    assertProperty(
      fc.property(caseArb, ({ c, values }) =>
        T.tidy(() => {
          const x = toNDArray(values, [c.size], c.dtype);
          const isFloat = c.dtype === 'float32' || c.dtype === 'float64';
          let scalarDtype: T.DType = Number.isInteger(c.number) || isFloat ? c.dtype : 'float32';
          if (scalarDtype === 'bool' && c.number !== 0 && c.number !== 1) scalarDtype = 'int32';
          const s = storeAs(scalarDtype, c.number);
          const out = c.numberFirst ? T.binary(c.op, c.number, x) : T.binary(c.op, x, c.number);
          const dtype = expectedDtype(c.op, c.dtype, scalarDtype);
          expect(out.dtype).toBe(dtype);
          const f = DEFINITIONS[c.op];
          const expected = values
            .map((v) => storeAs(c.dtype, v))
            .map((v) => storeAs(dtype, c.numberFirst ? f(s, v) : f(v, s)));
          assertArrayClose({ shape: out.shape, data: out.dataSync() }, { shape: [c.size], data: expected });
        }),
      ),
      300,
    );
  });
});

describe('dtype promotion', () => {
  const make = (dtype: T.DType) => T.ones([2], { dtype });
  it.each([
    ['add', 'float32', 'float64', 'float64'],
    ['mul', 'int32', 'float32', 'float32'],
    ['sub', 'bool', 'int32', 'int32'],
    ['add', 'bool', 'bool', 'int32'],
    ['maximum', 'bool', 'bool', 'bool'],
    ['div', 'int32', 'int32', 'float32'],
    ['pow', 'int32', 'bool', 'float32'],
    ['div', 'float64', 'int32', 'float64'],
    ['less', 'float64', 'float32', 'bool'],
    ['logicalOr', 'int32', 'int32', 'bool'],
  ] as const)('%s of %s and %s gives %s', (op, a, b, out) => {
    expect(T.binary(op, make(a), make(b)).dtype).toBe(out);
  });

  it('a fractional JS number does not widen float32, but makes int32 float32', () => {
    const x = T.fromArray([1, 2], { dtype: 'float32' });
    const y = T.add(x, 0.1);
    expect(y.dtype).toBe('float32');
    expect(Array.from(y.dataSync())).toEqual([
      Math.fround(1 + Math.fround(0.1)),
      Math.fround(2 + Math.fround(0.1)),
    ]);
    expect(T.add(T.fromArray([1, 2], { dtype: 'int32' }), 0.5).dtype).toBe('float32');
    expect(T.add(T.fromArray([1, 2], { dtype: 'int32' }), 3).dtype).toBe('int32');
    expect(T.mul(T.fromArray([true, false]), 2).dtype).toBe('int32');
    expect(T.div(T.fromArray([3], { dtype: 'int32' }), 2).dataSync()[0]).toBe(1.5);
  });

  it('two JS numbers are rejected', () => {
    expect(() => T.add(1, 2)).toThrow(/add: at least one operand must be an NDArray/);
  });
});

describe('NaN and Infinity in maximum and minimum', () => {
  it('NaN wins on either side; infinities compare as numbers', () => {
    const a = T.fromArray([Number.NaN, 1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], {
      dtype: 'float64',
    });
    const b = T.fromArray([1, Number.NaN, Number.NaN, 5, Number.NaN], { dtype: 'float64' });
    expect(Array.from(T.maximum(a, b).dataSync())).toEqual([NaN, NaN, NaN, Infinity, NaN]);
    expect(Array.from(T.minimum(a, b).dataSync())).toEqual([NaN, NaN, NaN, 5, NaN]);
    const inf = T.fromArray([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], { dtype: 'float32' });
    expect(Array.from(T.maximum(inf, 0).dataSync())).toEqual([Infinity, 0]);
    expect(Array.from(T.minimum(inf, 0).dataSync())).toEqual([0, -Infinity]);
  });

  it('property: maximum(a, b) is NaN iff a or b is NaN, else >= both and equal to one of them', () => {
    assertProperty(
      fc.property(scalarArb('float64'), scalarArb('float64'), (x, y) =>
        T.tidy(() => {
          const m = T.maximum(T.scalar(x, { dtype: 'float64' }), y).item();
          const n = T.minimum(T.scalar(x, { dtype: 'float64' }), y).item();
          if (Number.isNaN(x) || Number.isNaN(y)) {
            expect(Number.isNaN(m) && Number.isNaN(n)).toBe(true);
          } else {
            expect(m >= x && m >= y && (m === x || m === y)).toBe(true);
            expect(n <= x && n <= y && (n === x || n === y)).toBe(true);
          }
        }),
      ),
      300,
    );
  });
});
