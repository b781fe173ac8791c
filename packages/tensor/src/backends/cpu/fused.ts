import type { Storage } from '../../backend.js';
import { allocTyped, promoteTypes, type TypedArray } from '../../dtype.js';
import type { NDArray } from '../../ndarray.js';
import { sizeOf } from '../../shape.js';
import { cpuStorage, rowMajor } from './storage.js';

/*
 * Plain-TypeScript fused softmax, logSoftmax and layerNorm: what the cpu backend runs when the
 * WebAssembly kernels do not apply (float64, an axis other than the last, fast: false). They
 * follow the composites of ops/nn.ts step for step (same stable max, same order of operations)
 * in float64 arithmetic, rounding once to the output dtype.
 */

/** Calls `fn(base, stride, length)` for each lane along `axis` of a row-major array of `shape`. */
function forEachLane(
  shape: readonly number[],
  axis: number,
  fn: (base: number, stride: number, length: number) => void,
): void {
  const length = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  const outer = sizeOf(shape.slice(0, axis));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) fn(o * length * inner + i, inner, length);
  }
}

/** max of a lane (NaN wins), then 0 where it is ±Inf, as the composite's stableMax. */
function stableMax(x: TypedArray, base: number, stride: number, length: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let l = 0; l < length; l++) {
    const v = x[base + l * stride];
    if (v !== v) return Number.NaN;
    if (v > m) m = v;
  }
  return Math.abs(m) === Number.POSITIVE_INFINITY ? 0 : m;
}

export function softmaxFused(x: NDArray, axis: number): Storage {
  const src = rowMajor(x);
  const out = allocTyped(x.dtype, src.length);
  forEachLane(x.shape, axis, (base, stride, length) => {
    const m = stableMax(src, base, stride, length);
    let sum = 0;
    for (let l = 0; l < length; l++) sum += Math.exp(src[base + l * stride] - m);
    for (let l = 0; l < length; l++) out[base + l * stride] = Math.exp(src[base + l * stride] - m) / sum;
  });
  return cpuStorage(out);
}

export function logSoftmaxFused(x: NDArray, axis: number): Storage {
  const src = rowMajor(x);
  const out = allocTyped(x.dtype, src.length);
  forEachLane(x.shape, axis, (base, stride, length) => {
    const m = stableMax(src, base, stride, length);
    let sum = 0;
    for (let l = 0; l < length; l++) sum += Math.exp(src[base + l * stride] - m);
    const lse = Math.log(sum) + m;
    for (let l = 0; l < length; l++) out[base + l * stride] = src[base + l * stride] - lse;
  });
  return cpuStorage(out);
}

export function layerNormFused(
  x: NDArray,
  weight: NDArray | null,
  bias: NDArray | null,
  eps: number,
): Storage {
  const src = rowMajor(x);
  const w = weight ? rowMajor(weight) : null;
  const b = bias ? rowMajor(bias) : null;
  // As the composite: mul/add with the weight and bias promote the dtype.
  const dtype = [weight, bias].reduce((d, p) => (p ? promoteTypes(d, p.dtype) : d), x.dtype);
  const out = allocTyped(dtype, src.length);
  forEachLane(x.shape, x.rank - 1, (base, _stride, length) => {
    let sum = 0;
    for (let l = 0; l < length; l++) sum += src[base + l];
    const mean = sum / length;
    let squares = 0;
    for (let l = 0; l < length; l++) squares += (src[base + l] - mean) ** 2;
    const rstd = 1 / Math.sqrt(squares / length + eps);
    for (let l = 0; l < length; l++) {
      let y = (src[base + l] - mean) * rstd;
      if (w) y *= w[l];
      if (b) y += b[l];
      out[base + l] = y;
    }
  });
  return cpuStorage(out);
}
