import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { erf } from '../src/backends/cpu/math.js';
import { wasmGelu } from '../src/backends/cpu/wasm/gelu.js';
import type { GeluApproximation } from '../src/backends/cpu/wasm/gelu-kernels.js';
import { assertProperty } from './helpers/arbitraries.js';
import { expectClose, referenceValues, runtime, withCpuOptions } from './helpers/fast-kernels.js';

/*
 * The fused GELU (WebAssembly, and the plain-TS kernel behind fast: false) against
 *   - exact float64 values: 'none' within 1e-6 relative; 'tanh' (computed as x / (1 + e^w),
 *     w = -2√(2/π)(x + 0.044715x³)) within (3|w| + 8) 2^-23 relative, as w is rounded to
 *     float32 before the exp; both with 1e-37 absolute for results that flush to ∓0;
 *   - the composites of ops/nn.ts on the reference kernels, which round every step to float32
 *     (1 + erf or 1 + tanh cancels for x < 0): |d| <= 1e-6 |ref| + 4·2^-23 |x|.
 */

const F32_MAX = 3.4028234663852886e38;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** erfc(z) for z >= 0 to ~1e-14 relative: 1 - erf below 2.5, Lentz's continued fraction above. */
function erfc(z: number): number {
  if (z < 2.5) return 1 - erf(z);
  if (z > 27) return 0;
  let f = z;
  let c = z;
  let d = 0;
  for (let k = 1; k < 300; k++) {
    d = 1 / (z + (k / 2) * d);
    c = z + k / 2 / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
}

function tanhExponent(x: number): number {
  return -2 * SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
}

/** GELU in float64 without cancellation: Φ(x) = erfc(|x|/√2)/2 or 1 minus it. */
function exactGelu(x: number, approximate: GeluApproximation): number {
  if (approximate === 'tanh') return x / (1 + Math.exp(tanhExponent(x)));
  const q = 0.5 * erfc(Math.abs(x) * Math.SQRT1_2);
  return x * (x >= 0 ? 1 - q : q);
}

function exactTolerance(x: ArrayLike<number>, approximate: GeluApproximation): number[] {
  return Array.from(x, (v) => {
    const e = Math.abs(exactGelu(v, approximate));
    const relative = approximate === 'none' ? 1e-6 : (3 * Math.abs(tanhExponent(v)) + 8) * 2 ** -23;
    return relative * e + 1e-37;
  });
}

/** The plain-TS kernel rounds a float64 value once: half an ulp (denormals: 2^-150 absolute). */
function plainTolerance(x: number, approximate: GeluApproximation): number {
  return (2 ** -24 + 1e-12) * Math.abs(exactGelu(x, approximate)) + 2 ** -149;
}

function compositeGelu(x: T.NDArray, approximate: GeluApproximation): T.NDArray {
  const inner =
    approximate === 'tanh'
      ? T.tanh(T.mul(T.add(x, T.mul(T.mul(T.square(x), x), 0.044715)), SQRT_2_OVER_PI))
      : T.erf(T.mul(x, Math.SQRT1_2));
  return T.mul(T.mul(x, 0.5), T.add(inner, 1));
}

function expectNearExact(
  actual: ArrayLike<number>,
  x: ArrayLike<number>,
  a: GeluApproximation,
  what: string,
) {
  const exact = Array.from(x, (v) => exactGelu(v, a));
  expectClose(actual, exact, exactTolerance(x, a), what);
}

function expectNearComposite(actual: ArrayLike<number>, x: T.NDArray, a: GeluApproximation, what: string) {
  const expected = referenceValues(() => compositeGelu(x, a));
  const xs = x.contiguous().dataSync();
  const tolerance = expected.map((r, i) => 1e-6 * Math.abs(r) + 4 * 2 ** -23 * Math.abs(xs[i]) + 1e-37);
  expectClose(actual, expected, tolerance, what);
}

const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.float({ min: -8, max: 8, noNaN: true }) },
  { weight: 2, arbitrary: fc.float({ min: -40, max: 40, noNaN: true }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-30),
  },
);

const caseArb = fc.record({
  approximate: fc.constantFrom<GeluApproximation>('none', 'tanh'),
  shape: fc.array(fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constantFrom(1, 4, 16, 33, 257)), {
    minLength: 1,
    maxLength: 3,
  }),
  values: fc.array(valueArb, { minLength: 1, maxLength: 64 }),
  sliced: fc.boolean(),
});

describe('WebAssembly GELU', () => {
  for (const threads of [1, 2]) {
    it(`property (threads=${threads}): exact within 1e-6 ('none'), any size, sliced views, NaN/±Inf`, () => {
      assertProperty(
        fc.property(caseArb, ({ approximate, shape, values, sliced }) =>
          T.tidy(() => {
            const rank = shape.length;
            const stored = sliced ? [...shape.slice(0, -1), shape[rank - 1] + 2] : shape;
            const data = Float32Array.from({ length: T.sizeOf(stored) }, (_, i) => values[i % values.length]);
            const base = T.fromTyped(data, stored);
            const x = sliced
              ? base.slice(...shape.slice(0, -1).map(() => null), [1, shape[rank - 1] + 1])
              : base;
            const fast = wasmGelu(runtime(), x, approximate, threads);
            // a window of width 1 leaves no adjacent elements: the plain-TS kernel's case
            const adjacent = !sliced || shape[rank - 1] > 1 || T.sizeOf(shape) === 1;
            expect(fast === null, `null result for ${x.shape} sliced=${sliced}`).toBe(!adjacent);
            const out = fast ?? T.gelu(x, approximate).dataSync();
            const xs = x.contiguous().dataSync();
            expectNearExact(out, xs, approximate, `gelu ${approximate} ${x.shape}`);
            expectNearComposite(out, x, approximate, `gelu ${approximate} ${x.shape}`);
          }),
        ),
        80,
      );
    });
  }

  it('a dense sweep of [-16, 16]: relative error of the erf kernel at most 1e-6', () => {
    T.tidy(() => {
      const xs = Float32Array.from({ length: 1 << 16 }, (_, i) => -16 + (32 * i) / (1 << 16));
      for (const approximate of ['none', 'tanh'] as const) {
        const fast = wasmGelu(runtime(), T.fromTyped(xs), approximate, 1) as Float32Array;
        expectNearExact(fast, xs, approximate, `sweep ${approximate}`);
      }
    });
  });

  it('special values: NaN, ±Inf, ±0, huge and tiny x follow the composite', () => {
    const specials = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0,
      -0,
      1e-30,
      -1e-30,
      1e20,
      -1e20,
      F32_MAX,
      -F32_MAX,
    ];
    const expected = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      0,
      -0,
      5e-31,
      -5e-31,
      1e20,
      -0,
      F32_MAX,
      -0,
    ];
    T.tidy(() => {
      // repeated past the public op's size threshold, so T.gelu takes the WebAssembly kernel too
      const x = T.fromTyped(Float32Array.from({ length: 11 * 40 }, (_, i) => specials[i % 11]));
      for (const approximate of ['none', 'tanh'] as const) {
        const composite = referenceValues(() => compositeGelu(x, approximate));
        for (const [label, out] of [
          ['wasm', wasmGelu(runtime(), x, approximate, 1) as Float32Array],
          ['public', T.gelu(x, approximate).dataSync()],
          ['fast: false', referenceValues(() => T.gelu(x, approximate))],
        ] as const) {
          for (let i = 0; i < specials.length; i++) {
            const e = Math.fround(expected[i]);
            expect(
              Object.is(out[i], e),
              `${label} ${approximate} gelu(${specials[i]}) = ${out[i]}, not ${e}`,
            ).toBe(true);
            if (!Number.isFinite(e) || e === 0) expect(Object.is(composite[i], e)).toBe(true);
          }
        }
      }
    });
  });

  it('a view with a repeated (stride 0) inner axis is left to the plain-TS kernel', () => {
    T.tidy(() => {
      const row = T.fromTyped(new Float32Array([0.5, -1.5, 2, 3]), [1, 4]);
      const x = row.expand([300, 4]).transpose(0, 1);
      expect(wasmGelu(runtime(), x, 'none', 1)).toBeNull();
      const xs = x.contiguous().dataSync();
      const tolerance = Array.from(xs, (v) => plainTolerance(v, 'none'));
      expectClose(
        T.gelu(x).dataSync(),
        Array.from(xs, (v) => exactGelu(v, 'none')),
        tolerance,
        'repeated',
      );
    });
  });
});

describe('the public gelu', () => {
  it('the cpu backend has a gelu kernel; fast and fast: false both match the exact values', () => {
    expect(T.hasKernel('cpu', 'gelu')).toBe(true);
    T.tidy(() => {
      const xs = Float32Array.from({ length: 64 * 33 }, (_, i) => -16 + (32 * ((i * 7919) % 2112)) / 2112);
      const x = T.fromTyped(xs, [64, 33]);
      for (const approximate of ['none', 'tanh'] as const) {
        for (const threads of [1, 2]) {
          const fast = withCpuOptions({ threads }, () => T.gelu(x, approximate));
          expect(fast.shape).toEqual([64, 33]);
          expect(fast.dtype).toBe('float32');
          expectNearExact(fast.dataSync(), xs, approximate, `fast ${approximate} threads=${threads}`);
        }
        // fast: false runs the plain-TS kernel: float64 arithmetic without cancellation, one rounding
        const slow = referenceValues(() => T.gelu(x, approximate));
        const tolerance = Array.from(xs, (v) => plainTolerance(v, approximate));
        const exact = Array.from(xs, (v) => exactGelu(v, approximate));
        expectClose(slow, exact, tolerance, `fast: false ${approximate}`);
      }
    });
  });

  it('integer and bool input are promoted to float32; float64 runs the float64 composite', () => {
    T.tidy(() => {
      const ints = T.fromTyped(Int32Array.from({ length: 300 }, (_, i) => (i % 13) - 6));
      const fromInts = T.gelu(ints);
      expect(fromInts.dtype).toBe('float32');
      expectNearExact(fromInts.dataSync(), ints.dataSync(), 'none', 'int32');
      const bools = T.fromTyped(Uint8Array.from({ length: 300 }, (_, i) => i % 2));
      const fromBools = T.gelu(bools, 'tanh');
      expect(fromBools.dtype).toBe('float32');
      expectNearExact(fromBools.dataSync(), bools.dataSync(), 'tanh', 'bool');
      const x64 = T.fromTyped(Float64Array.from({ length: 300 }, (_, i) => -3 + i / 50));
      const out64 = T.gelu(x64);
      expect(out64.dtype).toBe('float64');
      // float64 accuracy: a float32 kernel would be off by ~1e-8
      expectClose(
        out64.dataSync(),
        Array.from(x64.dataSync(), (v) => exactGelu(v, 'none')),
        1e-13,
        'float64',
      );
    });
  });

  it('rejects an unknown approximation', () => {
    const x = T.fromTyped(new Float32Array([1, 2]));
    expect(() => T.gelu(x, 'fast' as 'none')).toThrow(T.ArgumentError);
    x.dispose();
  });
});
