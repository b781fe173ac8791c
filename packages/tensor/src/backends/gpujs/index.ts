import type { Backend, KernelTable, Storage } from '../../backend.js';
import { dtypeOfTyped, type TypedArray } from '../../dtype.js';
import { DTypeError } from '../../errors.js';
import type { BackendFactory } from '../../kernels.js';
import { binaryKernel, copyKernel, unaryKernel, whereKernel } from './elementwise.js';
import { layerNormFused, logSoftmaxFused, softmaxFused } from './fused.js';
import { concatKernel, gatherKernel, scatterAddKernel } from './gather-scatter.js';
import type { GpuInstance } from './gpujs-api.js';
import { matmulKernel } from './matmul.js';
import { argReduceKernel, reduceKernel } from './reduce.js';
import { checkIntRange, fromFloats, type GpujsMode, GpujsRuntime, refuseFloat64 } from './runtime.js';
import type { GpujsStorage } from './storage.js';

/** Storage management of a gpujs backend: uploads, readback and freeing through its runtime. */
function gpujsBackend(rt: GpujsRuntime): Backend {
  return {
    name: rt.name,
    canReadSync: !rt.async,
    fromTyped(data: TypedArray): Storage {
      const dtype = dtypeOfTyped(data);
      if (!dtype) throw new DTypeError(`fromTyped on ${rt.name}: expected a typed array`);
      refuseFloat64(`fromTyped on ${rt.name}`, dtype);
      if (dtype === 'int32') checkIntRange(data, rt.name);
      return rt.upload(data, dtype);
    },
    readSync: (s) => fromFloats(rt.readFloatsSync(s as GpujsStorage), s.dtype, rt.name),
    read: async (s) => fromFloats(await rt.readFloats(s as GpujsStorage), s.dtype, rt.name),
    free: (s) => rt.free(s as GpujsStorage),
  };
}

/**
 * The primitive kernels, as gpu.js kernels generated per shape signature, and the fused
 * composites where they measured faster (2-core machine, ms per call, fused vs composite):
 * softmax [1536, 128]: webgpu on llvmpipe 3.3 vs 6.8, headlessgl on llvmpipe 6.0 vs 9.5,
 * webasm 11.0 vs 7.4, cpu 6.7 vs 5.9 (logSoftmax on headlessgl 4.1 vs 8.4);
 * layerNorm [256, 768]: webgpu 5.2 vs 9.5, headlessgl 6.7 vs 17.5, webasm 3.2 vs 4.2, cpu 3.2 vs 5.2.
 * (On webasm a lane loop cannot use SIMD across cells the way a flat exp kernel does.)
 */
function gpujsKernels(rt: GpujsRuntime): KernelTable {
  const softmaxes = rt.parallel ? { softmax: softmaxFused(rt), logSoftmax: logSoftmaxFused(rt) } : {};
  return {
    unary: unaryKernel(rt),
    binary: binaryKernel(rt),
    where: whereKernel(rt),
    reduce: reduceKernel(rt),
    argReduce: argReduceKernel(rt),
    matmul: matmulKernel(rt),
    gather: gatherKernel(rt),
    scatterAdd: scatterAddKernel(rt),
    copy: copyKernel(rt),
    concat: concatKernel(rt),
    ...softmaxes,
    layerNorm: layerNormFused(rt),
  };
}

/** A backend factory over a runtime (see registerGpujsBackend in ../../gpujs.ts). */
export function gpujsBackendFactory(rt: GpujsRuntime): BackendFactory {
  return () => ({ backend: gpujsBackend(rt), kernels: gpujsKernels(rt) });
}

/** The kernels a gpujs backend in `mode` registers, known without a device (for FEATURES.md). */
export function gpujsKernelNames(mode: GpujsMode): string[] {
  const noDevice: GpuInstance = {
    createKernel() {
      throw new Error('gpujsKernelNames: this runtime has no device');
    },
    destroy() {},
  };
  return Object.keys(gpujsKernels(new GpujsRuntime(`gpujs:${mode}`, mode, noDevice)));
}
