/**
 * The one WebAssembly memory of the fast cpu kernels, shared by the calling thread and the
 * workers. It is a *shared* memory on purpose: growing a non-shared memory detaches its
 * ArrayBuffer, and one detach anywhere makes V8 add a detach check to every typed-array access
 * in the process for good (30-45% slower plain-JS loops; see shared/notes/cpu-performance.md).
 * Growing a shared memory never detaches: old views stay valid over the prefix they cover.
 */

const PAGE = 65536;
/** Bytes at the start reserved for the thread pool's control block (see pool.ts). */
export const CONTROL_BYTES = 4096;
const ALIGN = 64;

export interface WasmMemory {
  readonly memory: WebAssembly.Memory;
  readonly maxPages: number;
  /** Allocates `bytes` (64-byte aligned); grows the memory when needed; throws RangeError past the maximum. */
  alloc(bytes: number): number;
  free(address: number): void;
  /** Bytes currently allocated (for tests and leak checks). */
  allocatedBytes(): number;
  f32(address: number, length: number): Float32Array;
  i32(address: number, length: number): Int32Array;
}

/**
 * Creates the shared memory with a reserved maximum. Engines reserve address space for the
 * maximum of a shared memory up front, so a smaller maximum is tried when the large one fails.
 */
export function createWasmMemory(initialPages = 64, maxPagesWanted = 32768): WasmMemory {
  let memory: WebAssembly.Memory | undefined;
  let maxPages = maxPagesWanted;
  const smallest = Math.min(maxPagesWanted, 1024);
  for (; maxPages >= smallest; maxPages >>= 1) {
    try {
      memory = new WebAssembly.Memory({ initial: initialPages, maximum: maxPages, shared: true });
      break;
    } catch {
      // try a smaller reservation
    }
  }
  if (!memory) throw new RangeError('fast cpu kernels: cannot reserve a shared WebAssembly memory');
  return new FreeListMemory(memory, maxPages);
}

/**
 * Creates a non-shared memory of a fixed size, for engines without shared memory (a browser page
 * that is not cross-origin isolated). It never grows, so its buffer is never detached (see
 * above); a request beyond it is a RangeError, and the caller runs the reference kernel instead.
 */
export function createFixedWasmMemory(pagesWanted = 4096): WasmMemory {
  const smallest = Math.min(pagesWanted, 256);
  for (let pages = pagesWanted; pages >= smallest; pages >>= 1) {
    try {
      return new FreeListMemory(new WebAssembly.Memory({ initial: pages, maximum: pages }), pages);
    } catch {
      // try a smaller memory
    }
  }
  throw new RangeError('fast cpu kernels: cannot create a WebAssembly memory');
}

/** First-fit allocator over a sorted free list, coalescing neighbours on free. */
class FreeListMemory implements WasmMemory {
  private readonly freeBlocks: { start: number; size: number }[] = [];
  private readonly used = new Map<number, number>();
  private top = CONTROL_BYTES;
  // A SharedArrayBuffer, or for a fixed memory an ArrayBuffer that is never detached.
  private buffer: SharedArrayBuffer;

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly maxPages: number,
  ) {
    this.buffer = memory.buffer as unknown as SharedArrayBuffer;
  }

  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.freeBlocks.length; i++) {
      const block = this.freeBlocks[i];
      if (block.size < size) continue;
      const start = block.start;
      if (block.size === size) this.freeBlocks.splice(i, 1);
      else {
        block.start += size;
        block.size -= size;
      }
      this.used.set(start, size);
      return start;
    }
    const start = this.top;
    this.ensure(start + size);
    this.top = start + size;
    this.used.set(start, size);
    return start;
  }

  free(address: number): void {
    const size = this.used.get(address);
    if (size === undefined) throw new RangeError(`fast cpu kernels: free of unallocated address ${address}`);
    this.used.delete(address);
    if (address + size === this.top) {
      this.top = address;
      // the block below the top may now be free too
      const last = this.freeBlocks[this.freeBlocks.length - 1];
      if (last && last.start + last.size === this.top) {
        this.top = last.start;
        this.freeBlocks.pop();
      }
      return;
    }
    let i = 0;
    while (i < this.freeBlocks.length && this.freeBlocks[i].start < address) i++;
    this.freeBlocks.splice(i, 0, { start: address, size });
    const next = this.freeBlocks[i + 1];
    if (next && address + size === next.start) {
      this.freeBlocks[i].size += next.size;
      this.freeBlocks.splice(i + 1, 1);
    }
    const prev = this.freeBlocks[i - 1];
    if (prev && prev.start + prev.size === address) {
      prev.size += this.freeBlocks[i].size;
      this.freeBlocks.splice(i, 1);
    }
  }

  allocatedBytes(): number {
    let total = 0;
    for (const size of this.used.values()) total += size;
    return total;
  }

  f32(address: number, length: number): Float32Array {
    return new Float32Array(this.currentBuffer(), address, length);
  }

  i32(address: number, length: number): Int32Array {
    return new Int32Array(this.currentBuffer(), address, length);
  }

  private currentBuffer(): SharedArrayBuffer {
    // After growth `memory.buffer` is a new, longer SharedArrayBuffer over the same memory.
    if (this.buffer.byteLength < this.memory.buffer.byteLength)
      this.buffer = this.memory.buffer as unknown as SharedArrayBuffer;
    return this.buffer;
  }

  private ensure(end: number): void {
    const pages = this.memory.buffer.byteLength / PAGE;
    const needed = Math.ceil(end / PAGE);
    if (needed <= pages) return;
    if (needed > this.maxPages) {
      throw new RangeError(
        `fast cpu kernels: need ${needed * PAGE} bytes of WebAssembly memory, the maximum is ${this.maxPages * PAGE}`,
      );
    }
    // Grow by at least a quarter, so that a series of growing requests stays cheap.
    const grow = Math.min(this.maxPages, Math.max(needed, Math.ceil(pages * 1.25))) - pages;
    this.memory.grow(grow);
  }
}
