import type { Backend, Storage } from '../../backend.js';
import { allocTyped, type DType, dtypeOfTyped, type TypedArray } from '../../dtype.js';
import type { NDArray } from '../../ndarray.js';

/** A cpu storage is a plain typed array. */
export interface CpuStorage extends Storage {
  readonly data: TypedArray;
}

export function cpuStorage(data: TypedArray): CpuStorage {
  const dtype = dtypeOfTyped(data);
  if (!dtype)
    throw new TypeError(
      'cpu backend: storage must be a Float32Array, Float64Array, Int32Array or Uint8Array',
    );
  return { backend: 'cpu', dtype, size: data.length, refs: 0, data };
}

export function allocStorage(dtype: DType, size: number): CpuStorage {
  return cpuStorage(allocTyped(dtype, size));
}

export const cpuBackend: Backend = {
  name: 'cpu',
  canReadSync: true,
  fromTyped: cpuStorage,
  readSync: (s) => (s as CpuStorage).data,
  read: async (s) => (s as CpuStorage).data,
  free: () => {}, // the garbage collector reclaims typed arrays
};

/** The elements of a view in row-major order: the storage itself or a subarray when contiguous, else a copy. */
export function rowMajor(x: NDArray): TypedArray {
  const data = (x.storage as CpuStorage).data;
  const size = x.size;
  if (x.isContiguous) return data.subarray(x.offset, x.offset + size);
  const out = allocTyped(x.dtype, size);
  if (size === 0) return out;
  // Odometer over the outer axes; the innermost axis is a strided run copied in one loop.
  const { shape, strides } = x;
  const rank = shape.length;
  const inner = shape[rank - 1];
  const step = strides[rank - 1];
  const index = new Array<number>(rank).fill(0);
  let base = x.offset;
  for (let o = 0; o < size; o += inner) {
    for (let j = 0, at = base; j < inner; j++, at += step) out[o + j] = data[at];
    for (let axis = rank - 2; axis >= 0; axis--) {
      base += strides[axis];
      if (++index[axis] < shape[axis]) break;
      base -= strides[axis] * shape[axis];
      index[axis] = 0;
    }
  }
  return out;
}
