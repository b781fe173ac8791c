import type { Backend, KernelTable } from '../../backend.js';
import type { BackendFactory } from '../../kernels.js';
import { binaryKernel, copyKernel, unaryKernel, whereKernel } from './elementwise.js';
import { createFastKernels } from './fast.js';
import { concatKernel, gatherKernel, scatterAddKernel } from './indexing.js';
import { matmulKernel } from './matmul.js';
import { getCpuOptions } from './options.js';
import { argReduceKernel, reduceKernel } from './reduce.js';
import { type CpuStorage, cpuBackend, cpuStorage } from './storage.js';
import { hasWasmSimd } from './wasm/features.js';
import { allocResident, freeResident } from './wasm/resident.js';
import { getWasmRuntime } from './wasm/runtime.js';

/** The reference kernels: plain TypeScript over typed arrays. */
const referenceKernels: KernelTable = {
  unary: unaryKernel,
  binary: binaryKernel,
  where: whereKernel,
  reduce: reduceKernel,
  argReduce: argReduceKernel,
  matmul: matmulKernel,
  gather: gatherKernel,
  scatterAdd: scatterAddKernel,
  copy: copyKernel,
  concat: concatKernel,
};

/**
 * Storage management with the fast kernels: large float32 arrays are kept in the WebAssembly
 * memory (see wasm/resident.ts), so fast kernels read and write them in place.
 */
const fastCpuBackend: Backend = {
  ...cpuBackend,
  fromTyped(data) {
    const rt = data instanceof Float32Array && getCpuOptions().fast ? getWasmRuntime() : null;
    const resident = rt ? allocResident(rt.memory, data.length) : null;
    if (!resident) return cpuBackend.fromTyped(data);
    resident.set(data);
    return cpuStorage(resident);
  },
  free(storage) {
    freeResident((storage as CpuStorage).data);
  },
};

/**
 * The cpu backend. Where WebAssembly SIMD is available, the fast kernels replace some reference
 * ones (on one thread when there is no shared memory); they check `getCpuOptions().fast` on every
 * call, so switching the option takes effect at once. Elsewhere only the reference kernels run.
 */
export const createCpuBackend: BackendFactory = () => {
  if (!hasWasmSimd()) {
    if (getCpuOptions().fast) {
      console.info(
        'typegrad: this engine has no WebAssembly SIMD; the cpu backend runs its plain TypeScript kernels',
      );
    }
    return { backend: cpuBackend, kernels: referenceKernels };
  }
  return { backend: fastCpuBackend, kernels: { ...referenceKernels, ...createFastKernels() } };
};
