import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wasmReduce } from '../src/backends/cpu/wasm/reduce.js';
import type { WasmReduceOp } from '../src/backends/cpu/wasm/reduce-kernels.js';
import { assertProperty } from './helpers/arbitraries.js';
import { expectClose, referenceValues, runtime, scrambled, withCpuOptions } from './helpers/fast-kernels.js';

/*
 * The WebAssembly sum/max/min (wasm/reduce.ts) against the reference reduce kernel (fast: false).
 * max and min must match bit for bit: NaN wins, and a zero result has the sign of the first
 * zero. Sums accumulate in float32 (blocks of at most ~80 additions per lane, parts added in
 * float64) while the reference adds in float64, so they agree to
 *   |fast - ref| <= (min(n, 128) + 4) 2^-24 sum|x| + 2^-24 |ref|     (n: elements per result).
 */

type Values = 'random' | 'zeros' | 'specials';

/** Values in [-scale, scale), or ±0 and ±1 only (zero ties), or random with NaN/±Inf/±0 sprinkled in. */
function makeValues(size: number, seed: number, scale: number, kind: Values, op: WasmReduceOp): Float32Array {
  const out = scrambled(size, seed).map((v) => v * scale);
  if (kind === 'zeros') {
    // max over {-0, +0, -1}, min over {-0, +0, 1}: results are zeros whose sign depends on order
    const other = op === 'min' ? 1 : -1;
    return out.map((v, i) => [0, -0, other][Math.floor(Math.abs(v * 7919 + i)) % 3]);
  }
  if (kind === 'specials') {
    const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0];
    for (let i = seed % 13; i < size; i += 13 + (seed % 29)) out[i] = specials[(i + seed) % specials.length];
  }
  return out;
}

/** Element-wise Object.is: NaN equals NaN, +0 differs from -0. */
function expectIdentical(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      expect.fail(`${what}: element ${i} is ${actual[i]}, reference ${expected[i]}`);
  }
}

/** Checks `fast` against the reference reduction of `x` over `axes`. */
function expectMatchesReference(
  fast: ArrayLike<number>,
  op: WasmReduceOp,
  x: T.NDArray,
  axes: number[],
  what: string,
): void {
  const expected = referenceValues(() => T.reduce(op, x, axes));
  if (op !== 'sum') {
    expectIdentical(fast, expected, what);
    return;
  }
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  const magnitude = referenceValues(() => T.sum(T.abs(x), axes));
  const tolerance = expected.map(
    (r, i) => (Math.min(n, 128) + 4) * 2 ** -24 * magnitude[i] + 2 ** -24 * Math.abs(r),
  );
  expectClose(fast, expected, tolerance, what);
}

/** A contiguous block of axes [start, start + count) of a rank-`rank` array (count 0..rank). */
const caseArb = fc.record({
  op: fc.constantFrom<WasmReduceOp>('sum', 'max', 'min'),
  shape: fc.array(fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(1, 4, 16, 17, 33, 130, 257)), {
    minLength: 1,
    maxLength: 4,
  }),
  axisPicks: fc.tuple(fc.nat(), fc.nat()),
  seed: fc.nat(1000),
  scale: fc.constantFrom(1, 100),
  values: fc.constantFrom<Values>('random', 'random', 'zeros', 'specials'),
  sliced: fc.boolean(),
});

describe('WebAssembly reduce equals the reference', () => {
  for (const threads of [1, 2]) {
    it(`property (threads=${threads}): rows and columns layouts, any size, NaN/±Inf/±0, sliced views`, () => {
      let taken = 0;
      let total = 0;
      assertProperty(
        fc.property(caseArb, ({ op, shape, axisPicks, seed, scale, values, sliced }) =>
          T.tidy(() => {
            if (T.sizeOf(shape) > 40000) return;
            const rank = shape.length;
            const start = axisPicks[0] % (rank + 1);
            const count = 1 + (axisPicks[1] % (rank - Math.min(start, rank - 1)));
            const axes = Array.from({ length: Math.min(count, rank - start) }, (_, i) => start + i);
            if (axes.length === 0) axes.push(rank - 1);
            // sliced: the last axis is a window [1, L + 1) of a wider array (rows not adjacent)
            const stored = sliced ? [...shape.slice(0, -1), shape[rank - 1] + 2] : shape;
            const base = T.fromTyped(makeValues(T.sizeOf(stored), seed, scale, values, op), stored);
            const x = sliced
              ? base.slice(...shape.slice(0, -1).map(() => null), [1, shape[rank - 1] + 1])
              : base;
            const fast = wasmReduce(runtime(), op, x, axes, threads);
            total++;
            if (fast === null) return;
            taken++;
            expectMatchesReference(fast, op, x, axes, `${op} ${x.shape} over [${axes}]`);
          }),
        ),
        150,
      );
      // most generated layouts are ones the kernels take (the others are tested below)
      expect(taken).toBeGreaterThan(total * 0.6);
    });
  }

  it('rows, all axes and leading axes take the WebAssembly path; other layouts return null', () => {
    T.tidy(() => {
      const x = T.fromTyped(scrambled(6 * 5 * 7, 1), [6, 5, 7]);
      const rt = runtime();
      for (const axes of [[2], [1, 2], [0, 1, 2], [0], [0, 1], [1]])
        expect(wasmReduce(rt, 'sum', x, axes, 1), `axes [${axes}]`).not.toBeNull();
      // reduced axes apart, a transposed inner axis, a broadcast (stride 0) reduced axis
      expect(wasmReduce(rt, 'sum', x, [0, 2], 1)).toBeNull();
      expect(wasmReduce(rt, 'max', x.transpose(1, 2), [2], 1)).toBeNull();
      const broadcast = T.fromTyped(scrambled(7, 2), [1, 7]).expand([5, 7]);
      expect(wasmReduce(rt, 'sum', broadcast.transpose(0, 1), [1], 1)).toBeNull();
      // reducing only size-1 axes is a copy: left to the reference
      expect(wasmReduce(rt, 'sum', T.fromTyped(scrambled(8, 3), [8, 1]), [1], 1)).toBeNull();
    });
  });

  it('work cut for threads (row groups, segments of long rows, column and row blocks) matches', () => {
    const cases: [number[], number[]][] = [
      [[20011], [0]], // one long row: segments
      [[3, 9001], [1]], // few long rows: segments per row
      [[700, 33], [1]], // many short rows: row groups
      [[300, 70], [0]], // columns: row blocks
      [[5, 4096], [0]], // few rows, wide: column blocks
      [[3, 300, 70], [1]], // panels of columns
      [
        [2, 3, 1500],
        [0, 1, 2],
      ],
    ];
    T.tidy(() => {
      for (const [shape, axes] of cases) {
        for (const [op, values] of [
          ['sum', 'random'],
          ['max', 'specials'],
          ['min', 'zeros'],
        ] as const) {
          const x = T.fromTyped(makeValues(T.sizeOf(shape), 5, 10, values, op), shape);
          for (const threads of [2, 3]) {
            const fast = wasmReduce(runtime(), op, x, axes, threads);
            expect(fast, `${op} ${shape} over [${axes}]`).not.toBeNull();
            expectMatchesReference(
              fast as Float32Array,
              op,
              x,
              axes,
              `${op} ${shape} [${axes}] threads=${threads}`,
            );
          }
        }
      }
    });
  });

  it('a long float32 sum stays accurate (naive float32 accumulation is off by ~1%)', () => {
    T.tidy(() => {
      const n = 1 << 20;
      const tenth = Math.fround(0.1);
      const x = T.fromTyped(new Float32Array(n).fill(tenth), [n]);
      for (const threads of [1, 2]) {
        const fast = wasmReduce(runtime(), 'sum', x, [0], threads) as Float32Array;
        expect(Math.abs(fast[0] - n * tenth) / (n * tenth), `threads=${threads}`).toBeLessThan(1e-6);
      }
      // column sums of 4096 rows (a bias gradient) likewise
      const rows = T.fromTyped(new Float32Array(4096 * 8).fill(tenth), [4096, 8]);
      const columns = wasmReduce(runtime(), 'sum', rows, [0], 1) as Float32Array;
      for (const v of columns) expect(Math.abs(v - 4096 * tenth) / (4096 * tenth)).toBeLessThan(1e-6);
    });
  });
});

describe('the public sum/max/min on the fast backend', () => {
  const publicArb = fc.record({
    op: fc.constantFrom<WasmReduceOp>('sum', 'max', 'min'),
    layout: fc.constantFrom('rows', 'all', 'leading', 'middle', 'transposed', 'broadcast'),
    seed: fc.nat(1000),
    values: fc.constantFrom<Values>('random', 'zeros', 'specials'),
    keepdims: fc.boolean(),
    threads: fc.constantFrom(1, 2),
  });

  it('property: equals fast: false for every layout (fast or fallen back), with keepdims', () => {
    assertProperty(
      fc.property(publicArb, ({ op, layout, seed, values, keepdims, threads }) =>
        T.tidy(() => {
          const shape = [6, 130, 37];
          const base = T.fromTyped(makeValues(T.sizeOf(shape), seed, 10, values, op), shape);
          const cases: Record<string, [T.NDArray, number[]]> = {
            rows: [base, [2]],
            all: [base, [0, 1, 2]],
            leading: [base, [0, 1]],
            middle: [base, [1]],
            transposed: [base.transpose(0, 2), [2]],
            broadcast: [T.fromTyped(makeValues(37 * 6, seed, 10, values, op), [6, 1, 37]).expand(shape), [1]],
          };
          const [x, axes] = cases[layout];
          const out = withCpuOptions({ threads }, () => T.reduce(op, x, axes, { keepdims }));
          expect(out.shape).toEqual(
            keepdims
              ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
              : x.shape.filter((_, i) => !axes.includes(i)),
          );
          expect(out.dtype).toBe('float32');
          expectMatchesReference(out.dataSync(), op, x, axes, `${op} ${layout}`);
        }),
      ),
      40,
    );
  });

  it('prod, float64 and int32 reductions stay on the reference', () => {
    T.tidy(() => {
      const x = T.fromTyped(
        scrambled(64 * 64, 4).map((v) => 1 + v / 64),
        [64, 64],
      );
      const prod = T.prod(x, -1).dataSync();
      expectIdentical(
        prod,
        referenceValues(() => T.prod(x, -1)),
        'prod',
      );
      const x64 = T.cast(x, 'float64');
      expectIdentical(
        T.sum(x64, 0).dataSync(),
        referenceValues(() => T.sum(x64, 0)),
        'float64 sum',
      );
      const ints = T.cast(T.mul(x, 100), 'int32');
      const intSum = T.sum(ints, -1);
      expect(intSum.dtype).toBe('int32');
      expectIdentical(
        intSum.dataSync(),
        referenceValues(() => T.sum(ints, -1)),
        'int32 sum',
      );
    });
  });
});
