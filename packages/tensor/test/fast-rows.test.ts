import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { layerNormFused, logSoftmaxFused, softmaxFused } from '../src/backends/cpu/fused.js';
import { wasmLayerNorm, wasmSoftmax } from '../src/backends/cpu/wasm/elementwise.js';
import { assertProperty } from './helpers/arbitraries.js';
import { expectClose, referenceValues, runtime, scrambled, withCpuOptions } from './helpers/fast-kernels.js';

/*
 * The fused softmax, logSoftmax and layerNorm (WebAssembly, and the plain-TS fallbacks) against
 * the composites of ops/nn.ts, rebuilt here from primitives and run on the reference kernels.
 * The composites round every step to float32, so tolerances grow with the row length L:
 *   softmax:    |d| <= (L + 8) 2^-23 |ref| + 1e-30   (sum of L terms, exp, one division)
 *   logSoftmax: |d| <= (L + 8) 2^-23 (|ref| + |max|) + 1e-6 (cancellation in x - lse)
 *   layerNorm:  |d| <= (L + 8) 2^-23 (|ref| + |bias| + 1) (mean, variance, then a scale)
 */

type Kind = 'softmax' | 'logSoftmax';

/** max over the last axis with ±Inf rows set to 0, as the composites' stableMax. */
function stableMax(x: T.NDArray): T.NDArray {
  const m = T.max(x, -1, { keepdims: true });
  return T.where(T.equal(T.abs(m), Number.POSITIVE_INFINITY), 0, m);
}

function compositeSoftmax(x: T.NDArray): T.NDArray {
  const e = T.exp(T.sub(x, stableMax(x)));
  return T.div(e, T.sum(e, -1, { keepdims: true }));
}

function compositeLogSoftmax(x: T.NDArray): T.NDArray {
  const m = stableMax(x);
  return T.sub(x, T.add(T.log(T.sum(T.exp(T.sub(x, m)), -1, { keepdims: true })), m));
}

function compositeLayerNorm(x: T.NDArray, w: T.NDArray | null, b: T.NDArray | null, eps: number): T.NDArray {
  const centered = T.sub(x, T.mean(x, -1, { keepdims: true }));
  let y = T.mul(centered, T.rsqrt(T.add(T.mean(T.square(centered), -1, { keepdims: true }), eps)));
  if (w) y = T.mul(y, w);
  if (b) y = T.add(y, b);
  return y;
}

/** Rows of values in [-scale, scale); some rows get NaN, +Inf, or are all -Inf. */
function rowsWithSpecials(
  rows: number,
  L: number,
  seed: number,
  scale: number,
  specials: boolean,
): Float32Array {
  const out = scrambled(rows * L, seed).map((v) => v * scale);
  if (specials && rows >= 4) {
    out[L + (seed % L)] = Number.NaN; // row 1
    out[2 * L + ((seed + 1) % L)] = Number.POSITIVE_INFINITY; // row 2
    out.fill(Number.NEGATIVE_INFINITY, 3 * L, 4 * L); // row 3
  }
  return out;
}

function softmaxTolerance(kind: Kind, x: Float32Array, reference: Float64Array, L: number): Float64Array {
  return reference.map((r, i) => {
    if (kind === 'softmax') return (L + 8) * 2 ** -23 * Math.abs(r) + 1e-30;
    let max = 0;
    const row = Math.floor(i / L) * L;
    for (let l = 0; l < L; l++) if (Number.isFinite(x[row + l])) max = Math.max(max, Math.abs(x[row + l]));
    return (L + 8) * 2 ** -23 * (Math.abs(r) + max) + 1e-6;
  });
}

const caseArb = fc.record({
  kind: fc.constantFrom<Kind>('softmax', 'logSoftmax'),
  batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
  rows: fc.integer({ min: 1, max: 6 }),
  L: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(1, 4, 5, 8, 256)),
  seed: fc.nat(1000),
  scale: fc.constantFrom(1, 30, 200),
  specials: fc.boolean(),
  sliced: fc.boolean(),
});

describe('fused softmax and logSoftmax equal the composites', () => {
  for (const threads of [1, 2]) {
    it(`property (threads=${threads}): WebAssembly kernel, any row length, NaN/Inf rows, sliced rows`, () => {
      assertProperty(
        fc.property(caseArb, ({ kind, batch, rows, L, seed, scale, specials, sliced }) =>
          T.tidy(() => {
            const shape = [...batch, rows, L];
            const values = rowsWithSpecials(T.sizeOf(shape) / L, L + (sliced ? 2 : 0), seed, scale, specials);
            const base = T.fromTyped(values.subarray(0, (T.sizeOf(shape) / L) * (L + (sliced ? 2 : 0))), [
              ...batch,
              rows,
              L + (sliced ? 2 : 0),
            ]);
            const x = sliced ? base.slice(...batch.map(() => null), null, [1, L + 1]) : base;
            const fast = wasmSoftmax(runtime(), kind, x, threads);
            expect(fast).not.toBeNull();
            const expected = referenceValues(() =>
              kind === 'softmax' ? compositeSoftmax(x) : compositeLogSoftmax(x),
            );
            const xs = x.contiguous().dataSync() as Float32Array;
            expectClose(
              fast as Float32Array,
              expected,
              softmaxTolerance(kind, xs, expected, L),
              `${kind} ${x.shape}`,
            );
          }),
        ),
        60,
      );
    });
  }

  it('property: the plain-TS fallback (any axis, float32 and float64) equals the composite', () => {
    const fallbackArb = fc.record({
      kind: fc.constantFrom<Kind>('softmax', 'logSoftmax'),
      shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
      axisSeed: fc.nat(),
      seed: fc.nat(1000),
      dtype: fc.constantFrom<'float32' | 'float64'>('float32', 'float64'),
    });
    assertProperty(
      fc.property(fallbackArb, ({ kind, shape, axisSeed, seed, dtype }) =>
        T.tidy(() => {
          const axis = axisSeed % shape.length;
          const x = T.cast(
            T.fromTyped(
              scrambled(T.sizeOf(shape), seed).map((v) => v * 20),
              shape,
            ),
            dtype,
          );
          const moved = x.transpose(axis, -1);
          const fused = new T.NDArray(
            (kind === 'softmax' ? softmaxFused : logSoftmaxFused)(x, axis),
            x.shape,
          );
          const expected = referenceValues(() =>
            (kind === 'softmax' ? compositeSoftmax(moved) : compositeLogSoftmax(moved)).transpose(axis, -1),
          );
          const ulp = dtype === 'float32' ? 2 ** -23 : 2 ** -50;
          const L = shape[axis];
          expectClose(
            fused.dataSync(),
            expected,
            expected.map((r) => (L + 8) * ulp * (Math.abs(r) + 20) + 1e-30),
            kind,
          );
        }),
      ),
      80,
    );
  });

  it('the public softmax takes the fused kernel and honours fast: false', () => {
    T.tidy(() => {
      const x = T.fromTyped(
        scrambled(64 * 33, 3).map((v) => v * 10),
        [64, 33],
      );
      const fast = T.softmax(x).dataSync();
      const slow = withCpuOptions({ fast: false }, () => T.softmax(x).dataSync());
      const expected = referenceValues(() => compositeSoftmax(x));
      const xs = x.dataSync() as Float32Array;
      expectClose(fast, expected, softmaxTolerance('softmax', xs, expected, 33), 'fast');
      expectClose(slow, expected, softmaxTolerance('softmax', xs, expected, 33), 'fast: false');
    });
  });
});

describe('fused layerNorm equals the composite', () => {
  const lnArb = fc.record({
    rows: fc.integer({ min: 1, max: 9 }),
    L: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.constantFrom(1, 4, 256)),
    seed: fc.nat(1000),
    scale: fc.constantFrom(1, 100),
    withWeight: fc.boolean(),
    withBias: fc.boolean(),
    eps: fc.constantFrom(1e-5, 1e-2),
    specials: fc.boolean(),
  });
  for (const threads of [1, 2]) {
    it(`property (threads=${threads}): WebAssembly kernel with and without weight/bias, NaN/Inf rows`, () => {
      assertProperty(
        fc.property(lnArb, ({ rows, L, seed, scale, withWeight, withBias, eps, specials }) =>
          T.tidy(() => {
            const x = T.fromTyped(rowsWithSpecials(rows, L, seed, scale, specials), [rows, L]);
            const w = withWeight
              ? T.fromTyped(
                  scrambled(L, seed + 1).map((v) => v + 1.5),
                  [L],
                )
              : null;
            const b = withBias ? T.fromTyped(scrambled(L, seed + 2), [L]) : null;
            const fast = wasmLayerNorm(runtime(), x, w, b, eps, threads);
            expect(fast).not.toBeNull();
            const expected = referenceValues(() => compositeLayerNorm(x, w, b, eps));
            const tol = expected.map((r) => (L + 8) * 2 ** -23 * (Math.abs(r) + 2));
            expectClose(fast as Float32Array, expected, tol, `layerNorm [${rows},${L}]`);
            const fused = new T.NDArray(layerNormFused(x, w, b, eps), x.shape).dataSync();
            expectClose(fused, expected, tol, `plain-TS layerNorm [${rows},${L}]`);
          }),
        ),
        60,
      );
    });
  }
});
