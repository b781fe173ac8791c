import { elementOffsets } from '../../../layout.js';
import type { NDArray } from '../../../ndarray.js';
import type { WasmBinaryOp, WasmUnaryOp } from './elementwise-kernels.js';
import { planRows, runRowJob, stage } from './rows.js';
import type { WasmRuntime } from './runtime.js';

/*
 * Drivers of the elementwise and fused row kernels: stage the operands (resident storages are
 * used in place), describe the work as rows, run it, free the scratch. Each returns the float32
 * result, or null when the layout is one the kernels do not take (the caller runs the reference).
 */

function withScratch<R>(rt: WasmRuntime, fn: (scratch: number[]) => R): R {
  const scratch: number[] = [];
  try {
    return fn(scratch);
  } finally {
    for (const address of scratch) rt.memory.free(address);
  }
}

/** A unary op on a float32 view whose last merged dim is adjacent (any other layout: null). */
export function wasmUnary(
  rt: WasmRuntime,
  op: WasmUnaryOp,
  x: NDArray,
  threads: number,
): Float32Array | null {
  return withScratch(rt, (scratch) => {
    const X = stage(rt, x, scratch);
    const plan = planRows(x.shape, [X.layout], threads);
    if (!plan) return null;
    if (plan.inner[0] !== 1) return null; // a repeated (broadcast) input
    return runRowJob(
      rt,
      { kernel: `unary_${op}`, ...plan, bases: [X.base, 0, 0], inner: [1, 1], size: x.size, threads },
      scratch,
    );
  });
}

/** A binary op on float32 views broadcast to one shape (rows adjacent or repeated in each operand). */
export function wasmBinary(
  rt: WasmRuntime,
  op: WasmBinaryOp,
  a: NDArray,
  b: NDArray,
  threads: number,
): Float32Array | null {
  return withScratch(rt, (scratch) => {
    const A = stage(rt, a, scratch);
    const B = stage(rt, b, scratch);
    const plan = planRows(a.shape, [A.layout, B.layout], threads);
    if (!plan) return null;
    if (plan.inner[0] === 0 && plan.inner[1] === 0) return null; // both repeated: a broadcast scalar row
    return runRowJob(
      rt,
      {
        kernel: `binary_${op}`,
        ...plan,
        bases: [A.base, B.base, 0],
        inner: [plan.inner[0], plan.inner[1]],
        size: a.size,
        threads,
      },
      scratch,
    );
  });
}

/** Rows along the last axis of `x` (which must be adjacent): [xOffset, 0, outOffset, length] each. */
function lastAxisRows(
  x: NDArray,
  offset: number,
  strides: readonly number[],
): { table: Int32Array; rows: number } {
  const L = x.shape[x.rank - 1];
  const starts = elementOffsets(x.shape.slice(0, -1), strides.slice(0, -1), offset);
  const table = new Int32Array(starts.length * 4);
  for (let r = 0; r < starts.length; r++) {
    table[4 * r] = starts[r];
    table[4 * r + 2] = r * L;
    table[4 * r + 3] = L;
  }
  return { table, rows: starts.length };
}

/** softmax or logSoftmax over the last axis of a float32 view whose last axis is adjacent. */
export function wasmSoftmax(
  rt: WasmRuntime,
  kind: 'softmax' | 'logSoftmax',
  x: NDArray,
  threads: number,
): Float32Array | null {
  if (x.rank === 0 || (x.strides[x.rank - 1] !== 1 && x.shape[x.rank - 1] !== 1)) return null;
  return withScratch(rt, (scratch) => {
    const X = stage(rt, x, scratch);
    if (X.layout.strides[x.rank - 1] !== 1 && x.shape[x.rank - 1] !== 1) return null;
    const rows = lastAxisRows(x, X.layout.offset, X.layout.strides);
    return runRowJob(
      rt,
      { kernel: `rows_${kind}`, ...rows, bases: [X.base, 0, 0], inner: [1, 1], size: x.size, threads },
      scratch,
    );
  });
}

/** A float32 vector of `length` copies of `value` in scratch memory; returns its address. */
function constantVector(rt: WasmRuntime, length: number, value: number, scratch: number[]): number {
  const address = rt.memory.alloc(length * 4);
  scratch.push(address);
  rt.memory.f32(address, length).fill(value);
  return address;
}

/** Byte address of element 0 of a 1-D operand read with stride 1, or null when its stride is not 1. */
function vectorBase(rt: WasmRuntime, v: NDArray, scratch: number[]): number | null {
  const V = stage(rt, v, scratch);
  if (v.shape[0] > 1 && V.layout.strides[0] !== 1) return null;
  return V.base + V.layout.offset * 4;
}

/** layerNorm over the last axis of a float32 view; weight and bias are float32 vectors or null. */
export function wasmLayerNorm(
  rt: WasmRuntime,
  x: NDArray,
  weight: NDArray | null,
  bias: NDArray | null,
  eps: number,
  threads: number,
): Float32Array | null {
  if (x.rank === 0 || (x.strides[x.rank - 1] !== 1 && x.shape[x.rank - 1] !== 1)) return null;
  const L = x.shape[x.rank - 1];
  return withScratch(rt, (scratch) => {
    const X = stage(rt, x, scratch);
    if (X.layout.strides[x.rank - 1] !== 1 && L !== 1) return null;
    const w = weight ? vectorBase(rt, weight, scratch) : constantVector(rt, L, 1, scratch);
    const b = bias ? vectorBase(rt, bias, scratch) : constantVector(rt, L, 0, scratch);
    if (w === null || b === null) return null;
    const rows = lastAxisRows(x, X.layout.offset, X.layout.strides);
    return runRowJob(
      rt,
      { kernel: 'rows_layerNorm', ...rows, bases: [X.base, w, b], inner: [1, 1], eps, size: x.size, threads },
      scratch,
    );
  });
}
