import type { BinaryOp, KernelTable, ReduceOp, Storage, UnaryOp } from '../../backend.js';
import type { DType } from '../../dtype.js';
import type { NDArray } from '../../ndarray.js';
import { sizeOf } from '../../shape.js';
import { binaryKernel, unaryKernel } from './elementwise.js';
import { layerNormFused, logSoftmaxFused, softmaxFused } from './fused.js';
import { geluFused } from './gelu.js';
import { matmulKernel } from './matmul.js';
import { getCpuOptions } from './options.js';
import { reduceKernel } from './reduce.js';
import { cpuStorage } from './storage.js';
import { wasmBinary, wasmLayerNorm, wasmSoftmax, wasmUnary } from './wasm/elementwise.js';
import {
  WASM_BINARY_OPS,
  WASM_UNARY_OPS,
  type WasmBinaryOp,
  type WasmUnaryOp,
} from './wasm/elementwise-kernels.js';
import { wasmGelu } from './wasm/gelu.js';
import type { GeluApproximation } from './wasm/gelu-kernels.js';
import { wasmMatmul } from './wasm/matmul.js';
import { wasmReduce } from './wasm/reduce.js';
import { WASM_REDUCE_OPS, type WasmReduceOp } from './wasm/reduce-kernels.js';
import { getWasmRuntime, type WasmRuntime } from './wasm/runtime.js';

/*
 * The fast kernels of the cpu backend: WebAssembly SIMD where it pays, each falling back to the
 * reference kernel for what it does not take (float64, int32, layouts, tiny sizes) and whenever
 * `setCpuOptions({fast: false})`. Thresholds were measured on a 2-core x64 machine (issue 3).
 */

/** Below this many multiply-adds the plain-TS matmul wins (staging and packing cost microseconds). */
const MATMUL_MIN_WORK = 4096;
/** Below this many multiply-adds a matmul stays on the calling thread (waking workers costs more). */
const MATMUL_THREADS_MIN_WORK = 1 << 18;
/*
 * Below these many elements the reference loop is as fast (a fast call costs ~7 us of staging
 * and bookkeeping; measured crossovers: add ~2048, exp ~512, softmax rows ~256, sum/max ~2048;
 * the fused gelu beats the plain-TS erf loop at every size measured, 256 is a floor).
 */
const UNARY_MIN_SIZE = 1024;
const BINARY_MIN_SIZE = 2048;
const ROWS_MIN_SIZE = 256;
const REDUCE_MIN_SIZE = 2048;
const GELU_MIN_SIZE = 256;
/** ... and below this many they stay on the calling thread. */
const ELEMENTWISE_THREADS_MIN_SIZE = 1 << 17;

/** The runtime when the fast path is on and ready, else null (the caller runs the reference). */
function fastRuntime(): WasmRuntime | null {
  return getCpuOptions().fast ? getWasmRuntime() : null;
}

/** Runs `fast`; a RangeError (the bounded WebAssembly memory is full) or a null result means: use the reference. */
function attempt(fast: () => Float32Array | null): Storage | null {
  try {
    const out = fast();
    return out ? cpuStorage(out) : null;
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

function threadsFor(size: number, threshold: number): number {
  return size >= threshold ? getCpuOptions().threads : 1;
}

function fastMatmul(a: NDArray, b: NDArray, outDtype: DType): Storage {
  const work = sizeOf(a.shape) * b.shape[b.rank - 1];
  const supported =
    outDtype === 'float32' && a.dtype === 'float32' && b.dtype === 'float32' && work >= MATMUL_MIN_WORK;
  const rt = supported ? fastRuntime() : null;
  const threads = threadsFor(work, MATMUL_THREADS_MIN_WORK);
  return (rt && attempt(() => wasmMatmul(rt, a, b, threads))) || matmulKernel(a, b, outDtype);
}

const unaryOps = new Set<UnaryOp>(WASM_UNARY_OPS);
const binaryOps = new Set<BinaryOp>(WASM_BINARY_OPS);

function fastUnary(op: UnaryOp, x: NDArray, outDtype: DType): Storage {
  const supported =
    unaryOps.has(op) && x.dtype === 'float32' && outDtype === 'float32' && x.size >= UNARY_MIN_SIZE;
  const rt = supported ? fastRuntime() : null;
  const threads = threadsFor(x.size, ELEMENTWISE_THREADS_MIN_SIZE);
  return (rt && attempt(() => wasmUnary(rt, op as WasmUnaryOp, x, threads))) || unaryKernel(op, x, outDtype);
}

function fastBinary(op: BinaryOp, a: NDArray, b: NDArray, outDtype: DType): Storage {
  const supported =
    binaryOps.has(op) &&
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    outDtype === 'float32' &&
    a.size >= BINARY_MIN_SIZE;
  const rt = supported ? fastRuntime() : null;
  const threads = threadsFor(a.size, ELEMENTWISE_THREADS_MIN_SIZE);
  return (
    (rt && attempt(() => wasmBinary(rt, op as WasmBinaryOp, a, b, threads))) ||
    binaryKernel(op, a, b, outDtype)
  );
}

/** Runtime for a row kernel over the last axis of float32 `x`, or null. */
function rowRuntime(x: NDArray, axis: number): WasmRuntime | null {
  const supported = x.dtype === 'float32' && axis === x.rank - 1 && x.size >= ROWS_MIN_SIZE;
  return supported ? fastRuntime() : null;
}

function fastSoftmax(x: NDArray, axis: number): Storage {
  const rt = rowRuntime(x, axis);
  const threads = threadsFor(x.size, ELEMENTWISE_THREADS_MIN_SIZE);
  return (rt && attempt(() => wasmSoftmax(rt, 'softmax', x, threads))) || softmaxFused(x, axis);
}

function fastLogSoftmax(x: NDArray, axis: number): Storage {
  const rt = rowRuntime(x, axis);
  const threads = threadsFor(x.size, ELEMENTWISE_THREADS_MIN_SIZE);
  return (rt && attempt(() => wasmSoftmax(rt, 'logSoftmax', x, threads))) || logSoftmaxFused(x, axis);
}

function fastLayerNorm(x: NDArray, weight: NDArray | null, bias: NDArray | null, eps: number): Storage {
  const float32 = [weight, bias].every((p) => !p || p.dtype === 'float32');
  const rt = float32 ? rowRuntime(x, x.rank - 1) : null;
  const threads = threadsFor(x.size, ELEMENTWISE_THREADS_MIN_SIZE);
  return (
    (rt && attempt(() => wasmLayerNorm(rt, x, weight, bias, eps, threads))) ||
    layerNormFused(x, weight, bias, eps)
  );
}

const reduceOps = new Set<ReduceOp>(WASM_REDUCE_OPS);

/** float32 sum/max/min over the innermost axes (rows) or over leading axes (columns); the rest on the reference. */
function fastReduce(op: ReduceOp, x: NDArray, axes: readonly number[], outDtype: DType): Storage {
  const supported =
    reduceOps.has(op) && x.dtype === 'float32' && outDtype === 'float32' && x.size >= REDUCE_MIN_SIZE;
  const rt = supported ? fastRuntime() : null;
  const threads = threadsFor(x.size, ELEMENTWISE_THREADS_MIN_SIZE);
  return (
    (rt && attempt(() => wasmReduce(rt, op as WasmReduceOp, x, axes, threads))) ||
    reduceKernel(op, x, axes, outDtype)
  );
}

function fastGelu(x: NDArray, approximate: GeluApproximation): Storage {
  const supported = x.dtype === 'float32' && x.size >= GELU_MIN_SIZE;
  const rt = supported ? fastRuntime() : null;
  const threads = threadsFor(x.size, ELEMENTWISE_THREADS_MIN_SIZE);
  return (rt && attempt(() => wasmGelu(rt, x, approximate, threads))) || geluFused(x, approximate);
}

/** The fast kernel table: replaces matmul, unary, binary and reduce, and adds the fused row kernels. */
export function createFastKernels(): Partial<KernelTable> {
  return {
    matmul: fastMatmul,
    unary: fastUnary,
    binary: fastBinary,
    reduce: fastReduce,
    softmax: fastSoftmax,
    logSoftmax: fastLogSoftmax,
    layerNorm: fastLayerNorm,
    gelu: fastGelu,
  };
}
