import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wasmBinary, wasmUnary } from '../src/backends/cpu/wasm/elementwise.js';
import {
  WASM_BINARY_OPS,
  WASM_UNARY_OPS,
  type WasmUnaryOp,
} from '../src/backends/cpu/wasm/elementwise-kernels.js';
import { assertProperty } from './helpers/arbitraries.js';
import { expectClose, referenceValues, runtime, scrambled } from './helpers/fast-kernels.js';

/*
 * The WebAssembly elementwise kernels against the reference kernels (fast: false), which compute
 * in float64 and round once. Tolerances, relative to |reference|, in float32 ulps (2^-23):
 *   exact (0): neg, abs, floor, ceil, relu, square, sqrt, and the binary ops (one IEEE rounding,
 *              which double rounding through float64 reproduces);
 *   2 ulps: reciprocal, rsqrt (a float32 division after a float32 sqrt);
 *   4 ulps: exp, sigmoid, tanh (Cephes-style polynomials);
 * plus an absolute 2^-140 for results in the denormal range.
 */
const ULPS: Record<WasmUnaryOp, number> = {
  neg: 0,
  abs: 0,
  floor: 0,
  ceil: 0,
  relu: 0,
  square: 0,
  sqrt: 0,
  reciprocal: 2,
  rsqrt: 2,
  exp: 4,
  sigmoid: 4,
  tanh: 4,
};
const DENORMAL_ATOL = 2 ** -140;

function tolerance(reference: Float64Array, ulps: number): Float64Array {
  return reference.map((r) => ulps * 2 ** -23 * Math.abs(r) + DENORMAL_ATOL);
}

/** Values spread over [-scale, scale) with the special ones sprinkled in. */
function valuesWithSpecials(size: number, seed: number, scale: number): Float32Array {
  const out = scrambled(size, seed).map((v) => v * scale);
  const specials = [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    0,
    -0,
    1e-30,
    -100,
    100,
    88.5,
    -90,
  ];
  for (let i = 0; i < specials.length && i * 7 < size; i++) out[(i * 7 + seed) % size] = specials[i];
  return out;
}

const shapeArb = fc.oneof(
  fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }),
  fc.constantFrom([1], [3], [4], [5], [1, 1], [17, 5]),
);

describe('fast unary kernels equal the reference', () => {
  for (const threads of [1, 2]) {
    it(`property (threads=${threads}): every op, odd sizes, special values, contiguous and sliced views`, () => {
      const caseArb = fc.record({
        op: fc.constantFrom(...WASM_UNARY_OPS),
        shape: shapeArb,
        seed: fc.nat(1000),
        scale: fc.constantFrom(1, 10, 100),
        sliced: fc.boolean(),
      });
      assertProperty(
        fc.property(caseArb, ({ op, shape, seed, scale, sliced }) =>
          T.tidy(() => {
            const full = sliced ? [...shape.slice(0, -1), shape[shape.length - 1] + 3] : shape;
            const base = T.fromTyped(valuesWithSpecials(T.sizeOf(full), seed, scale), full);
            // a slice keeps rows adjacent (offset and outer strides change)
            const x = sliced
              ? base
                  .slice(...shape.slice(0, -1).map(() => null), [2, null])
                  .slice(...shape.map((d) => [0, d] as const))
              : base;
            const fast = wasmUnary(runtime(), op, x, threads);
            expect(fast, `${op} on ${x.shape}`).not.toBeNull();
            const expected = referenceValues(() => T.unary(op, x));
            expectClose(fast as Float32Array, expected, tolerance(expected, ULPS[op]), `${op} ${x.shape}`);
          }),
        ),
        120,
      );
    });
  }

  it('a transposed input is not taken (the reference runs it)', () => {
    T.tidy(() => {
      const x = T.fromTyped(scrambled(6 * 7, 1), [6, 7]).T;
      expect(wasmUnary(runtime(), 'exp', x, 1)).toBeNull();
    });
  });

  it('exp overflows to Inf, underflows through denormals to 0, and keeps NaN', () => {
    T.tidy(() => {
      const x = T.fromTyped(new Float32Array([89, 88.7, -87.5, -100, -103.5, -104, -200, Number.NaN]), [8]);
      const fast = wasmUnary(runtime(), 'exp', x, 1) as Float32Array;
      const expected = referenceValues(() => T.exp(x));
      expectClose(fast, expected, tolerance(expected, 4), 'exp edges');
      expect(fast[0]).toBe(Number.POSITIVE_INFINITY);
      expect(fast[6]).toBe(0);
      expect(fast[7]).toBeNaN();
    });
  });
});

describe('fast binary kernels equal the reference', () => {
  for (const threads of [1, 2]) {
    it(`property (threads=${threads}): every op with NumPy broadcasting (rows adjacent or repeated)`, () => {
      const caseArb = fc.record({
        op: fc.constantFrom(...WASM_BINARY_OPS),
        shape: shapeArb,
        dropA: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        dropB: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        seed: fc.nat(1000),
      });
      assertProperty(
        fc.property(caseArb, ({ op, shape, dropA, dropB, seed }) =>
          T.tidy(() => {
            // an operand broadcasts where its axis is 1
            const shapeA = shape.map((d, i) => (dropA[i] ? 1 : d));
            const shapeB = shape.map((d, i) => (dropB[i] && !dropA[i] ? 1 : d));
            const a = T.fromTyped(valuesWithSpecials(T.sizeOf(shapeA), seed, 10), shapeA);
            const b = T.fromTyped(valuesWithSpecials(T.sizeOf(shapeB), seed + 1, 10), shapeB);
            const out = T.broadcastShapes('test', shapeA, shapeB);
            const [x, y] = [a.expand(out), b.expand(out)];
            const fast = wasmBinary(runtime(), op, x, y, threads);
            const expected = referenceValues(() => T.binary(op, a, b));
            if (fast === null) {
              // only when both operands repeat within every row (then the reference runs)
              expect(T.sizeOf(shapeA) < T.sizeOf(out) && T.sizeOf(shapeB) < T.sizeOf(out)).toBe(true);
              return;
            }
            expectClose(fast, expected, 0, `${op} [${shapeA}] [${shapeB}]`);
          }),
        ),
        150,
      );
    });
  }

  it('takes the shapes training uses: bias rows, per-row scalars, scalars, large arrays split over threads', () => {
    T.tidy(() => {
      const x = T.fromTyped(scrambled(300 * 130, 1), [300, 130]);
      const cases: [string, T.NDArray, T.NDArray][] = [
        ['bias row', x, T.fromTyped(scrambled(130, 2), [130]).expand([300, 130])],
        ['per-row scalar', x, T.fromTyped(scrambled(300, 3), [300, 1]).expand([300, 130])],
        ['scalar', T.fromTyped(scrambled(1, 4), [1, 1]).expand([300, 130]), x],
        ['same shape', x, T.fromTyped(scrambled(300 * 130, 5), [300, 130])],
      ];
      for (const [name, a, b] of cases) {
        for (const threads of [1, 2]) {
          const fast = wasmBinary(runtime(), 'sub', a, b, threads);
          expect(fast, name).not.toBeNull();
          expectClose(
            fast as Float32Array,
            referenceValues(() => T.sub(a, b)),
            0,
            name,
          );
        }
      }
    });
  });
});

describe('fast elementwise dispatch', () => {
  it('float32 ops of 1024+ elements use the fast kernels; int32 and float64 stay exact', () => {
    T.tidy(() => {
      const x = T.fromTyped(valuesWithSpecials(2000, 1, 5), [2000]);
      expectClose(
        T.tanh(x).dataSync(),
        referenceValues(() => T.tanh(x)),
        tolerance(
          referenceValues(() => T.tanh(x)),
          4,
        ),
        'tanh',
      );
      const i = T.arange(2000, undefined, 1, { dtype: 'int32' });
      expect(Array.from(T.neg(i).dataSync())).toEqual(Array.from(referenceValues(() => T.neg(i))));
      const d = T.cast(x, 'float64');
      expect(Array.from(T.exp(d).dataSync())).toEqual(Array.from(referenceValues(() => T.exp(d))));
    });
  });
});
