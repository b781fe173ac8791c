import { getCpuOptions } from '../options.js';
import { hasRelaxedSimd, hasSharedMemory, hasWasmSimd } from './features.js';
import {
  buildKernelModule,
  CHUNK_KERNELS,
  type ChunkKernel,
  FUNCTION_IMPORTS,
  type KernelModuleConfig,
} from './kernel-module.js';
import { createFixedWasmMemory, createWasmMemory, type WasmMemory } from './memory.js';
import { type KernelFunction, ThreadPool } from './pool.js';

/**
 * The fast kernels' WebAssembly, ready to call: the module (emitted and compiled once), the
 * shared memory, the calling thread's instance and the worker pool.
 */
export interface WasmRuntime {
  readonly config: KernelModuleConfig;
  readonly memory: WasmMemory;
  readonly exports: Readonly<Record<string, unknown>>;
  /** Runs chunks of a chunk kernel on up to `threads` threads. */
  run(kernel: ChunkKernel, chunks: number, params: number, threads: number): void;
  /** Makes sure `threads - 1` workers exist (no-op where workers are unavailable). */
  ensureThreads(threads: number): void;
  /** Chunks each thread has run in shared jobs so far (index 0: the calling thread). */
  chunksRun(): number[];
}

/** The tile measured best on x64 with V8 (4x8, no unrolling: TurboFan hoists unrolled loads and spills). */
export function defaultConfig(maxPages: number, shared = true): KernelModuleConfig {
  return { matmul: { mr: 4, nrVectors: 2, unroll: 1, fma: hasRelaxedSimd() }, maxPages, shared };
}

let runtime: WasmRuntime | null | undefined;
let pending: Promise<void> | undefined;

/** Says once, in one line, that the cpu backend runs slower than it could, and why. */
function notice(message: string): void {
  console.info(`typegrad: ${message}`);
}

/**
 * The runtime, or null when WebAssembly SIMD is missing (the plain-TypeScript kernels run), or
 * while an asynchronous compile (a browser's main thread refuses large synchronous compiles) runs.
 * Without shared memory the kernels still run, on the calling thread only.
 */
export function getWasmRuntime(): WasmRuntime | null {
  if (runtime !== undefined) return runtime;
  if (pending) return null; // still compiling
  if (!hasWasmSimd()) {
    runtime = null; // the cpu backend said so when it was created (backends/cpu/index.ts)
    return runtime;
  }
  const shared = hasSharedMemory();
  if (!shared && getCpuOptions().threads > 1) {
    notice(
      'no shared memory (a browser page needs cross-origin isolation: COOP/COEP headers); the cpu backend runs its WebAssembly kernels on one thread',
    );
  }
  const { bytes, memory, config } = prepareRuntime(shared);
  try {
    runtime = instantiate(new WebAssembly.Module(bytes), memory, config);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    pending = WebAssembly.compile(bytes).then(
      (module) => {
        runtime = instantiate(module, memory, config);
      },
      () => {
        runtime = null;
      },
    );
    return null;
  }
  return runtime;
}

function prepareRuntime(shared: boolean) {
  const memory = shared ? createWasmMemory() : createFixedWasmMemory();
  const config = defaultConfig(memory.maxPages, shared);
  const bytes = buildKernelModule(config) as Uint8Array<ArrayBuffer>;
  return { bytes, memory, config };
}

/**
 * A separate runtime over a shared or a fixed non-shared memory, compiled synchronously (tests
 * use it to run the single-threaded path that engines without shared memory take).
 */
export function createWasmRuntime(shared: boolean): WasmRuntime {
  const { bytes, memory, config } = prepareRuntime(shared);
  return instantiate(new WebAssembly.Module(bytes), memory, config);
}

function instantiate(
  module: WebAssembly.Module,
  memory: WasmMemory,
  config: KernelModuleConfig,
): WasmRuntime {
  const instance = new WebAssembly.Instance(module, { env: { memory: memory.memory, ...FUNCTION_IMPORTS } });
  const exports = instance.exports as Record<string, unknown>;
  const local = CHUNK_KERNELS.map((name) => exports[name] as KernelFunction);
  const pool = new ThreadPool({ module, memory: memory.memory, kernels: CHUNK_KERNELS, local });
  return {
    config,
    memory,
    exports,
    run: (kernel, chunks, params, threads) =>
      pool.run(CHUNK_KERNELS.indexOf(kernel), chunks, params, threads),
    // A non-shared memory cannot be handed to workers: everything runs on the calling thread.
    ensureThreads: (threads) => {
      if (config.shared) pool.grow(threads - 1);
    },
    chunksRun: () => pool.chunksRun(),
  };
}
