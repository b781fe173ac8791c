import type { TypedArray } from '../../../dtype.js';
import type { WasmMemory } from './memory.js';

/**
 * float32 storages of the cpu backend that live in the WebAssembly memory ("resident"), so
 * that chained fast kernels read their inputs and write their outputs in place, with no copy
 * in or out. A resident storage is an ordinary Float32Array (a view of the shared memory), so
 * the reference kernels and every reader work on it unchanged.
 *
 * Blocks return to the allocator when the backend frees the storage (NDArray dispose, or its
 * FinalizationRegistry); a registry on the view itself catches storages dropped before any
 * NDArray wrapped them. The total is bounded: past the budget, storages are plain arrays again.
 */

/** Arrays smaller than this stay plain typed arrays (their ops run on the reference kernels anyway). */
export const RESIDENT_MIN_ELEMENTS = 4096;

interface Block {
  address: number;
  bytes: number;
  /** The memory the block lives in (the runtime's; tests may build a second runtime). */
  memory: WasmMemory;
}

const blocks = new WeakMap<Float32Array, Block>();
let residentBytes = 0;

const dropped = new FinalizationRegistry<Block>((block) => release(block));

function release(block: Block): void {
  block.memory.free(block.address);
  residentBytes -= block.bytes;
}

/** Bytes resident storages may take: half the memory's maximum, the rest is kernel scratch. */
function budget(memory: WasmMemory): number {
  return (memory.maxPages * 65536) / 2;
}

/**
 * A new resident Float32Array of `size` elements (contents undefined: the caller writes all of
 * them), over a block of at least `capacity` elements (a kernel may write a little past the end);
 * null for small arrays (under RESIDENT_MIN_ELEMENTS), past the budget or when the memory is full.
 */
export function allocResident(memory: WasmMemory, size: number, capacity = size): Float32Array | null {
  if (size < RESIDENT_MIN_ELEMENTS) return null;
  const bytes = Math.max(64, Math.ceil((Math.max(size, capacity) * 4) / 64) * 64);
  if (residentBytes + bytes > budget(memory)) return null;
  let address: number;
  try {
    address = memory.alloc(bytes);
  } catch {
    return null;
  }
  const view = memory.f32(address, size);
  const block = { address, bytes, memory };
  blocks.set(view, block);
  dropped.register(view, block, view);
  residentBytes += bytes;
  return view;
}

/** Byte address of `data[0]` when `data` is a resident storage's array (in `memory`, when given), else undefined. */
export function residentAddress(data: TypedArray, memory?: WasmMemory): number | undefined {
  const block = data instanceof Float32Array ? blocks.get(data) : undefined;
  return block && (memory === undefined || block.memory === memory) ? block.address : undefined;
}

/** Returns a resident array's block to the allocator; false when `data` is not resident. */
export function freeResident(data: TypedArray): boolean {
  if (!(data instanceof Float32Array)) return false;
  const block = blocks.get(data);
  if (!block) return false;
  blocks.delete(data);
  dropped.unregister(data);
  release(block);
  return true;
}

/** Bytes held by resident storages (for tests and leak checks). */
export function residentBytesInUse(): number {
  return residentBytes;
}
