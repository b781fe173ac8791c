import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty, broadcastPairArb, toRef } from './helpers/arbitraries.js';
import { assertArrayClose, matmulAbsRef, matmulRef, type Ref } from './helpers/reference.js';

type FloatDType = 'float32' | 'float64';

/**
 * Error bound per output element, as a multiple of S = sum_k |a_ik| |b_kj| (standard dot-product
 * analysis, Higham §3.1): any summation order in precision u has |error| <= K u S / (1 - K u).
 * - float64: u = 2^-53, so K <= 2000 gives < 2.3e-13 S; we allow 1e-12 S.
 * - float32: products of float32 inputs are exact in float64, so a kernel that accumulates in
 *   float64 is off by one final rounding (2^-24 |c|); a kernel that accumulates in float32 may
 *   be off by (K + 1) 2^-24 S. We allow (K + 2) 2^-24 S, which every correct kernel meets.
 */
function matmulTolerance(a: Ref, b: Ref, dtype: FloatDType): { scale: number[] } {
  const K = a.shape[a.shape.length - 1];
  const factor = dtype === 'float64' ? 1e-12 : (K + 2) * 2 ** -24;
  return { scale: matmulAbsRef(a, b).data.map((s) => factor * s) };
}

function randomArray(shape: number[], seed: number, dtype: FloatDType): T.NDArray {
  return T.randomNormal(shape, { seed, dtype });
}

/** matmul(a, b) against the triple loop, on the values a and b actually hold. */
function checkAgainstLoop(a: T.NDArray, b: T.NDArray, what = 'matmul'): void {
  const ra = toRef(a);
  const rb = toRef(b);
  const out = T.matmul(a, b);
  expect(out.dtype).toBe(a.dtype);
  assertArrayClose(
    { shape: out.shape, data: out.dataSync() },
    matmulRef(ra, rb),
    matmulTolerance(ra, rb, a.dtype as FloatDType),
    what,
  );
}

const sizeArb = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 3, 5, 7, 17, 33));

describe('matmul equals the triple loop', () => {
  it('property: [M, K] x [K, N] for M, N, K in 1..40 (odd sizes and 1 included), float64 and float32', () => {
    const caseArb = fc.record({
      M: sizeArb,
      K: sizeArb,
      N: sizeArb,
      seed: fc.nat(),
      dtype: fc.constantFrom<FloatDType>('float64', 'float32'),
    });
    assertProperty(
      fc.property(caseArb, ({ M, K, N, seed, dtype }) =>
        T.tidy(() =>
          checkAgainstLoop(randomArray([M, K], seed, dtype), randomArray([K, N], seed + 1, dtype)),
        ),
      ),
      80,
    );
  });

  it('property: transposed operands (a.T, b.T views) give the same result as contiguous copies', () => {
    const caseArb = fc.record({
      M: sizeArb,
      K: sizeArb,
      N: sizeArb,
      seed: fc.nat(),
      dtype: fc.constantFrom<FloatDType>('float64', 'float32'),
    });
    assertProperty(
      fc.property(caseArb, ({ M, K, N, seed, dtype }) =>
        T.tidy(() => {
          const at = randomArray([K, M], seed, dtype).T; // [M, K] view, column-major
          const bt = randomArray([N, K], seed + 1, dtype).T; // [K, N] view
          const a = at.clone();
          const b = bt.clone();
          const ra = toRef(a);
          const rb = toRef(b);
          const tolerance = matmulTolerance(ra, rb, dtype);
          const copies = toRef(T.matmul(a, b));
          for (const [x, y, name] of [
            [at, b, 'a.T x b'],
            [a, bt, 'a x b.T'],
            [at, bt, 'a.T x b.T'],
          ] as const) {
            const out = T.matmul(x, y);
            assertArrayClose({ shape: out.shape, data: out.dataSync() }, copies, tolerance, name);
          }
          checkAgainstLoop(at, bt, 'transposed vs loop');
        }),
      ),
      40,
    );
  });

  it('property: batch dims broadcast like NumPy (rank differences and size-1 batch axes)', () => {
    const caseArb = fc.record({
      batch: broadcastPairArb({ maxRank: 3, maxDim: 3, maxSize: 12, allowZero: false }),
      M: fc.integer({ min: 1, max: 5 }),
      K: fc.integer({ min: 1, max: 5 }),
      N: fc.integer({ min: 1, max: 5 }),
      seed: fc.nat(),
      dtype: fc.constantFrom<FloatDType>('float64', 'float32'),
    });
    assertProperty(
      fc.property(caseArb, ({ batch, M, K, N, seed, dtype }) =>
        T.tidy(() => {
          const a = randomArray([...batch.a, M, K], seed, dtype);
          const b = randomArray([...batch.b, K, N], seed + 1, dtype);
          checkAgainstLoop(a, b);
          expect(T.matmul(a, b).shape).toEqual([...batch.out, M, N]);
        }),
      ),
      100,
    );
  });

  it('[2, 1, 3, 4] x [5, 4, 2] gives [2, 5, 3, 2]', () => {
    const a = randomArray([2, 1, 3, 4], 1, 'float64');
    const b = randomArray([5, 4, 2], 2, 'float64');
    expect(T.matmul(a, b).shape).toEqual([2, 5, 3, 2]);
    checkAgainstLoop(a, b);
  });

  it('large K: [1, 2000] x [2000, 3] in float64 and float32', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      checkAgainstLoop(randomArray([1, 2000], 3, dtype), randomArray([2000, 3], 4, dtype), `K=2000 ${dtype}`);
    }
  });

  it('float32 sizes past the fast-kernel thresholds (single- and multi-threaded), in every transpose layout', () => {
    for (const [M, K, N] of [
      [37, 70, 45],
      [70, 71, 69],
    ]) {
      const a = randomArray([M, K], M, 'float32');
      const b = randomArray([K, N], N, 'float32');
      const at = randomArray([K, M], M + 1, 'float32').T;
      const bt = randomArray([N, K], N + 1, 'float32').T;
      for (const [x, y] of [
        [a, b],
        [at, b],
        [a, bt],
        [at, bt],
      ]) {
        checkAgainstLoop(x, y, `${M}x${K}x${N}`);
      }
    }
    checkAgainstLoop(
      randomArray([3, 1, 20, 30], 5, 'float32'),
      randomArray([2, 30, 25], 6, 'float32'),
      'batched',
    );
  });

  it('1-D operands are a row on the left and a column on the right, and their axis is dropped', () => {
    const v = randomArray([4], 5, 'float64');
    const m = randomArray([4, 3], 6, 'float64');
    const w = randomArray([3], 7, 'float64');
    const batched = randomArray([2, 4, 3], 8, 'float64');
    expect(T.matmul(v, m).shape).toEqual([3]);
    expect(T.matmul(m, w).shape).toEqual([4]);
    expect(T.matmul(v, v).shape).toEqual([]);
    expect(T.matmul(v, batched).shape).toEqual([2, 3]);
    expect(T.matmul(batched, w).shape).toEqual([2, 4]);
    checkAgainstLoop(v, m);
    checkAgainstLoop(m, w);
    checkAgainstLoop(v, v);
    checkAgainstLoop(v, batched);
    checkAgainstLoop(batched, w);
  });

  it('empty dimensions: K = 0 gives zeros, M = 0 or N = 0 gives an empty result', () => {
    expect(Array.from(T.matmul(T.zeros([3, 0]), T.zeros([0, 2])).dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(T.matmul(T.zeros([0, 3]), T.ones([3, 2])).shape).toEqual([0, 2]);
    expect(T.matmul(T.ones([2, 3]), T.ones([3, 0])).shape).toEqual([2, 0]);
    expect(T.matmul(T.ones([0, 2, 3]), T.ones([3, 4])).shape).toEqual([0, 2, 4]);
  });

  it('operands must share a float dtype', () => {
    expect(() => T.matmul(T.ones([2, 2]), T.ones([2, 2], { dtype: 'float64' }))).toThrow(
      /matmul: operands must share a float dtype, got float32 and float64/,
    );
    expect(() => T.matmul(T.ones([2, 2], { dtype: 'int32' }), T.ones([2, 2], { dtype: 'int32' }))).toThrow(
      /matmul.*int32/,
    );
  });
});
