import { addElementwiseKernels, ELEMENTWISE_KERNELS } from './elementwise-kernels.js';
import { ModuleBuilder, ValType } from './emitter.js';
import { addGeluKernels, GELU_KERNELS } from './gelu-kernels.js';
import { addMatmulKernels, type MatmulConfig } from './matmul-kernels.js';
import { addReduceKernels, REDUCE_KERNELS } from './reduce-kernels.js';
import { addRowKernels, ROW_KERNELS } from './row-kernels.js';

/** What the fast kernels' module is built with; chosen once at start-up. */
export interface KernelModuleConfig {
  matmul: MatmulConfig;
  maxPages: number;
  /** Whether the imported memory is shared (worker threads) or a fixed, non-shared one. */
  shared: boolean;
}

/** Exported kernels with the chunk signature (chunk, thread, params) that worker threads run. */
export const CHUNK_KERNELS = [
  'matmulPackB',
  'matmulCompute',
  ...ELEMENTWISE_KERNELS,
  ...ROW_KERNELS,
  ...REDUCE_KERNELS,
  ...GELU_KERNELS,
] as const;
export type ChunkKernel = (typeof CHUNK_KERNELS)[number];

/** The imports every instance gets besides the memory (the calling thread and the workers alike). */
export const FUNCTION_IMPORTS = { log: Math.log } as const;

/** Emits the module with every fast kernel, importing `env.memory` (up to `maxPages`, shared or not) and `env.log`. */
export function buildKernelModule(config: KernelModuleConfig): Uint8Array {
  const module = new ModuleBuilder({
    module: 'env',
    name: 'memory',
    minPages: 1,
    maxPages: config.maxPages,
    shared: config.shared,
  });
  const log = module.importFunction({
    module: 'env',
    name: 'log',
    params: [ValType.f64],
    results: [ValType.f64],
  });
  addMatmulKernels(module, config.matmul);
  addElementwiseKernels(module);
  addRowKernels(module, log);
  addReduceKernels(module);
  addGeluKernels(module);
  return module.build();
}
