import type { Storage } from '../../backend.js';
import { promoteTypes } from '../../dtype.js';
import type { NDArray } from '../../ndarray.js';
import { contiguousStrides, sizeOf } from '../../shape.js';
import { storageOf } from './elementwise.js';
import { concatKernel } from './gather-scatter.js';
import { kernelSource, layoutOver, positionOf } from './indexing-source.js';
import { reduceKernel } from './reduce.js';
import type { GpujsRuntime } from './runtime.js';
import { finiteTest } from './scalar-source.js';
import type { GpujsStorage } from './storage.js';

/*
 * Fused softmax, logSoftmax and layerNorm: three passes (lane statistics, then the result)
 * instead of the composites' eight or nine kernels, each of which reads and writes the whole
 * array. They follow the composites of ops/nn.ts step for step (the same stable max, the
 * same order of operations), in float32, and are tested against them.
 */

/** Coordinates of the lane (every axis but `axis`) within a row-major array of lane results. */
function lanePosition(shape: readonly number[], axis: number, coords: readonly string[]): string {
  const laneShape = shape.filter((_, d) => d !== axis);
  const strides = contiguousStrides(laneShape);
  return positionOf(
    { offset: 0, strides },
    coords.filter((_, d) => d !== axis),
  );
}

/** The composite's stableMax: the lane max, with ±Infinity replaced by 0 (NaN stays NaN). */
const STABLE_MAX = `let mv = m[LANE]; if (mv === mv && !(${finiteTest('mv')})) { mv = 0; }`;

/** Σ exp(x − stableMax) per lane, compensated as the sum reduction is. */
function sumExp(rt: GpujsRuntime, x: NDArray, axis: number, max: Storage): Storage {
  const kept = x.shape.map((_, d) => d).filter((d) => d !== axis);
  const laneShape = kept.map((d) => x.shape[d]);
  const layout = layoutOver(laneShape, rt.style);
  const coords = x.shape.map((_, d) => (d === axis ? 'k' : layout.coords[kept.indexOf(d)]));
  const lane = positionOf({ offset: 0, strides: contiguousStrides(laneShape) }, layout.coords);
  const body = [
    STABLE_MAX.replace('LANE', lane),
    'let acc = 0;',
    'let c = 0;',
    `for (let k = 0; k < ${x.shape[axis]}; k++) {`,
    `  const y = Math.exp(x[${positionOf(x, coords)}] - mv) - c;`,
    '  const t = acc + y;',
    `  if (${finiteTest('t')}) { c = (t - acc) - y; } else { c = 0; }`,
    '  acc = t;',
    '}',
    'return acc;',
  ];
  const source = kernelSource(['x', 'm'], body);
  return rt.run(
    'softmax',
    { source, output: layout.output },
    [storageOf(x), max as GpujsStorage],
    x.dtype,
    sizeOf(laneShape),
  );
}

function softmaxLike(rt: GpujsRuntime, log: boolean) {
  const reduce = reduceKernel(rt);
  return (x: NDArray, axis: number): Storage => {
    const op = log ? 'logSoftmax' : 'softmax';
    if (x.size === 0) return rt.empty(x.dtype);
    const max = reduce('max', x, [axis], x.dtype);
    const sums = sumExp(rt, x, axis, max);
    const layout = layoutOver(x.shape, rt.style);
    const lane = lanePosition(x.shape, axis, layout.coords);
    const value = `x[${positionOf(x, layout.coords)}]`;
    const result = log
      ? `return ${value} - (Math.log(s[${lane}]) + mv);`
      : `return Math.exp(${value} - mv) / s[${lane}];`;
    const source = kernelSource(['x', 'm', 's'], [STABLE_MAX.replace('LANE', lane), result]);
    const out = rt.run(
      op,
      { source, output: layout.output },
      [storageOf(x), max as GpujsStorage, sums as GpujsStorage],
      x.dtype,
      x.size,
    );
    rt.free(max as GpujsStorage);
    rt.free(sums as GpujsStorage);
    return out;
  };
}

export const softmaxFused = (rt: GpujsRuntime) => softmaxLike(rt, false);
export const logSoftmaxFused = (rt: GpujsRuntime) => softmaxLike(rt, true);

/**
 * layerNorm over the last axis: one kernel writes [mean, 1/√(var + eps)] per row, a second
 * normalises, scales and shifts (weight and bias packed into one input: WebGPU's
 * compatibility mode allows three inputs per kernel).
 */
export function layerNormFused(rt: GpujsRuntime) {
  const concat = concatKernel(rt);
  return (x: NDArray, weight: NDArray | null, bias: NDArray | null, eps: number): Storage => {
    const dtype = [weight, bias].reduce((d, p) => (p ? promoteTypes(d, p.dtype) : d), x.dtype);
    if (x.size === 0) return rt.empty(dtype);
    const axis = x.rank - 1;
    const d = x.shape[axis];
    const rows = x.shape.slice(0, -1);
    const statsLayout = layoutOver([...rows, 2], rt.style);
    const rowCoords = statsLayout.coords.slice(0, -1);
    const at = (k: string) => positionOf(x, [...rowCoords, k]);
    const statsBody = [
      'let acc = 0;',
      'let c = 0;',
      `for (let k = 0; k < ${d}; k++) {`,
      `  const y = x[${at('k')}] - c;`,
      '  const t = acc + y;',
      `  if (${finiteTest('t')}) { c = (t - acc) - y; } else { c = 0; }`,
      '  acc = t;',
      '}',
      `const mean = acc / ${d};`,
      `if (${statsLayout.coords[rows.length]} === 0) { return mean; }`,
      'let sq = 0;',
      'let cq = 0;',
      `for (let k = 0; k < ${d}; k++) {`,
      `  const dev = x[${at('k')}] - mean;`,
      '  const y = dev * dev - cq;',
      '  const t = sq + y;',
      `  if (${finiteTest('t')}) { cq = (t - sq) - y; } else { cq = 0; }`,
      '  sq = t;',
      '}',
      `return 1 / Math.sqrt(sq / ${d} + ${eps});`,
    ];
    const stats = rt.run(
      'layerNorm',
      { source: kernelSource(['x'], statsBody), output: statsLayout.output },
      [storageOf(x)],
      x.dtype,
      sizeOf(rows) * 2,
    );
    const params = [weight, bias].filter((p): p is NDArray => p !== null);
    const packed =
      params.length === 2 ? concat(params, 0) : params.length === 1 ? storageOf(params[0]) : null;
    const layout = layoutOver(x.shape, rt.style);
    const row = positionOf(
      { offset: 0, strides: contiguousStrides(rows).map((s) => 2 * s) },
      layout.coords.slice(0, -1),
    );
    const j = layout.coords[axis];
    const param = (p: NDArray, slot: number) =>
      packed === storageOf(p) ? `p[${positionOf(p, [j])}]` : `p[${slot === 0 ? j : `${j} + ${d}`}]`;
    const body = [`let y = (x[${positionOf(x, layout.coords)}] - st[${row}]) * st[${row} + 1];`];
    if (weight) body.push(`y = y * ${param(weight, 0)};`);
    if (bias) body.push(`y = y + ${param(bias, weight ? 1 : 0)};`);
    body.push('return y;');
    const inputs = [storageOf(x), stats as GpujsStorage, ...(packed ? [packed as GpujsStorage] : [])];
    const source = kernelSource(['x', 'st', ...(packed ? ['p'] : [])], body);
    const out = rt.run('layerNorm', { source, output: layout.output }, inputs, dtype, x.size);
    rt.free(stats as GpujsStorage);
    if (packed && params.length === 2) rt.free(packed as GpujsStorage);
    return out;
  };
}
