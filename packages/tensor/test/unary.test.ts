import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty, type NumericDType, refArb, toNDArray, valuesArb } from './helpers/arbitraries.js';
import { assertClose, erfSeries } from './helpers/reference.js';

/** Round half away from zero, from the integer part and the exact fractional remainder. */
function roundHalfAway(x: number): number {
  const whole = Math.trunc(x);
  return Math.abs(x - whole) >= 0.5 ? whole + Math.sign(x) : whole;
}

/** erf from the positive-term series where it is accurate; ±1 beyond 6 (erf(6) = 1 - 2e-17). */
function erfReference(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return Math.abs(x) <= 6 ? erfSeries(x) : Math.sign(x);
}

/** Each unary op from its definition with Math. */
const DEFINITIONS: Record<T.UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  tanh: Math.tanh,
  erf: erfReference,
  abs: Math.abs,
  sign: Math.sign,
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  relu: (x) => (Number.isNaN(x) ? NaN : Math.max(x, 0)),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfAway,
  square: (x) => x * x,
  log1p: Math.log1p,
  expm1: Math.expm1,
  logicalNot: (x) => Number(x === 0),
};

/**
 * float64 tolerances: exact where the kernel must evaluate the same IEEE operation or Math
 * function; sigmoid may use the algebraically equal exp(x)/(1+exp(x)) for x < 0 (a few ulps);
 * erf is checked against an independent series (1e-13 absolute, the accuracy we require).
 */
const F64_TOLERANCE: Partial<Record<T.UnaryOp, { rtol?: number; atol?: number }>> = {
  sigmoid: { rtol: 1e-14, atol: 1e-300 },
  erf: { atol: 1e-13 },
};

/** Ops whose float32 result is correctly rounded by construction, so must match fround(f(x)) exactly. */
const F32_EXACT = new Set<T.UnaryOp>([
  'neg',
  'abs',
  'sign',
  'floor',
  'ceil',
  'round',
  'relu',
  'square',
  'sqrt',
  'reciprocal',
  'logicalNot',
]);

const FLOAT_RESULT = new Set<T.UnaryOp>([
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'tanh',
  'erf',
  'reciprocal',
  'sin',
  'cos',
  'sigmoid',
  'log1p',
  'expm1',
]);

/** The documented result dtype of a unary op. */
function expectedDtype(op: T.UnaryOp, dtype: T.DType): T.DType {
  if (op === 'logicalNot') return 'bool';
  if (FLOAT_RESULT.has(op)) return dtype === 'float64' ? 'float64' : 'float32';
  if (dtype === 'bool' && !['abs', 'floor', 'ceil', 'round'].includes(op)) return 'int32';
  return dtype;
}

function storeAs(dtype: T.DType, v: number): number {
  if (dtype === 'float32') return Math.fround(v);
  if (dtype === 'int32') return v | 0;
  if (dtype === 'bool') return v !== 0 ? 1 : 0;
  return v;
}

describe('unary ops match their Math definitions', () => {
  it('property: unary(op, x)[i] == f(x[i]) in float64, edge values (NaN, ±Inf, ±0, subnormals) included', () => {
    const caseArb = fc.record({
      op: fc.constantFrom(...T.UNARY_OPS),
      x: refArb('float64', { maxRank: 3, maxSize: 40 }, { range: 30 }),
    });
    assertProperty(
      fc.property(caseArb, ({ op, x }) =>
        T.tidy(() => {
          const out = T.unary(op, toNDArray(x.data, x.shape, 'float64'));
          expect(out.dtype).toBe(expectedDtype(op, 'float64'));
          expect(out.shape).toEqual(x.shape);
          assertClose(out.dataSync(), x.data.map(DEFINITIONS[op]), F64_TOLERANCE[op] ?? {}, op);
        }),
      ),
      400,
    );
  });

  it('property: in float32 the result is fround(f(x)): exactly for correctly rounded ops, within 2 ulps otherwise', () => {
    const caseArb = fc.record({
      op: fc.constantFrom(...T.UNARY_OPS),
      x: refArb('float32', { maxRank: 2, maxSize: 40 }, { range: 30 }),
    });
    assertProperty(
      fc.property(caseArb, ({ op, x }) =>
        T.tidy(() => {
          const input = toNDArray(x.data, x.shape, 'float32');
          const out = T.unary(op, input);
          expect(out.dtype).toBe(op === 'logicalNot' ? 'bool' : 'float32');
          const expected = Array.from(input.dataSync(), (v) => storeAs(out.dtype, DEFINITIONS[op](v)));
          // 2^-22 relative is 2 float32 ulps; 2^-149 is the smallest float32 subnormal
          const tolerance = F32_EXACT.has(op) ? {} : { rtol: 2 ** -22, atol: 2 ** -149 };
          assertClose(out.dataSync(), expected, tolerance, op);
        }),
      ),
      300,
    );
  });

  it('property: integer and bool inputs follow the dtype rules (float ops give float32, bool arithmetic gives int32)', () => {
    const caseArb = fc
      .record({
        op: fc.constantFrom(...T.UNARY_OPS),
        dtype: fc.constantFrom<NumericDType>('int32', 'bool'),
        size: fc.integer({ min: 0, max: 8 }),
      })
      .chain((c) => fc.record({ c: fc.constant(c), values: valuesArb(c.size, c.dtype) }));
    assertProperty(
      fc.property(caseArb, ({ c, values }) =>
        T.tidy(() => {
          const out = T.unary(c.op, toNDArray(values, [c.size], c.dtype));
          const dtype = expectedDtype(c.op, c.dtype);
          expect(out.dtype).toBe(dtype);
          const expected = values.map((v) => storeAs(dtype, DEFINITIONS[c.op](v)));
          const tolerance = dtype === 'float32' ? { rtol: 2 ** -22, atol: 2 ** -149 } : {};
          assertClose(out.dataSync(), expected, tolerance, c.op);
        }),
      ),
      200,
    );
  });

  it('round takes halves away from zero; sign and relu keep NaN', () => {
    const x = T.fromArray([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999999999999994], { dtype: 'float64' });
    expect(Array.from(T.round(x).dataSync())).toEqual([-3, -2, -1, 1, 2, 3, 0]);
    const n = T.fromArray([Number.NaN, -3, 0, 4], { dtype: 'float64' });
    expect(Array.from(T.sign(n).dataSync())).toEqual([NaN, -1, 0, 1]);
    expect(Array.from(T.relu(n).dataSync())).toEqual([NaN, 0, 0, 4]);
  });

  it('sigmoid does not overflow for large |x|', () => {
    const y = T.sigmoid(T.fromArray([-1000, -50, 0, 50, 1000], { dtype: 'float64' })).dataSync();
    assertClose(y, [0, 1 / (1 + Math.exp(50)), 0.5, 1, 1], { rtol: 1e-15 });
  });
});

describe('erf', () => {
  const erfOf = (values: number[]) => Array.from(T.erf(T.fromArray(values, { dtype: 'float64' })).dataSync());

  it('matches tabulated values', () => {
    const table: [number, number][] = [
      [0, 0],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [1.5, 0.9661051464753108],
      [2, 0.9953222650189527],
      [2.5, 0.999593047982555],
      [3, 0.9999779095030014],
      [4, 0.9999999845827421],
      [5, 0.9999999999984626],
    ];
    assertClose(
      erfOf(table.map(([x]) => x)),
      table.map(([, y]) => y),
      // 1e-15 absolute is under 10 ulps of 1: the Taylor branch loses a few ulps to cancellation near 2
      { atol: 1e-15 },
      'erf',
    );
    expect(erfOf([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 30, -30])).toEqual([1, -1, 1, -1]);
    expect(Number.isNaN(erfOf([Number.NaN])[0])).toBe(true);
  });

  it('property: erf is odd, erf(-x) == -erf(x) exactly', () => {
    assertProperty(
      fc.property(
        fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (xs) =>
          T.tidy(() => {
            const pos = erfOf(xs);
            const neg = erfOf(xs.map((x) => -x));
            pos.forEach((p, i) => {
              expect(neg[i]).toBe(-p);
            });
          }),
      ),
      50,
    );
  });

  it('property: |erf(x) - 200-term series| < 1e-13 for |x| < 2.5 (and for 2.5 <= |x| <= 6)', () => {
    const grid = Array.from({ length: 1201 }, (_, i) => -6 + i * 0.01);
    assertClose(
      erfOf(grid),
      grid.map((x) => erfSeries(x)),
      { atol: 1e-13 },
      'erf on grid',
    );
    assertProperty(
      fc.property(
        fc.array(fc.double({ min: -2.5, max: 2.5, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 100,
        }),
        (xs) =>
          assertClose(
            erfOf(xs),
            xs.map((x) => erfSeries(x)),
            { atol: 1e-13 },
            'erf',
          ),
      ),
      100,
    );
  });

  it('property: erf is non-decreasing and stays within [-1, 1]', () => {
    const grid = Array.from({ length: 2001 }, (_, i) => -10 + i * 0.01);
    const y = erfOf(grid);
    for (let i = 1; i < y.length; i++) expect(y[i]).toBeGreaterThanOrEqual(y[i - 1]);
    expect(Math.max(...y.map(Math.abs))).toBeLessThanOrEqual(1);
  });
});
