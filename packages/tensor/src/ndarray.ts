import type { Storage } from './backend.js';
import { allocTyped, type DType, type TypedArray } from './dtype.js';
import { forgetCollectedArray, trackArray, trackStorage, untrackArray } from './engine.js';
import { ArgumentError, fmtShape, ShapeError } from './errors.js';
import { getBackend, getKernel } from './kernels.js';
import {
  elementOffsets,
  expandLayout,
  isContiguous,
  type Layout,
  permuteLayout,
  resolveReshape,
  type SliceSpec,
  sliceLayout,
} from './layout.js';
import { contiguousStrides, normalizeAxes, normalizeAxis, sizeOf } from './shape.js';

/** Frees a storage when its last view is disposed or garbage collected. */
function release(storage: Storage): void {
  storage.refs--;
  if (storage.refs === 0) {
    getBackend(storage.backend).free(storage);
    trackStorage(storage.backend, -1);
  }
}

// Safety net: an NDArray dropped without dispose() still releases its storage.
const finalizer = new FinalizationRegistry<Storage>((storage) => {
  forgetCollectedArray();
  release(storage);
});

/** Nested number arrays, as `toArray()` returns and `fromArray()` takes. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * An n-dimensional array: a view (shape, strides, offset) over a storage owned by a backend.
 * Views share storage; computation lives in the free functions of ops/.
 */
export class NDArray {
  readonly isNDArray = true;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  readonly storage: Storage;
  private disposed = false;

  /** Wraps a storage; normally called by ops, not by users (see fromArray, zeros, ...). */
  constructor(storage: Storage, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this.storage = storage;
    this.dtype = storage.dtype;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
    if (storage.refs === 0) trackStorage(storage.backend, 1);
    storage.refs++;
    trackArray(this);
    finalizer.register(this, storage, this);
  }

  get size(): number {
    return sizeOf(this.shape);
  }
  get rank(): number {
    return this.shape.length;
  }
  get backend(): string {
    return this.storage.backend;
  }
  get isDisposed(): boolean {
    return this.disposed;
  }
  /** True when the elements are laid out row-major without gaps. */
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** Releases this view; the storage is freed when its last view goes. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    finalizer.unregister(this);
    untrackArray(this);
    release(this.storage);
  }

  /** Throws if the array was disposed; ops call this on their inputs. */
  assertAlive(op: string): void {
    if (this.disposed)
      throw new ArgumentError(`${op}: array of shape ${fmtShape(this.shape)} was already disposed`);
  }

  // ---- reading values ----

  /** The elements in row-major order, as a new typed array (synchronous backends only). */
  dataSync(): TypedArray {
    this.assertAlive('dataSync');
    const backend = getBackend(this.backend);
    if (!backend.canReadSync) {
      throw new ArgumentError(
        `dataSync: backend '${this.backend}' cannot read synchronously; use await x.data()`,
      );
    }
    return this.gatherRowMajor(backend.readSync(this.storage));
  }

  /** The elements in row-major order, as a new typed array. Works on every backend. */
  async data(): Promise<TypedArray> {
    this.assertAlive('data');
    return this.gatherRowMajor(await getBackend(this.backend).read(this.storage));
  }

  private gatherRowMajor(all: TypedArray): TypedArray {
    const size = this.size;
    if (this.isContiguous) return all.slice(this.offset, this.offset + size);
    const out = allocTyped(this.dtype, size);
    const offsets = elementOffsets(this.shape, this.strides, this.offset);
    for (let i = 0; i < size; i++) out[i] = all[offsets[i]];
    return out;
  }

  /** The single element of a size-1 array, as a number. */
  item(): number {
    if (this.size !== 1)
      throw new ShapeError(`item: array of shape ${fmtShape(this.shape)} has ${this.size} elements, not 1`);
    return this.dataSync()[0];
  }

  /** Nested JS arrays (booleans for bool arrays). */
  toArray(): NestedArray {
    return nest(this.dataSync(), this.shape, this.dtype === 'bool');
  }

  toString(): string {
    return `NDArray(${fmtShape(this.shape)}, ${this.dtype}, ${this.backend})`;
  }

  // ---- views: new shape/strides/offset over the same storage ----

  private view(l: Layout): NDArray {
    this.assertAlive('view');
    return new NDArray(this.storage, l.shape, l.strides, l.offset);
  }

  private get layout(): Layout {
    return { shape: [...this.shape], strides: [...this.strides], offset: this.offset };
  }

  /** Same elements, new shape (one -1 is inferred). Copies only when the view is not contiguous. */
  reshape(shape: readonly number[]): NDArray {
    const to = resolveReshape(this.shape, shape);
    if (this.isContiguous)
      return this.view({ shape: to, strides: contiguousStrides(to), offset: this.offset });
    const c = this.contiguous();
    const r = c.reshape(to);
    c.dispose();
    return r;
  }

  /** Reorders axes: `permute([1, 0])` transposes a matrix. */
  permute(axes: readonly number[]): NDArray {
    return this.view(permuteLayout(this.layout, axes));
  }

  /** Swaps two axes (default: the last two). */
  transpose(axis0 = -2, axis1 = -1): NDArray {
    const a = normalizeAxis('transpose', axis0, this.rank);
    const b = normalizeAxis('transpose', axis1, this.rank);
    const axes = this.shape.map((_, i) => i);
    [axes[a], axes[b]] = [axes[b], axes[a]];
    return this.permute(axes);
  }

  /** Matrix transpose of the last two axes. */
  get T(): NDArray {
    return this.transpose();
  }

  /** Python-style slicing per axis: an index drops the axis, `[start, stop, step]` keeps it. */
  slice(...specs: SliceSpec[]): NDArray {
    return this.view(sliceLayout(this.layout, specs));
  }

  /** Broadcasts to `shape` without copying (stride 0 on broadcast axes). */
  expand(shape: readonly number[]): NDArray {
    return this.view(expandLayout(this.layout, shape));
  }

  broadcastTo(shape: readonly number[]): NDArray {
    return this.expand(shape);
  }

  /** Inserts a size-1 axis at `axis` (negative counts from the end of the result). */
  unsqueeze(axis: number): NDArray {
    const a = normalizeAxis('unsqueeze', axis, this.rank + 1);
    const shape = [...this.shape];
    const strides = [...this.strides];
    shape.splice(a, 0, 1);
    strides.splice(a, 0, a < this.rank ? this.strides[a] * this.shape[a] : 1);
    return this.view({ shape, strides, offset: this.offset });
  }

  /** Removes size-1 axes (all of them, or the ones named). */
  squeeze(axes?: number | readonly number[]): NDArray {
    const drop = new Set(
      axes === undefined
        ? this.shape.flatMap((d, i) => (d === 1 ? [i] : []))
        : normalizeAxes('squeeze', axes, this.rank),
    );
    for (const a of drop) {
      if (this.shape[a] !== 1)
        throw new ShapeError(
          `squeeze: axis ${a} of ${fmtShape(this.shape)} has size ${this.shape[a]}, not 1`,
        );
    }
    const keep = this.shape.map((_, i) => i).filter((i) => !drop.has(i));
    return this.view({
      shape: keep.map((i) => this.shape[i]),
      strides: keep.map((i) => this.strides[i]),
      offset: this.offset,
    });
  }

  /** Merges axes `start..end` (inclusive) into one. */
  flatten(start = 0, end = -1): NDArray {
    if (this.rank === 0) return this.reshape([1]);
    const s = normalizeAxis('flatten', start, this.rank);
    const e = normalizeAxis('flatten', end, this.rank);
    const shape = [...this.shape.slice(0, s), sizeOf(this.shape.slice(s, e + 1)), ...this.shape.slice(e + 1)];
    return this.reshape(shape);
  }

  /** A row-major array: a new view of the same storage when already contiguous, else a copy. */
  contiguous(): NDArray {
    this.assertAlive('contiguous');
    if (this.isContiguous) return this.view(this.layout);
    return new NDArray(getKernel(this.backend, 'copy')(this, this.dtype), this.shape);
  }

  /** A copy with its own storage. */
  clone(): NDArray {
    this.assertAlive('clone');
    return new NDArray(getKernel(this.backend, 'copy')(this, this.dtype), this.shape);
  }

  /** A copy on another backend (synchronous; device backends need `await x.toAsync(name)`). */
  to(backend: string): NDArray {
    if (backend === this.backend) return this.contiguous();
    return new NDArray(getBackend(backend).fromTyped(this.dataSync()), this.shape);
  }

  async toAsync(backend: string): Promise<NDArray> {
    if (backend === this.backend) return this.contiguous();
    return new NDArray(getBackend(backend).fromTyped(await this.data()), this.shape);
  }
}

function nest(data: TypedArray, shape: readonly number[], asBool: boolean): NestedArray {
  const value = (i: number) => (asBool ? data[i] !== 0 : data[i]);
  if (shape.length === 0) return value(0);
  const build = (axis: number, start: number): NestedArray[] => {
    const n = shape[axis];
    const step = sizeOf(shape.slice(axis + 1));
    return Array.from({ length: n }, (_, i) =>
      axis === shape.length - 1 ? value(start + i) : build(axis + 1, start + i * step),
    );
  };
  return build(0, 0);
}
