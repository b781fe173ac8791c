import type { ArgReduceOp, ReduceOp, Storage } from '../../backend.js';
import type { DType } from '../../dtype.js';
import { DTypeError } from '../../errors.js';
import type { NDArray } from '../../ndarray.js';
import { contiguousStrides, sizeOf } from '../../shape.js';
import { storageOf } from './elementwise.js';
import { collapseDims, kernelSource, positionOf, threadLayout } from './indexing-source.js';
import type { GpujsRuntime } from './runtime.js';
import { finiteTest } from './scalar-source.js';

/*
 * One thread per output element loops over the reduced elements in row-major order, as the
 * cpu reference does. Each collapsed reduced dim is its own loop, so positions stay integer
 * expressions (a loop counter is an i32 in WGSL; dividing one would make it a float).
 */

/** Kept dims (thread layout) and reduced dims (loops) of `x` for reducing `axes`. */
function split(x: NDArray, axes: readonly number[], rt: GpujsRuntime, extraInner: number[] = []) {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const keptDims = collapseDims(
    kept.map((i) => x.shape[i]),
    [kept.map((i) => x.strides[i])],
  );
  const reducedDims = collapseDims(
    axes.map((i) => x.shape[i]),
    [axes.map((i) => x.strides[i])],
  );
  const layout = threadLayout([...keptDims.dims, ...extraInner], rt.style);
  const keptCoords = layout.coords.slice(0, keptDims.dims.length);
  const base = positionOf({ offset: x.offset, strides: keptDims.strides[0] }, keptCoords);
  return {
    layout,
    keptDims: keptDims.dims,
    base,
    loops: reducedDims.dims.map((n, k): Loop => ({ n, stride: reducedDims.strides[0][k], counter: `k${k}` })),
    outSize: sizeOf(kept.map((i) => x.shape[i])),
    count: sizeOf(axes.map((i) => x.shape[i])),
  };
}

/** A loop over n elements, or over one chunk of them: index `chunk.of · chunk.size + counter`. */
type Loop = { n: number; stride: number; counter: string; chunk?: { of: string; size: number } };

/** Nested loops around `inner`, and the position of the element they visit. */
function nest(loops: readonly Loop[], base: string, inner: (position: string) => string[]): string[] {
  const index = (l: Loop) => (l.chunk ? `(${l.chunk.of} * ${l.chunk.size} + ${l.counter})` : l.counter);
  const position = [
    base,
    ...loops.map((l) => (l.stride === 1 ? index(l) : `${index(l)} * ${l.stride}`)),
  ].join(' + ');
  let body = inner(position);
  for (let k = loops.length - 1; k >= 0; k--) {
    const l = loops[k];
    if (l.chunk) body = [`if (${index(l)} < ${l.n}) {`, ...body.map((s) => `  ${s}`), '}'];
    const bound = l.chunk ? l.chunk.size : l.n;
    body = [
      `for (let ${l.counter} = 0; ${l.counter} < ${bound}; ${l.counter}++) {`,
      ...body.map((s) => `  ${s}`),
      '}',
    ];
  }
  return body;
}

/**
 * Statements that fold `v` into `acc`. Sums are compensated (Kahan), which keeps float32
 * accumulation close to the reference's float64; the compensation is skipped once the
 * running sum is infinite, where it would turn inf into NaN.
 */
const UPDATE: Record<ReduceOp, string[]> = {
  sum: [
    'const y = v - c;',
    'const t = acc + y;',
    `if (${finiteTest('t')}) { c = (t - acc) - y; } else { c = 0; }`,
    'acc = t;',
  ],
  prod: ['acc = acc * v;'],
  max: ['if (v > acc || v !== v) { acc = v; }'],
  min: ['if (v < acc || v !== v) { acc = v; }'],
};

/** The identity an empty reduction returns (see the cpu reference). */
function identity(op: ReduceOp, dtype: DType): number {
  if (op === 'sum') return 0;
  if (op === 'prod') return 1;
  if (dtype === 'bool') return op === 'max' ? 0 : 1;
  if (dtype === 'int32') {
    throw new DTypeError(
      `${op}: an empty int32 reduction returns ${op === 'max' ? '-2^31' : '2^31 - 1'}, which the gpujs backend's float32 storage cannot hold exactly`,
    );
  }
  return op === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/**
 * On a GPU (webgpu, GL), a reduction to few outputs over many elements would leave most of
 * the device idle (one thread per output walking its whole lane), so it runs in two passes:
 * threads reduce chunks of the longest reduced dim, then a second kernel reduces the chunks.
 * In GL it also bounds the float32 error: shader compilers there drop the Kahan compensation
 * (a sum over 9000 rows was 2e-5 off in one pass on Mesa llvmpipe).
 */
const TWO_PASS_MIN_COUNT = 8192;
const TWO_PASS_THREADS = 8192;

function initOf(op: ReduceOp, first: string): string[] {
  if (op === 'sum') return ['let acc = 0;', 'let c = 0;'];
  return op === 'prod' ? ['let acc = 1;'] : [`let acc = ${first};`];
}

export function reduceKernel(rt: GpujsRuntime) {
  return (op: ReduceOp, x: NDArray, axes: readonly number[], outDtype: DType): Storage => {
    const plan = split(x, axes, rt);
    const { layout, base, loops, outSize, count } = plan;
    if (outSize === 0) return rt.empty(outDtype);
    if (count === 0) return rt.fill(outDtype, outSize, identity(op, outDtype));
    if (rt.parallel && count >= TWO_PASS_MIN_COUNT && outSize * 4 <= TWO_PASS_THREADS) {
      return twoPass(rt, op, x, axes, outDtype, plan);
    }
    const body = [
      ...initOf(op, `x[${base}]`),
      ...nest(loops, base, (p) => [`const v = x[${p}];`, ...UPDATE[op]]),
      'return acc;',
    ];
    const source = kernelSource(['x'], body);
    return rt.run(op, { source, output: layout.output }, [storageOf(x)], outDtype, outSize);
  };
}

function twoPass(
  rt: GpujsRuntime,
  op: ReduceOp,
  x: NDArray,
  axes: readonly number[],
  outDtype: DType,
  plan: ReturnType<typeof split>,
): Storage {
  const longest = plan.loops.reduce((best, l, k) => (l.n > plan.loops[best].n ? k : best), 0);
  const n = plan.loops[longest].n;
  const wanted = Math.max(2, Math.min(Math.ceil(TWO_PASS_THREADS / plan.outSize), Math.ceil(n / 32)));
  const size = Math.ceil(n / wanted);
  const chunks = Math.ceil(n / size);
  // pass 1: [...kept, chunks], chunk index innermost
  const first = split(x, axes, rt, [chunks]);
  const chunk = first.layout.coords[first.layout.coords.length - 1];
  const loops = first.loops.map((l, k) => (k === longest ? { ...l, chunk: { of: chunk, size } } : l));
  const body1 = [
    ...initOf(op, `x[${first.base}]`),
    ...nest(loops, first.base, (p) => [`const v = x[${p}];`, ...UPDATE[op]]),
    'return acc;',
  ];
  const partial = rt.run(
    op,
    { source: kernelSource(['x'], body1), output: first.layout.output },
    [storageOf(x)],
    outDtype,
    plan.outSize * chunks,
  );
  // pass 2: each output reduces its row of `chunks` partial results
  const lane = positionOf(
    { offset: 0, strides: contiguousStrides(plan.keptDims).map((s) => s * chunks) },
    plan.layout.coords,
  );
  const body2 = [
    ...initOf(op, `x[${lane}]`),
    ...nest([{ n: chunks, stride: 1, counter: 'k' }], lane, (p) => [`const v = x[${p}];`, ...UPDATE[op]]),
    'return acc;',
  ];
  const out = rt.run(
    op,
    { source: kernelSource(['x'], body2), output: plan.layout.output },
    [partial],
    outDtype,
    plan.outSize,
  );
  rt.free(partial);
  return out;
}

export function argReduceKernel(rt: GpujsRuntime) {
  return (op: ArgReduceOp, x: NDArray, axis: number): Storage => {
    const { layout, base, outSize } = split(x, [axis], rt);
    if (outSize === 0) return rt.empty('int32');
    const n = x.shape[axis];
    const stride = x.strides[axis];
    const better = op === 'argmax' ? 'v > best' : 'v < best';
    // ties keep the first index; the first NaN wins and ends the search (as the reference)
    const body = [
      `let best = x[${base}];`,
      'let at = 0;',
      `for (let k = 1; k < ${n}; k++) {`,
      `  const v = x[${base} + k * ${stride}];`,
      `  if (best === best) { if (${better} || v !== v) { best = v; at = k; } }`,
      '}',
      'return at;',
    ];
    const source = kernelSource(['x'], body);
    return rt.run(op, { source, output: layout.output }, [storageOf(x)], 'int32', outSize);
  };
}
