import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CpuStorage } from '../src/backends/cpu/storage.js';
import { wasmMatmul } from '../src/backends/cpu/wasm/matmul.js';
import { residentAddress, residentBytesInUse } from '../src/backends/cpu/wasm/resident.js';
import { assertProperty } from './helpers/arbitraries.js';
import { expectClose, referenceValues, runtime, scrambled, withCpuOptions } from './helpers/fast-kernels.js';

/*
 * The WebAssembly matmul against the plain-TS reference kernel. The reference accumulates in
 * float64 (one rounding from exact); the fast kernel accumulates in float32 in some order, so
 * per element |fast - reference| <= (K + 2) 2^-24 S with S = sum_k |a_ik| |b_kj| (Higham §3.1).
 */

interface Operands {
  a: T.NDArray;
  b: T.NDArray;
}

/** Both operands broadcast to `batch` (what ops/matmul hands the kernel). */
function broadcastOperands({ a, b }: Operands): Operands {
  const batch = T.broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  return {
    a: a.expand([...batch, ...a.shape.slice(-2)]),
    b: b.expand([...batch, ...b.shape.slice(-2)]),
  };
}

/** Runs the wasm kernel directly (no size thresholds) and checks it against the reference. */
function checkFast({ a, b }: Operands, threads: number, what: string): void {
  const { a: x, b: y } = broadcastOperands({ a, b });
  const K = x.shape[x.rank - 1];
  const fast = wasmMatmul(runtime(), x, y, threads);
  const expected = referenceValues(() => T.matmul(a, b));
  const scale = referenceValues(() => T.matmul(T.abs(a), T.abs(b)));
  const tolerance = scale.map((s) => (K + 2) * 2 ** -24 * s);
  expectClose(fast, expected, tolerance, what);
}

/** A float32 array of `shape` with deterministic values in [-1, 1). */
function filled(shape: number[], seed: number): T.NDArray {
  return T.fromTyped(scrambled(T.sizeOf(shape), seed), shape);
}

/** [rows, cols] stored as given, or stored transposed and read through `.T`. */
function matrix(batch: number[], rows: number, cols: number, transposed: boolean, seed: number): T.NDArray {
  if (!transposed) return filled([...batch, rows, cols], seed);
  return filled([...batch, cols, rows], seed).transpose(-2, -1);
}

const dimArb = fc.oneof(fc.integer({ min: 1, max: 37 }), fc.constantFrom(1, 4, 8, 9, 16, 17));

describe('fast matmul equals the reference kernel', () => {
  for (const threads of [1, 2]) {
    it(`property (threads=${threads}): sizes 1..37, every transpose layout`, () => {
      const caseArb = fc.record({
        M: dimArb,
        K: dimArb,
        N: dimArb,
        transA: fc.boolean(),
        transB: fc.boolean(),
        seed: fc.nat(1000),
      });
      assertProperty(
        fc.property(caseArb, ({ M, K, N, transA, transB, seed }) =>
          T.tidy(() => {
            const a = matrix([], M, K, transA, seed);
            const b = matrix([], K, N, transB, seed + 1);
            checkFast({ a, b }, threads, `[${M},${K}]${transA ? 'ᵀ' : ''} x [${K},${N}]${transB ? 'ᵀ' : ''}`);
          }),
        ),
        60,
      );
    });

    it(`property (threads=${threads}): batch dims with broadcasting, in every layout`, () => {
      const batchDim = fc.constantFrom(1, 2, 3);
      const caseArb = fc.record({
        batchA: fc.array(batchDim, { maxLength: 2 }),
        keepB: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
        M: dimArb,
        K: dimArb,
        N: dimArb,
        transA: fc.boolean(),
        transB: fc.boolean(),
        seed: fc.nat(1000),
      });
      assertProperty(
        fc.property(caseArb, ({ batchA, keepB, M, K, N, transA, transB, seed }) =>
          T.tidy(() => {
            const batchB = batchA.map((d, i) => (keepB[i] ? d : 1));
            const a = matrix(batchA, M, K, transA, seed);
            const b = matrix(batchB, K, N, transB, seed + 1);
            checkFast({ a, b }, threads, `batch [${batchA}] x [${batchB}]`);
          }),
        ),
        40,
      );
    });
  }

  it('large K (several K blocks, K not a multiple of the block), threads 1 and 2', () => {
    for (const [M, K, N] of [
      [9, 600, 13],
      [33, 257, 70],
      [130, 513, 21],
    ]) {
      for (const threads of [1, 2]) {
        T.tidy(() =>
          checkFast({ a: filled([M, K], M), b: filled([K, N], N) }, threads, `[${M},${K}]x[${K},${N}]`),
        );
      }
    }
  });

  it('strided and sliced views (step 2, reversed, offset) are read in place', () => {
    T.tidy(() => {
      const big = filled([40, 50], 7);
      const a = big.slice([3, 40, 2], [1, 49, 3]); // [19, 16] with strides [100, 3]
      const b = filled([33, 20], 8).slice([null, null, -2], [2, 20]); // [17, 18] reversed rows
      const k = Math.min(a.shape[1], b.shape[0]);
      for (const threads of [1, 2]) {
        checkFast({ a: a.slice(null, [0, k]), b: b.slice([0, k]) }, threads, 'sliced views');
      }
      // A thin slice of a large array is gathered rather than copied whole.
      const huge = filled([300, 400], 9);
      checkFast({ a: huge.slice([5, 9], [100, 140]), b: filled([40, 6], 10) }, 1, 'thin slice');
    });
  });

  it('NaN and Inf propagate as in the reference', () => {
    T.tidy(() => {
      const aValues = scrambled(12 * 20, 3);
      aValues[5] = Number.NaN; // row 0
      aValues[3 * 20 + 7] = Number.POSITIVE_INFINITY; // row 3
      aValues[6 * 20 + 1] = Number.NEGATIVE_INFINITY; // row 6
      const bValues = scrambled(20 * 9, 4).map(Math.abs);
      bValues[7 * 9 + 2] = 0; // Inf * 0 = NaN in column 2 of row 3
      bValues[11 * 9 + 4] = Number.POSITIVE_INFINITY; // column 4
      const a = T.fromTyped(aValues, [12, 20]);
      const b = T.fromTyped(bValues, [20, 9]);
      for (const threads of [1, 2]) checkFast({ a, b }, threads, 'NaN/Inf');
    });
  });
});

describe('fast matmul dispatch', () => {
  it('the public matmul takes the fast path for large float32 and agrees with fast: false', () => {
    T.tidy(() => {
      const a = filled([70, 90], 1);
      const b = filled([90, 50], 2);
      const fast = T.matmul(a, b).dataSync();
      const reference = referenceValues(() => T.matmul(a, b));
      const scale = referenceValues(() => T.matmul(T.abs(a), T.abs(b)));
      expectClose(
        fast,
        reference,
        scale.map((s) => 92 * 2 ** -24 * s),
        'public matmul',
      );
    });
  });

  it('float64 matmul runs on the reference kernel (bit-identical to fast: false)', () => {
    T.tidy(() => {
      const a = T.randomNormal([40, 60], { seed: 1, dtype: 'float64' });
      const b = T.randomNormal([60, 30], { seed: 2, dtype: 'float64' });
      const out = T.matmul(a, b).dataSync();
      expect(Array.from(out)).toEqual(Array.from(referenceValues(() => T.matmul(a, b))));
    });
  });

  it('setCpuOptions({fast: false}) takes effect on the next call', () => {
    T.tidy(() => {
      const a = filled([64, 300], 5);
      const b = filled([300, 64], 6);
      const off = withCpuOptions({ fast: false }, () => Array.from(T.matmul(a, b).dataSync()));
      const offAgain = withCpuOptions({ fast: false }, () => Array.from(T.matmul(a, b).dataSync()));
      const on = Array.from(T.matmul(a, b).dataSync());
      expect(off).toEqual(offAgain);
      // float64 accumulation (reference) and float32 accumulation (fast) differ somewhere over K = 300
      expect(on).not.toEqual(off);
    });
  });

  it('returns its scratch memory, and the resident result is freed on dispose', () => {
    const before = runtime().memory.allocatedBytes();
    const residentBefore = residentBytesInUse();
    const a = filled([3, 50, 40], 1);
    const b = filled([40, 64], 2);
    const out = T.matmul(a, b); // [3, 50, 64]: rows of 64 fill whole tiles, so the kernel writes the result in place
    expect(residentAddress((out.storage as CpuStorage).data)).toBeDefined();
    const w = filled([64, 64], 3);
    const chained = T.matmul(out, w); // reads `out` where it is
    expect(chained.shape).toEqual([3, 50, 64]);
    for (const x of [a, b, w, out, chained]) x.dispose();
    T.tidy(() => T.matmul(filled([70, 50], 4), filled([50, 30], 5)).dispose());
    expect(residentBytesInUse()).toBe(residentBefore);
    expect(runtime().memory.allocatedBytes()).toBe(before);
  });
});
