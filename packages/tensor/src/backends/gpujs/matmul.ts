import type { Storage } from '../../backend.js';
import type { DType } from '../../dtype.js';
import type { NDArray } from '../../ndarray.js';
import { sizeOf } from '../../shape.js';
import { storageOf } from './elementwise.js';
import { collapseDims, kernelSource, positionOf, threadLayout } from './indexing-source.js';
import type { GpujsRuntime } from './runtime.js';

/**
 * Batched matmul: one thread per output element, a dot product over K. Transposed and
 * broadcast views are read in place through their strides (gpu.js has no shared memory to
 * tile with, so this is the form every gpu.js mode can run).
 */
export function matmulKernel(rt: GpujsRuntime) {
  return (a: NDArray, b: NDArray, outDtype: DType): Storage => {
    const rank = a.rank;
    const [M, K] = [a.shape[rank - 2], a.shape[rank - 1]];
    const N = b.shape[rank - 1];
    const batchShape = a.shape.slice(0, rank - 2);
    const outSize = sizeOf(batchShape) * M * N;
    if (outSize === 0) return rt.empty(outDtype);
    if (K === 0) return rt.fill(outDtype, outSize, 0);
    const batch = collapseDims(batchShape, [a.strides.slice(0, rank - 2), b.strides.slice(0, rank - 2)]);
    // thread dims: batch..., M, N (size-1 M or N are dropped and read as coordinate 0)
    const dims = [...batch.dims, ...(M > 1 ? [M] : []), ...(N > 1 ? [N] : [])];
    const layout = threadLayout(dims, rt.style);
    const nb = batch.dims.length;
    const m = M > 1 ? layout.coords[nb] : '0';
    const n = N > 1 ? layout.coords[layout.coords.length - 1] : '0';
    const batchCoords = layout.coords.slice(0, nb);
    const [aRow, aCol] = [a.strides[rank - 2], a.strides[rank - 1]];
    const [bRow, bCol] = [b.strides[rank - 2], b.strides[rank - 1]];
    const aStart = positionOf({ offset: a.offset, strides: [...batch.strides[0], aRow] }, [
      ...batchCoords,
      m,
    ]);
    const bStart = positionOf({ offset: b.offset, strides: [...batch.strides[1], bCol] }, [
      ...batchCoords,
      n,
    ]);
    const body = [
      'let acc = 0;',
      `for (let k = 0; k < ${K}; k++) {`,
      `  acc += a[${aStart} + k * ${aCol}] * b[${bStart} + k * ${bRow}];`,
      '}',
      'return acc;',
    ];
    const source = kernelSource(['a', 'b'], body);
    return rt.run(
      'matmul',
      { source, output: layout.output },
      [storageOf(a), storageOf(b)],
      outDtype,
      outSize,
    );
  };
}
