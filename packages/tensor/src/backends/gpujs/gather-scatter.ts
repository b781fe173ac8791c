import type { Storage } from '../../backend.js';
import { NDArray } from '../../ndarray.js';
import { type Shape, sizeOf } from '../../shape.js';
import { storageOf } from './elementwise.js';
import {
  collapseDims,
  integerPart,
  kernelSource,
  layoutOver,
  positionOf,
  threadLayout,
} from './indexing-source.js';
import type { GpujsRuntime } from './runtime.js';

/*
 * Index values are read as floats and made integers (integerPart: `| 0`) before they enter a
 * position, so that positions stay exact i32 arithmetic on webgpu.
 */

export function gatherKernel(rt: GpujsRuntime) {
  return (x: NDArray, indices: NDArray, axis: number): Storage => {
    const outer = x.shape.slice(0, axis);
    const inner = x.shape.slice(axis + 1);
    const shape = [...outer, ...indices.shape, ...inner];
    const size = sizeOf(shape);
    if (size === 0) return rt.empty(x.dtype);
    const zeros = (n: number) => new Array<number>(n).fill(0);
    const xStrides = [...x.strides.slice(0, axis), ...zeros(indices.rank), ...x.strides.slice(axis + 1)];
    const iStrides = [...zeros(outer.length), ...indices.strides, ...zeros(inner.length)];
    const { dims, strides } = collapseDims(shape, [xStrides, iStrides]);
    const layout = threadLayout(dims, rt.style);
    const at = positionOf({ offset: indices.offset, strides: strides[1] }, layout.coords);
    const from = positionOf({ offset: x.offset, strides: strides[0] }, layout.coords);
    // The op checks indices only where it can read them synchronously; on webgpu an index out
    // of range gives NaN (float results) instead of a neighbour's value (WGSL clamps reads).
    const index = integerPart(`idx[${at}]`, rt.style);
    const outOfRange = `if (${index} < 0 || ${index} >= ${x.shape[axis]}) { return 0 / (${index} - ${index}); }`;
    const read = `return x[${from} + ${index} * ${x.strides[axis]}];`;
    const body = x.dtype === 'float32' ? [outOfRange, read] : [read];
    const source = kernelSource(['x', 'idx'], body);
    return rt.run(
      'gather',
      { source, output: layout.output },
      [storageOf(x), storageOf(indices)],
      x.dtype,
      size,
    );
  };
}

/**
 * Gather-style scatterAdd: each output element loops over all indices and adds the updates
 * whose index names it, in index order (the order the reference adds them). The work is
 * output size × index count, which a GPU spreads over threads and cpu/webasm pay in full.
 */
export function scatterAddKernel(rt: GpujsRuntime) {
  return (shape: Shape, indices: NDArray, updates: NDArray, axis: number): Storage => {
    const size = sizeOf(shape);
    if (size === 0) return rt.empty(updates.dtype);
    if (indices.size === 0) return rt.fill(updates.dtype, size, 0);
    const layout = layoutOver(shape, rt.style);
    const r = indices.rank;
    const idxLoops = collapseDims(indices.shape, [indices.strides, updates.strides.slice(axis, axis + r)]);
    const counters = idxLoops.dims.map((_, k) => `k${k}`);
    const outerInner = [...layout.coords.slice(0, axis), ...layout.coords.slice(axis + 1)];
    const updStrides = [...updates.strides.slice(0, axis), ...updates.strides.slice(axis + r)];
    const updBase = positionOf({ offset: updates.offset, strides: updStrides }, outerInner);
    const at = positionOf({ offset: indices.offset, strides: idxLoops.strides[0] }, counters);
    const from = [updBase, positionOf({ offset: 0, strides: idxLoops.strides[1] }, counters)].join(' + ');
    let body = [
      `if (${integerPart(`idx[${at}]`, rt.style)} === ${layout.coords[axis]}) { acc += upd[${from}]; }`,
    ];
    for (let k = counters.length - 1; k >= 0; k--) {
      body = [
        `for (let ${counters[k]} = 0; ${counters[k]} < ${idxLoops.dims[k]}; ${counters[k]}++) {`,
        ...body,
        '}',
      ];
    }
    const source = kernelSource(['idx', 'upd'], ['let acc = 0;', ...body, 'return acc;']);
    return rt.run(
      'scatterAdd',
      { source, output: layout.output },
      [storageOf(indices), storageOf(updates)],
      updates.dtype,
      size,
    );
  };
}

/** Inputs per kernel: WebGPU's compatibility mode allows 4 storage buffers, one is the output. */
const MAX_INPUTS = 3;

export function concatKernel(rt: GpujsRuntime) {
  const concat = (xs: readonly NDArray[], axis: number): Storage => {
    const parts = xs.filter((x) => x.size > 0);
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
    const size = sizeOf(shape);
    if (size === 0) return rt.empty(xs[0].dtype);
    if (parts.length > MAX_INPUTS) return concatInGroups(parts, axis);
    const layout = layoutOver(shape, rt.style);
    const along = layout.coords[axis];
    const body: string[] = [];
    let start = 0;
    parts.forEach((x, i) => {
      const coords = layout.coords.map((c, d) => (d === axis ? (start === 0 ? c : `(${c} - ${start})`) : c));
      const read = `return x${i}[${positionOf({ offset: x.offset, strides: x.strides }, coords)}];`;
      start += x.shape[axis];
      body.push(i === parts.length - 1 ? read : `if (${along} < ${start}) { ${read} }`);
    });
    const source = kernelSource(
      parts.map((_, i) => `x${i}`),
      body,
    );
    return rt.run('concat', { source, output: layout.output }, parts.map(storageOf), xs[0].dtype, size);
  };

  /** Joins groups of MAX_INPUTS first, then the groups' results. */
  const concatInGroups = (parts: readonly NDArray[], axis: number): Storage => {
    const groups: NDArray[] = [];
    for (let i = 0; i < parts.length; i += MAX_INPUTS) {
      const group = parts.slice(i, i + MAX_INPUTS);
      const shape = [...group[0].shape];
      shape[axis] = group.reduce((n, x) => n + x.shape[axis], 0);
      groups.push(new NDArray(concat(group, axis), shape));
    }
    const out = concat(groups, axis);
    for (const g of groups) g.dispose();
    return out;
  };
  return concat;
}
