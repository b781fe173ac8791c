import type { Storage } from '../../backend.js';
import type { DType } from '../../dtype.js';
import type { KernelOutput } from './gpujs-api.js';

/**
 * A gpujs storage: float32 values on the device whatever the dtype (int32 and bool are held
 * exactly as floats, see runtime.ts). On the synchronous modes the value is there at once; on
 * webgpu every kernel call answers a Promise, so the storage holds the pending result and ops
 * chain on it: an op returns at once, the work is submitted when its inputs are ready, and
 * only readback waits.
 */
export class GpujsStorage implements Storage {
  refs = 0;
  /** The device value once known (`null` while pending, and for size 0). */
  value: KernelOutput | null = null;
  /** Resolves to the value (webgpu); `null` on the synchronous modes. */
  pending: Promise<KernelOutput | null> | null = null;
  /** Kernel calls that read this storage; freeing waits for them (see release()). */
  private uses: Promise<unknown> = Promise.resolve();
  private freed = false;

  constructor(
    readonly backend: string,
    readonly dtype: DType,
    readonly size: number,
  ) {}

  /** Holds `value` (synchronous modes). */
  static resolved(backend: string, dtype: DType, size: number, value: KernelOutput | null): GpujsStorage {
    const s = new GpujsStorage(backend, dtype, size);
    s.value = value;
    return s;
  }

  /** Holds a value that `pending` resolves to (webgpu). A failure is kept and rethrown on read. */
  static pendingOn(
    backend: string,
    dtype: DType,
    size: number,
    pending: Promise<KernelOutput | null>,
  ): GpujsStorage {
    const s = new GpujsStorage(backend, dtype, size);
    s.pending = pending.then((value) => {
      if (!s.freed) s.value = value;
      return value;
    });
    s.pending.catch(() => {}); // the error surfaces where the value is awaited, not as unhandled
    return s;
  }

  /** The value, waiting for its kernel on webgpu. */
  ready(): Promise<KernelOutput | null> {
    return this.pending ?? Promise.resolve(this.value);
  }

  /** Records that `call` reads this storage, so that freeing waits until it was submitted. */
  addUse(call: Promise<unknown>): void {
    const settled = call.then(
      () => {},
      () => {},
    );
    this.uses = Promise.all([this.uses, settled]);
  }

  /** Deletes the device value once every kernel call that reads it was submitted. */
  release(): void {
    if (this.freed) return;
    this.freed = true;
    if (!this.pending) {
      deleteValue(this.value);
      this.value = null;
      return;
    }
    Promise.all([this.pending.catch(() => null), this.uses]).then(([value]) => {
      deleteValue(value);
      this.value = null;
    });
  }

  get isFreed(): boolean {
    return this.freed;
  }
}

/** Typed arrays are left to the garbage collector; device results are deleted. */
function deleteValue(value: KernelOutput | null): void {
  if (value && !(value instanceof Float32Array)) value.delete();
}
