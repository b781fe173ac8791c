import { allocTyped, type DType, type TypedArray } from '../../dtype.js';
import { ArgumentError, DTypeError } from '../../errors.js';
import type { GpuInstance, KernelFunction, KernelOutput } from './gpujs-api.js';
import type { ThreadStyle } from './indexing-source.js';
import { GpujsStorage } from './storage.js';

/** The gpu.js modes this backend runs on. */
export type GpujsMode = 'webgpu' | GlMode | 'webasm' | 'cpu';

/**
 * The gpu.js modes whose kernels are GLSL fragment shaders writing float textures: WebGL 1 in
 * Node through the `gl` package (headlessgl), WebGL 2 or 1 in a browser.
 */
export type GlMode = 'headlessgl' | 'webgl2' | 'webgl';

export function isGlMode(mode: string): mode is GlMode {
  return mode === 'headlessgl' || mode === 'webgl2' || mode === 'webgl';
}

/** What gpu.js's Kernel classes say they are: every GL kernel class answers 'gpu'. */
export function kernelClassMode(mode: GpujsMode): string {
  return isGlMode(mode) ? 'gpu' : mode;
}

/**
 * int32 and bool live on the device as float32, which holds every integer up to 2^24 exactly.
 * Larger int32 values are refused on upload and detected on readback (an integer result that
 * overflowed and came back into range in between is the one case that is not detected).
 */
export const MAX_EXACT_INT = 2 ** 24;

/** What one kernel call needs: its source (a gpu.js kernel function) and its thread layout. */
export interface KernelSpec {
  source: string;
  output: number[];
}

interface CachedKernel {
  fn: KernelFunction;
  /** The latest call (webgpu), so that eviction waits for it before destroying the kernel. */
  lastCall: Promise<unknown>;
}

/** Compiled kernels kept per backend; the least recently used beyond this are destroyed. */
const KERNEL_CACHE_SIZE = 512;

/**
 * One gpu.js instance in one mode: compiles kernels once per source (the source spells out
 * the op, dtypes, shapes, strides and offsets, so it is the signature), runs them on
 * storages, uploads, reads back and frees.
 */
export class GpujsRuntime {
  /** webgpu kernels answer Promises; the others return their result. */
  readonly async: boolean;
  /** GL modes keep arrays in textures; host data is uploaded once, not on every kernel call. */
  readonly textures: boolean;
  /** Kernels run on a GPU's many threads (webgpu, GL), not a CPU's few. */
  readonly parallel: boolean;
  readonly style: ThreadStyle;
  /** Largest array a kernel may address: webasm and GLSL compute indices in float32. */
  readonly maxElements: number;
  readonly stats = { compiled: 0, calls: 0, uploads: 0, evicted: 0, degraded: 0 };
  /** Storages whose device value is not yet released (what leak tests count). */
  liveStorages = 0;
  private readonly cache = new Map<string, CachedKernel>();
  private uploadKernel: KernelFunction | null = null;
  private uploadChain: Promise<unknown> = Promise.resolve();
  private warnedDegraded = false;

  constructor(
    readonly name: string,
    readonly mode: GpujsMode,
    private readonly gpu: GpuInstance,
  ) {
    this.async = mode === 'webgpu';
    this.textures = isGlMode(mode);
    this.parallel = this.async || this.textures;
    this.style = mode === 'webgpu' ? 'grid' : this.textures ? 'glsl' : 'flat';
    // webasm and GLSL (highp float, WebGL 1) compute element indices in float32
    this.maxElements = mode === 'webasm' || this.textures ? MAX_EXACT_INT - 1 : 2 ** 31 - 1;
  }

  /** Fails unless an array of `size` elements can be addressed by this mode's kernels. */
  checkSize(op: string, size: number): void {
    if (size > this.maxElements) {
      throw new ArgumentError(
        `${op} on ${this.name}: ${size} elements exceed the ${this.maxElements} that gpu.js ${this.mode} kernels can index exactly (float32 index arithmetic); use the cpu backend for this array`,
      );
    }
  }

  /** Runs a kernel over `inputs` into a new storage of `size` elements. */
  run(
    op: string,
    spec: KernelSpec,
    inputs: readonly GpujsStorage[],
    dtype: DType,
    size: number,
  ): GpujsStorage {
    refuseFloat64(op, dtype);
    this.checkSize(op, size);
    for (const s of inputs) this.checkSize(op, s.size);
    if (size === 0) return this.empty(dtype);
    const entry = this.kernelFor(spec);
    this.stats.calls++;
    if (!this.async) {
      const result = entry.fn(...inputs.map((s) => s.value)) as KernelOutput;
      this.checkDegraded(entry.fn);
      return this.track(GpujsStorage.resolved(this.name, dtype, size, result));
    }
    const call = Promise.all(inputs.map((s) => s.ready())).then(async (values) => {
      const result = (await entry.fn(...values)) as KernelOutput;
      dropKernelHold(entry.fn, result);
      return result;
    });
    entry.lastCall = call.catch(() => {});
    for (const s of inputs) s.addUse(call);
    return this.track(GpujsStorage.pendingOn(this.name, dtype, size, call));
  }

  /** Puts host values on the device (converted to float32). */
  upload(data: ArrayLike<number>, dtype: DType): GpujsStorage {
    refuseFloat64('fromTyped', dtype);
    this.checkSize('fromTyped', data.length);
    const floats = data instanceof Float32Array ? data : Float32Array.from(data);
    if (floats.length === 0) return this.track(GpujsStorage.resolved(this.name, dtype, 0, null));
    this.stats.uploads++;
    if (!this.async && !this.textures) {
      return this.track(GpujsStorage.resolved(this.name, dtype, floats.length, floats));
    }
    // One kernel with a dynamic output serves every upload.
    const upload = (this.uploadKernel ??= this.gpu.createKernel('function(a) { return a[this.thread.x]; }', {
      output: [floats.length],
      pipeline: true,
      immutable: true,
      precision: 'single',
      tactic: 'precision',
      dynamicOutput: true,
      dynamicArguments: true,
    }));
    if (!this.async) {
      upload.setOutput([floats.length]);
      return this.track(
        GpujsStorage.resolved(this.name, dtype, floats.length, upload(floats) as KernelOutput),
      );
    }
    // Calls are chained because a queued first call (still building) would run with whatever
    // output was set last.
    const call = this.uploadChain.then(async () => {
      upload.setOutput([floats.length]);
      const result = (await upload(floats)) as KernelOutput;
      dropKernelHold(upload, result);
      return result;
    });
    this.uploadChain = call.catch(() => {});
    return this.track(GpujsStorage.pendingOn(this.name, dtype, floats.length, call));
  }

  /** A storage of no elements. */
  empty(dtype: DType): GpujsStorage {
    refuseFloat64('empty', dtype);
    return this.track(GpujsStorage.resolved(this.name, dtype, 0, null));
  }

  /** A storage of `size` copies of `value`. */
  fill(dtype: DType, size: number, value: number): GpujsStorage {
    return this.upload(new Float32Array(size).fill(value), dtype);
  }

  /** The float32 values of a storage, synchronously (not on webgpu). */
  readFloatsSync(storage: GpujsStorage): Float32Array {
    if (this.async) {
      throw new ArgumentError(
        `dataSync: backend '${this.name}' cannot read synchronously; use await x.data()`,
      );
    }
    return flatten(toHost(storage.value), storage.size);
  }

  /** The float32 values of a storage, after its kernel ran. */
  async readFloats(storage: GpujsStorage): Promise<Float32Array> {
    const reading = storage.ready().then(toHost);
    storage.addUse(reading); // the copy to a staging buffer is submitted before the value may go
    return flatten(await reading, storage.size);
  }

  free(storage: GpujsStorage): void {
    if (storage.isFreed) return;
    storage.release();
    this.liveStorages--;
  }

  /** Destroys every compiled kernel (storages stay readable). */
  clearKernels(): void {
    for (const entry of this.cache.values()) destroyAfter(entry);
    this.cache.clear();
  }

  get kernelCount(): number {
    return this.cache.size;
  }

  private track(storage: GpujsStorage): GpujsStorage {
    this.liveStorages++;
    return storage;
  }

  private kernelFor(spec: KernelSpec): CachedKernel {
    const key = `${spec.output.join('x')}|${spec.source}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key); // re-inserted last: the map's order is the recency order
      this.cache.set(key, hit);
      return hit;
    }
    const fn = this.gpu.createKernel(spec.source, {
      output: spec.output,
      pipeline: true,
      immutable: true,
      precision: 'single',
      tactic: 'precision',
    });
    const entry: CachedKernel = { fn, lastCall: Promise.resolve() };
    this.cache.set(key, entry);
    this.stats.compiled++;
    if (this.cache.size > KERNEL_CACHE_SIZE) {
      const [oldestKey, oldest] = this.cache.entries().next().value as [string, CachedKernel];
      this.cache.delete(oldestKey);
      destroyAfter(oldest);
      this.stats.evicted++;
    }
    return entry;
  }

  /** gpu.js quietly runs a kernel on its cpu backend when the requested one cannot take it. */
  private checkDegraded(fn: KernelFunction): void {
    const ran = fn.kernel?.constructor.mode;
    if (ran === undefined || ran === kernelClassMode(this.mode)) return;
    this.stats.degraded++;
    if (!this.warnedDegraded) {
      this.warnedDegraded = true;
      console.warn(
        `typegrad ${this.name}: gpu.js ran a kernel on '${ran}' instead of '${this.mode}' (${fn.kernel?.fallbackReason ?? 'no reason given'})`,
      );
    }
  }
}

function destroyAfter(entry: CachedKernel): void {
  entry.lastCall.then(() => entry.fn.destroy());
}

/**
 * A webgpu kernel keeps a reference to its latest output buffer until its next call; our
 * storages own their buffers, so that reference is dropped at once (the buffer then dies
 * with its storage instead of living on in the kernel cache).
 */
function dropKernelHold(fn: KernelFunction, result: KernelOutput): void {
  const kernel = fn.kernel;
  const held = kernel?.outputBuffer;
  if (!kernel || !held || (result as { buffer?: unknown }).buffer !== held) return;
  held._refs = (held._refs ?? 1) - 1;
  kernel.outputBuffer = null;
  kernel.bindGroupDirty = true;
}

/** A storage's value on the host: typed arrays as they are, device results read back (a Promise on webgpu). */
function toHost(value: KernelOutput | null): unknown {
  return value === null || value instanceof Float32Array ? value : value.toArray();
}

/** A kernel result as one flat Float32Array (2D/3D results are rows over one buffer). */
function flatten(value: unknown, size: number): Float32Array {
  if (size === 0 || value === null) return new Float32Array(0);
  let leaf = value;
  while (Array.isArray(leaf)) leaf = leaf[0];
  if (!(leaf instanceof Float32Array)) {
    throw new TypeError(`gpujs: unexpected kernel result ${Object.prototype.toString.call(leaf)}`);
  }
  if (leaf === value) return leaf.length === size ? leaf : leaf.subarray(0, size);
  if (leaf.buffer.byteLength < leaf.byteOffset + size * 4) {
    throw new TypeError('gpujs: a multi-dimensional kernel result is not one contiguous buffer');
  }
  return new Float32Array(leaf.buffer, leaf.byteOffset, size);
}

/** float64 (and int64) have no device representation: gpu.js kernels compute in float32. */
export function refuseFloat64(op: string, dtype: DType): void {
  if (dtype === 'float64') {
    throw new DTypeError(
      `${op}: the gpujs backend has no float64 (gpu.js kernels compute in float32); cast to float32, or move the array to the cpu backend with await x.toAsync('cpu')`,
    );
  }
}

/** Device floats as the storage's dtype; int32 values beyond 2^24 were not stored exactly. */
export function fromFloats(floats: Float32Array, dtype: DType, backend: string): TypedArray {
  if (dtype === 'float32') return floats;
  const out = allocTyped(dtype, floats.length);
  if (dtype === 'bool') {
    for (let i = 0; i < floats.length; i++) out[i] = floats[i] !== 0 ? 1 : 0;
    return out;
  }
  for (let i = 0; i < floats.length; i++) {
    const v = floats[i];
    if (Math.abs(v) > MAX_EXACT_INT) {
      throw new DTypeError(
        `read: an int32 value on ${backend} is ${v}, beyond ±2^24 where its float32 device storage is exact; compute it on the cpu backend`,
      );
    }
    out[i] = v;
  }
  return out;
}

/** Checks int32 host data fits the device's exact integer range. */
export function checkIntRange(data: ArrayLike<number>, backend: string): void {
  for (let i = 0; i < data.length; i++) {
    if (Math.abs(data[i]) > MAX_EXACT_INT) {
      throw new DTypeError(
        `fromTyped: int32 value ${data[i]} at index ${i} is beyond ±2^24, which ${backend} (float32 device storage) cannot hold exactly; keep this array on the cpu backend`,
      );
    }
  }
}
