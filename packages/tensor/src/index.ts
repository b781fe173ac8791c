/**
 * @typegrad/tensor: n-dimensional arrays, a small primitive op set run by per-backend kernels,
 * composites built from the primitives, linear algebra and safetensors.
 */
export type {
  ArgReduceOp,
  Backend,
  BinaryOp,
  KernelName,
  KernelTable,
  ReduceOp,
  Storage,
  UnaryOp,
} from './backend.js';
export { BINARY_OPS, UNARY_OPS } from './backend.js';
export { type CpuOptions, getCpuOptions, setCpuOptions } from './backends/cpu/options.js';
export { DTYPES, type DType, isFloat, promoteTypes, type TypedArray } from './dtype.js';
export { getDefaultBackend, keep, memory, setDefaultBackend, tidy } from './engine.js';
export { ArgumentError, DTypeError, ShapeError } from './errors.js';
export {
  MAX_HEADER_BYTES,
  type NamedArrays,
  type ParsedSafetensors,
  parseSafetensors,
  planSafetensors,
  readSafetensorsHeader,
  SAFETENSORS_DTYPE_SIZES,
  type SafetensorsDType,
  type SafetensorsHeader,
  type SafetensorsPlan,
  type SafetensorsTensorInfo,
  serializeSafetensors,
  serializeSafetensorsAsync,
} from './io/safetensors.js';
export {
  type BackendFactory,
  getBackend,
  getKernel,
  hasKernel,
  kernelNames,
  registerBackend,
  registeredBackends,
  registerKernel,
} from './kernels.js';
export type { SliceSpec } from './layout.js';
export * as linalg from './linalg/index.js';
export { NDArray, type NestedArray } from './ndarray.js';
export * from './ops/creation.js';
export * from './ops/elementwise.js';
export * from './ops/indexing.js';
export * from './ops/matmul.js';
export * from './ops/nn.js';
export * from './ops/reduce.js';
export { Generator, manualSeed, normalAt, uniformAt } from './rng.js';
export { broadcastShapes, type Shape, sizeOf } from './shape.js';
