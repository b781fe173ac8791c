import type { BackendFactory } from '../../kernels.js';
import { binaryKernel, copyKernel, unaryKernel, whereKernel } from './elementwise.js';
import { concatKernel, gatherKernel, scatterAddKernel } from './indexing.js';
import { matmulKernel } from './matmul.js';
import { argReduceKernel, reduceKernel } from './reduce.js';
import { cpuBackend } from './storage.js';

/** The cpu backend with its reference kernels (plain TypeScript over typed arrays). */
export const createCpuBackend: BackendFactory = () => ({
  backend: cpuBackend,
  kernels: {
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
  },
});
