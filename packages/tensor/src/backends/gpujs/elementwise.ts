import type { BinaryOp, Storage, UnaryOp } from '../../backend.js';
import type { DType } from '../../dtype.js';
import type { NDArray } from '../../ndarray.js';
import { collapseDims, kernelSource, positionOf, threadLayout } from './indexing-source.js';
import type { GpujsRuntime } from './runtime.js';
import { BINARY_SOURCE, finiteTest, UNARY_SOURCE } from './scalar-source.js';
import type { GpujsStorage } from './storage.js';

/** Storage of a view (kernels of this backend only ever see their own storages). */
export const storageOf = (x: NDArray) => x.storage as GpujsStorage;

/**
 * An elementwise kernel over views of one shape: each `names[i]` is bound to the element of
 * `views[i]` at the thread's position, then `body` returns the result.
 */
function elementwise(
  rt: GpujsRuntime,
  op: string,
  views: readonly NDArray[],
  names: readonly string[],
  body: string,
  outDtype: DType,
): Storage {
  const shape = views[0].shape;
  const size = views[0].size;
  if (size === 0) return rt.empty(outDtype);
  const { dims, strides } = collapseDims(
    shape,
    views.map((v) => v.strides),
  );
  const layout = threadLayout(dims, rt.style);
  const args = views.map((_, i) => `x${i}`);
  const reads = views.map(
    (v, i) =>
      `const ${names[i]} = x${i}[${positionOf({ offset: v.offset, strides: strides[i] }, layout.coords)}];`,
  );
  const source = kernelSource(args, [...reads, body]);
  return rt.run(op, { source, output: layout.output }, views.map(storageOf), outDtype, size);
}

export function unaryKernel(rt: GpujsRuntime) {
  return (op: UnaryOp, x: NDArray, outDtype: DType): Storage =>
    elementwise(rt, op, [x], ['v'], UNARY_SOURCE[op]('v'), outDtype);
}

export function binaryKernel(rt: GpujsRuntime) {
  return (op: BinaryOp, a: NDArray, b: NDArray, outDtype: DType): Storage =>
    elementwise(rt, op, [a, b], ['va', 'vb'], BINARY_SOURCE[op]('va', 'vb'), outDtype);
}

export function whereKernel(rt: GpujsRuntime) {
  return (cond: NDArray, a: NDArray, b: NDArray, outDtype: DType): Storage =>
    elementwise(
      rt,
      'where',
      [cond, a, b],
      ['vc', 'va', 'vb'],
      'if (vc !== 0) { return va; } return vb;',
      outDtype,
    );
}

/** Converting stores: truncation toward zero into int32 (non-finite → 0), non-zero → true. */
function convertSource(from: DType, to: DType): string {
  if (to === 'bool') return from === 'bool' ? 'return v;' : 'if (v === 0) { return 0; } return 1;';
  if (to === 'int32' && (from === 'float32' || from === 'float64'))
    return `if (${finiteTest('v')}) { return Math.trunc(v); } return 0;`;
  return 'return v;';
}

export function copyKernel(rt: GpujsRuntime) {
  return (x: NDArray, dtype: DType): Storage =>
    elementwise(rt, 'copy', [x], ['v'], convertSource(x.dtype, dtype), dtype);
}
