import type * as T from '@typegrad/tensor';
import { expect } from 'vitest';
import { getCpuOptions, setCpuOptions } from '../../src/backends/cpu/options.js';
import { getWasmRuntime, type WasmRuntime } from '../../src/backends/cpu/wasm/runtime.js';

/** The fast kernels' runtime; these suites need it (WebAssembly SIMD exists in every Node >= 16.4). */
export function runtime(): WasmRuntime {
  const rt = getWasmRuntime();
  if (!rt) throw new Error('fast kernels: WebAssembly SIMD runtime unavailable in this Node');
  return rt;
}

/** Runs `fn` with cpu options changed, restoring them afterwards. */
export function withCpuOptions<R>(changes: Partial<{ fast: boolean; threads: number }>, fn: () => R): R {
  const before = { ...getCpuOptions() };
  setCpuOptions(changes);
  try {
    return fn();
  } finally {
    setCpuOptions(before);
  }
}

/** The reference result of `fn` (fast kernels off), as row-major values. */
export function referenceValues(fn: () => T.NDArray): Float64Array {
  return withCpuOptions({ fast: false }, () => {
    const out = fn();
    const values = Float64Array.from(out.dataSync());
    out.dispose();
    return values;
  });
}

/**
 * Element-wise |actual - expected| <= tolerance[i] (a number applies to all), with NaN where the
 * reference has NaN and the same infinity where it has one.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number | ArrayLike<number>,
  what: string,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const [a, e] = [actual[i], expected[i]];
    const tol = typeof tolerance === 'number' ? tolerance : tolerance[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      if (!Object.is(a, e)) expect.fail(`${what}: element ${i} is ${a}, reference ${e}`);
      continue;
    }
    if (!(Math.abs(a - e) <= tol))
      expect.fail(`${what}: element ${i} is ${a}, reference ${e} (tolerance ${tol})`);
  }
}

/** Values 0, 1, 2, ... scaled into [-1, 1) in a scrambled order: deterministic, with no ties in structure. */
export function scrambled(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}
