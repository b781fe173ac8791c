import type { Storage } from '../../backend.js';
import { allocTyped } from '../../dtype.js';
import type { NDArray } from '../../ndarray.js';
import { erf } from './math.js';
import { cpuStorage, rowMajor } from './storage.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
/** Below this x, Φ(x) = erfc(-x/√2)/2 comes from the continued fraction (1 + erf would cancel). */
const TAIL = -2.5 * Math.SQRT2;

/** erfc(z) for z >= 2.5 by Lentz's method on its continued fraction (as math.ts does for erf). */
function erfcTail(z: number): number {
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

/** x·Φ(x) in float64, without cancellation on either side. */
function geluExact(x: number): number {
  if (x < TAIL) return x * 0.5 * erfcTail(-x * Math.SQRT1_2);
  return 0.5 * x * (1 + erf(x * Math.SQRT1_2));
}

/** 0.5·x·(1 + tanh(u)) written as x / (1 + exp(-2u)), which does not cancel for x < 0. */
function geluTanh(x: number): number {
  return x / (1 + Math.exp(-2 * SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

/**
 * Plain-TypeScript fused GELU: what the cpu backend runs when the WebAssembly kernel does not
 * apply (fast: false, small arrays, views without adjacent elements). The composite's formula
 * (exact via erf, or GPT-2's tanh approximation) in float64 arithmetic, rounded once.
 */
export function geluFused(x: NDArray, approximate: 'none' | 'tanh'): Storage {
  const src = rowMajor(x);
  const out = allocTyped(x.dtype, src.length);
  const fn = approximate === 'tanh' ? geluTanh : geluExact;
  for (let i = 0; i < src.length; i++) out[i] = fn(src[i]);
  return cpuStorage(out);
}
