import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty, refArb } from './helpers/arbitraries.js';
import { assertClose, numel } from './helpers/reference.js';

/** Row-major values as nested JS arrays of `shape` (a bare number for a scalar). */
function nest(data: readonly number[], shape: readonly number[]): T.NestedArray {
  if (shape.length === 0) return data[0];
  const inner = numel(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) =>
    nest(data.slice(i * inner, (i + 1) * inner), shape.slice(1)),
  );
}

describe('fromArray', () => {
  it('property: nested arrays give their shape and values (float32 by default, rounded), and toArray gives them back', () => {
    assertProperty(
      fc.property(refArb('float64', { maxRank: 4, maxSize: 60 }), (x) =>
        T.tidy(() => {
          const nested = nest(x.data, x.shape);
          const a = T.fromArray(nested);
          expect(a.dtype).toBe('float32');
          // nesting cannot show axes after a size-0 one: [] is shape [0], as in NumPy
          const zero = x.shape.indexOf(0);
          expect(a.shape).toEqual(zero < 0 ? x.shape : x.shape.slice(0, zero + 1));
          assertClose(a.dataSync(), x.data.map(Math.fround));
          const b = T.fromArray(nested, { dtype: 'float64' });
          expect(b.toArray()).toEqual(nested);
          const flat = T.fromArray(x.data, { shape: x.shape, dtype: 'float64' });
          expect(flat.toArray()).toEqual(nested);
        }),
      ),
      200,
    );
  });

  it('rejects ragged nested arrays and non-numbers', () => {
    expect(() => T.fromArray([[1, 2], [3]])).toThrow(/fromArray: ragged nested array at \[1\]/);
    expect(() => T.fromArray([[1], [2, 3]])).toThrow(/ragged/);
    expect(() => T.fromArray([1, [2]] as T.NestedArray)).toThrow(/ragged/);
    expect(() => T.fromArray([[1, 2], 3] as T.NestedArray)).toThrow(/ragged/);
    expect(() => T.fromArray([[[1]], [[2, 3]]])).toThrow(/ragged/);
    expect(() => T.fromArray(['a'] as unknown as T.NestedArray)).toThrow(
      /fromArray: element at \[0\] is string/,
    );
  });

  it('booleans give bool; typed arrays keep their dtype and are copied; an explicit dtype wins', () => {
    const b = T.fromArray([
      [true, false],
      [false, true],
    ]);
    expect(b.dtype).toBe('bool');
    expect(b.toArray()).toEqual([
      [true, false],
      [false, true],
    ]);
    const cases = [
      [new Float32Array([1.5, 2]), 'float32'],
      [new Float64Array([1.5, 2]), 'float64'],
      [new Int32Array([1, -2]), 'int32'],
      [new Uint8Array([1, 0]), 'bool'],
    ] as const;
    for (const [data, dtype] of cases) {
      const a = T.fromArray(data);
      expect(a.dtype).toBe(dtype);
      expect(Array.from(a.dataSync())).toEqual(Array.from(data));
      data[0] = 7;
      expect(a.dataSync()[0]).not.toBe(7);
    }
    expect(T.fromArray(new Float64Array([1.7, -1.7]), { dtype: 'int32' }).toArray()).toEqual([1, -1]);
    expect(T.fromArray([0, 2, -1], { dtype: 'bool' }).toArray()).toEqual([false, true, true]);
    expect(T.fromArray(5).shape).toEqual([]);
    expect(T.fromArray([]).shape).toEqual([0]);
    expect(T.fromArray([[], []]).shape).toEqual([2, 0]);
  });
});

describe('zeros, ones, full, arange, linspace, eye', () => {
  it('fill with the value stored in the dtype', () => {
    expect(T.zeros([2, 3]).dtype).toBe('float32');
    expect(Array.from(T.ones([2, 2], { dtype: 'int32' }).dataSync())).toEqual([1, 1, 1, 1]);
    expect(Array.from(T.full([3], 2.7, { dtype: 'int32' }).dataSync())).toEqual([2, 2, 2]);
    expect(Array.from(T.full([2], 0.1).dataSync())).toEqual([Math.fround(0.1), Math.fround(0.1)]);
    expect(T.zeros([0, 4]).size).toBe(0);
    expect(T.full([], 3).item()).toBe(3);
    const like = T.onesLike(T.zeros([2], { dtype: 'float64' }));
    expect([like.dtype, ...like.shape]).toEqual(['float64', 2]);
  });

  it('property: arange(start, stop, step) has max(0, ceil((stop - start) / step)) values start + i * step, int32 iff all are integers', () => {
    const caseArb = fc.record({
      start: fc.oneof(fc.integer({ min: -20, max: 20 }), fc.double({ min: -20, max: 20, noNaN: true })),
      stop: fc.oneof(fc.integer({ min: -20, max: 20 }), fc.double({ min: -20, max: 20, noNaN: true })),
      step: fc.oneof(
        fc.integer({ min: -5, max: 5 }).filter((s) => s !== 0),
        fc.constantFrom(0.25, -0.5, 1.5, 0.1),
      ),
    });
    assertProperty(
      fc.property(caseArb, ({ start, stop, step }) =>
        T.tidy(() => {
          const a = T.arange(start, stop, step, { dtype: 'float64' });
          const n = Math.max(0, Math.ceil((stop - start) / step));
          expect(a.shape).toEqual([n]);
          assertClose(
            a.dataSync(),
            Array.from({ length: n }, (_, i) => start + i * step),
            { rtol: 1e-15, atol: 1e-14 },
          );
          const inferred = T.arange(start, stop, step);
          expect(inferred.dtype).toBe([start, stop, step].every(Number.isInteger) ? 'int32' : 'float32');
        }),
      ),
      200,
    );
    expect(Array.from(T.arange(4).dataSync())).toEqual([0, 1, 2, 3]);
    expect(() => T.arange(0, 1, 0)).toThrow(/arange: step must be finite and non-zero, got 0/);
  });

  it('property: linspace(start, stop, num) starts and ends exactly and has equal steps', () => {
    const caseArb = fc.record({
      start: fc.double({ min: -100, max: 100, noNaN: true }),
      stop: fc.double({ min: -100, max: 100, noNaN: true }),
      num: fc.integer({ min: 0, max: 50 }),
    });
    assertProperty(
      fc.property(caseArb, ({ start, stop, num }) =>
        T.tidy(() => {
          const y = Array.from(T.linspace(start, stop, num, { dtype: 'float64' }).dataSync());
          expect(y.length).toBe(num);
          if (num === 0) return;
          expect(y[0]).toBe(start);
          if (num > 1) expect(y[num - 1]).toBe(stop);
          const step = num > 1 ? (stop - start) / (num - 1) : 0;
          assertClose(
            y,
            y.map((_, i) => start + i * step),
            { atol: 1e-12 * (1 + Math.abs(start) + Math.abs(stop)) },
          );
        }),
      ),
      100,
    );
  });

  it('property: eye(n, m)[i][j] is 1 exactly when i == j', () => {
    assertProperty(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), (n, m) =>
        T.tidy(() => {
          const e = T.eye(n, m, { dtype: 'int32' });
          expect(e.shape).toEqual([n, m]);
          const expected = Array.from({ length: n }, (_, i) =>
            Array.from({ length: m }, (_, j) => (i === j ? 1 : 0)),
          );
          expect(e.toArray()).toEqual(expected);
        }),
      ),
      40,
    );
  });
});

describe('random', () => {
  const stats = (values: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < values.length; i++) s += values[i];
    const mean = s / values.length;
    let v = 0;
    for (let i = 0; i < values.length; i++) v += (values[i] - mean) ** 2;
    return { mean, std: Math.sqrt(v / values.length) };
  };

  it('property: the same seed gives identical arrays; different seeds differ', () => {
    assertProperty(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 8, max: 64 }), (s1, s2, n) =>
        T.tidy(() => {
          for (const draw of [T.randomUniform, T.randomNormal]) {
            const a = draw([n], { seed: s1 }).dataSync();
            expect(draw([n], { seed: s1 }).dataSync()).toEqual(a);
            if (s1 !== s2) expect(draw([n], { seed: s2 }).dataSync()).not.toEqual(a);
          }
        }),
      ),
      50,
    );
  });

  it('float32 uniform values lie strictly inside (0, 1) and have the uniform mean and std', () => {
    const u = T.randomUniform([1 << 18], { seed: 11 }).dataSync();
    let lo = 1;
    let hi = 0;
    for (const v of u) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThan(0);
    expect(hi).toBeLessThan(1);
    const { mean, std } = stats(u);
    // standard error of the mean is 0.29 / sqrt(2^18) ~ 6e-4; the bounds are over 10 of them
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(std - Math.sqrt(1 / 12))).toBeLessThan(0.01);
    const scaled = T.randomUniform([1000], { seed: 12, low: -2, high: 3, dtype: 'float64' }).dataSync();
    expect(Math.min(...scaled)).toBeGreaterThan(-2);
    expect(Math.max(...scaled)).toBeLessThan(3);
  });

  it('normal samples (n = 20000) have mean ~ 0, std ~ 1 and ~68% within one std', () => {
    const z = T.randomNormal([20000], { seed: 13, dtype: 'float64' }).dataSync();
    const { mean, std } = stats(z);
    // standard errors: 1/sqrt(n) = 0.007 for the mean, 1/sqrt(2n) = 0.005 for the std
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(std - 1)).toBeLessThan(0.05);
    const within = Array.from(z).filter((v) => Math.abs(v) < 1).length / z.length;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.02);
    const shifted = stats(T.randomNormal([20000], { seed: 14, mean: 3, std: 0.5 }).dataSync());
    expect(Math.abs(shifted.mean - 3)).toBeLessThan(0.05);
    expect(Math.abs(shifted.std - 0.5)).toBeLessThan(0.05);
  });

  it('manualSeed makes a sequence of unseeded calls reproducible, and successive calls differ', () => {
    const run = () => [
      T.randomUniform([5]).dataSync(),
      T.randomNormal([3, 2]).dataSync(),
      T.randomUniform([7], { dtype: 'float64' }).dataSync(),
      T.randomNormal([4]).dataSync(),
    ];
    T.manualSeed(42);
    const first = run();
    T.manualSeed(42);
    const second = run();
    expect(second).toEqual(first);
    expect(T.randomUniform([5]).dataSync()).not.toEqual(first[0]);
    T.manualSeed(43);
    expect(T.randomUniform([5]).dataSync()).not.toEqual(first[0]);
  });

  it('an explicit Generator advances independently of the global one', () => {
    const g1 = new T.Generator(5);
    const g2 = new T.Generator(5);
    const a = T.randomNormal([6], { generator: g1 }).dataSync();
    T.randomUniform([3]);
    expect(T.randomNormal([6], { generator: g2 }).dataSync()).toEqual(a);
    expect(T.randomNormal([6], { generator: g1 }).dataSync()).not.toEqual(a);
  });
});
