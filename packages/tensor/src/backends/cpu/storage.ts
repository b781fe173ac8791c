import type { Backend, Storage } from '../../backend.js';
import { allocTyped, type DType, dtypeOfTyped, type TypedArray } from '../../dtype.js';
import { elementOffsets } from '../../layout.js';
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
  const offsets = elementOffsets(x.shape, x.strides, x.offset);
  for (let i = 0; i < size; i++) out[i] = data[offsets[i]];
  return out;
}
