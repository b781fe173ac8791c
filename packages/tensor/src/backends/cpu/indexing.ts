import type { Storage } from '../../backend.js';
import { allocTyped } from '../../dtype.js';
import type { NDArray } from '../../ndarray.js';
import type { Shape } from '../../shape.js';
import { sizeOf } from '../../shape.js';
import { cpuStorage, rowMajor } from './storage.js';

/** Splits a shape around `axis` into (outer, dim, inner) element counts. */
function around(shape: Shape, axis: number): [number, number, number] {
  return [sizeOf(shape.slice(0, axis)), shape[axis], sizeOf(shape.slice(axis + 1))];
}

export function gatherKernel(x: NDArray, indices: NDArray, axis: number): Storage {
  const [outer, dim, inner] = around(x.shape, axis);
  const src = rowMajor(x);
  const idx = rowMajor(indices);
  const out = allocTyped(x.dtype, outer * idx.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let n = 0; n < idx.length; n++) {
      const from = (o * dim + idx[n]) * inner;
      const to = (o * idx.length + n) * inner;
      for (let i = 0; i < inner; i++) out[to + i] = src[from + i];
    }
  }
  return cpuStorage(out);
}

export function scatterAddKernel(shape: Shape, indices: NDArray, updates: NDArray, axis: number): Storage {
  const [outer, dim, inner] = around(shape, axis);
  const idx = rowMajor(indices);
  const upd = rowMajor(updates);
  const out = allocTyped(updates.dtype, sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let n = 0; n < idx.length; n++) {
      const to = (o * dim + idx[n]) * inner;
      const from = (o * idx.length + n) * inner;
      for (let i = 0; i < inner; i++) out[to + i] += upd[from + i];
    }
  }
  return cpuStorage(out);
}

export function concatKernel(xs: readonly NDArray[], axis: number): Storage {
  const first = xs[0];
  const outer = sizeOf(first.shape.slice(0, axis));
  const inner = sizeOf(first.shape.slice(axis + 1));
  const total = xs.reduce((n, x) => n + x.shape[axis], 0);
  const out = allocTyped(first.dtype, outer * total * inner);
  let at = 0;
  for (const x of xs) {
    const src = rowMajor(x);
    const run = x.shape[axis] * inner;
    for (let o = 0; o < outer; o++) out.set(src.subarray(o * run, (o + 1) * run), (o * total + at) * inner);
    at += x.shape[axis];
  }
  return cpuStorage(out);
}
