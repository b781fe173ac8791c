import type { NDArray } from '../../../ndarray.js';
import type { GeluApproximation } from './gelu-kernels.js';
import { planRows, runRowJob, stage } from './rows.js';
import type { WasmRuntime } from './runtime.js';

/**
 * GELU of a float32 view whose last merged dim is adjacent, by the fused kernel (gelu-kernels.ts);
 * null for other layouts (a broadcast or transposed view: the caller runs the plain-TS kernel).
 */
export function wasmGelu(
  rt: WasmRuntime,
  x: NDArray,
  approximate: GeluApproximation,
  threads: number,
): Float32Array | null {
  const scratch: number[] = [];
  try {
    const X = stage(rt, x, scratch);
    const plan = planRows(x.shape, [X.layout], threads);
    if (plan?.inner[0] !== 1) return null;
    return runRowJob(
      rt,
      { kernel: `gelu_${approximate}`, ...plan, bases: [X.base, 0, 0], inner: [1, 1], size: x.size, threads },
      scratch,
    );
  } finally {
    for (const address of scratch) rt.memory.free(address);
  }
}
