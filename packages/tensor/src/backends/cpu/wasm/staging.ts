import type { NDArray } from '../../../ndarray.js';
import { contiguousStrides } from '../../../shape.js';
import { type CpuStorage, rowMajor } from '../storage.js';
import type { WasmMemory } from './memory.js';
import { residentAddress } from './resident.js';

/** A float32 view copied into the WebAssembly memory, addressed the way the view addresses its storage. */
export interface StagedView {
  /** Byte address of element offset 0 (may lie outside the allocation: only offsets of the view are read). */
  readonly base: number;
  /** Element strides and offset of the view within its staged storage. */
  readonly strides: readonly number[];
  readonly offset: number;
  /** The allocation to free when the kernel is done; null when the storage is resident (nothing copied). */
  readonly allocation: number | null;
}

/**
 * A resident storage is used where it is. Otherwise copies the part of `x`'s storage that the view spans (one memcpy, strides kept, so transposed
 * and broadcast views are read in place by the kernel); a view that touches only a small part
 * of a large span (a thin slice of a big array) is gathered row-major instead.
 */
export function stageView(memory: WasmMemory, x: NDArray): StagedView {
  const data = (x.storage as CpuStorage).data as Float32Array;
  const resident = residentAddress(data, memory);
  if (resident !== undefined)
    return { base: resident, strides: x.strides, offset: x.offset, allocation: null };
  let lo = x.offset;
  let hi = x.offset;
  for (let i = 0; i < x.rank; i++) {
    const reach = x.strides[i] * (x.shape[i] - 1);
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  const span = hi - lo + 1;
  if (span <= 2 * x.size + 1024) {
    const allocation = memory.alloc(span * 4);
    memory.f32(allocation, span).set(data.subarray(lo, hi + 1));
    return { base: allocation - lo * 4, strides: x.strides, offset: x.offset, allocation };
  }
  const packed = rowMajor(x) as Float32Array;
  const allocation = memory.alloc(packed.length * 4);
  memory.f32(allocation, packed.length).set(packed);
  return { base: allocation, strides: contiguousStrides(x.shape), offset: 0, allocation };
}
