import type { ArgReduceOp, ReduceOp, Storage } from '../../backend.js';
import { allocTyped, type DType } from '../../dtype.js';
import type { NDArray } from '../../ndarray.js';
import { sizeOf } from '../../shape.js';
import { cpuStorage, rowMajor } from './storage.js';

/** Moves the reduced axes last, so each output element reduces one contiguous run. */
function reducedLast(
  x: NDArray,
  axes: readonly number[],
): { data: ArrayLike<number>; outer: number; inner: number } {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const view = x.permute([...kept, ...axes]);
  const data = rowMajor(view);
  view.dispose();
  const inner = sizeOf(axes.map((a) => x.shape[a]));
  return { data, outer: inner === 0 ? sizeOf(kept.map((a) => x.shape[a])) : data.length / inner, inner };
}

/**
 * The identity of `op` in `dtype`, which an empty reduction returns (TensorFlow's convention):
 * max starts from the lowest value the dtype holds, min from the highest.
 */
function identity(op: ReduceOp, dtype: DType): number {
  if (op === 'sum') return 0;
  if (op === 'prod') return 1;
  const [lowest, highest] =
    dtype === 'int32' ? [-(2 ** 31), 2 ** 31 - 1] : dtype === 'bool' ? [0, 1] : [-Infinity, Infinity];
  return op === 'max' ? lowest : highest;
}

/**
 * Sum over the leading axes of a contiguous array (a bias gradient: [B, T, C] → [C]) adds
 * whole rows, reading memory in order instead of transposing first.
 */
function sumLeadingAxes(x: NDArray, axes: readonly number[], outDtype: DType): Storage | null {
  if (!x.isContiguous || axes.some((a, i) => a !== i) || axes.length === x.rank) return null;
  const data = rowMajor(x);
  const width = sizeOf(x.shape.slice(axes.length));
  const out = allocTyped(outDtype, width);
  const acc = new Float64Array(width);
  for (let base = 0; base < data.length; base += width) {
    for (let j = 0; j < width; j++) acc[j] += data[base + j];
  }
  out.set(acc);
  return cpuStorage(out);
}

export function reduceKernel(op: ReduceOp, x: NDArray, axes: readonly number[], outDtype: DType): Storage {
  if (op === 'sum') {
    const fast = sumLeadingAxes(x, axes, outDtype);
    if (fast) return fast;
  }
  const { data, outer, inner } = reducedLast(x, axes);
  const out = allocTyped(outDtype, outer);
  const init = identity(op, outDtype);
  for (let o = 0; o < outer; o++) {
    let acc = init;
    const base = o * inner;
    if (op === 'sum') for (let i = 0; i < inner; i++) acc += data[base + i];
    else if (op === 'prod') for (let i = 0; i < inner; i++) acc *= data[base + i];
    else if (op === 'max') {
      for (let i = 0; i < inner; i++) {
        const v = data[base + i];
        if (v > acc || v !== v) acc = v;
        if (acc !== acc) break; // NaN wins
      }
    } else {
      for (let i = 0; i < inner; i++) {
        const v = data[base + i];
        if (v < acc || v !== v) acc = v;
        if (acc !== acc) break;
      }
    }
    out[o] = acc;
  }
  return cpuStorage(out);
}

export function argReduceKernel(op: ArgReduceOp, x: NDArray, axis: number): Storage {
  const { data, outer, inner } = reducedLast(x, [axis]);
  const out = allocTyped('int32', outer);
  const better =
    op === 'argmax' ? (v: number, best: number) => v > best : (v: number, best: number) => v < best;
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    let best = data[base];
    let at = 0;
    for (let i = 1; i < inner && best === best; i++) {
      const v = data[base + i];
      if (better(v, best) || v !== v) {
        best = v;
        at = i;
      }
    }
    out[o] = at;
  }
  return cpuStorage(out);
}
