import type { DType, TypedArray } from './dtype.js';
import type { NDArray } from './ndarray.js';
import type { Shape } from './shape.js';

/** A block of elements owned by a backend. Views share one storage; it is freed when no view uses it. */
export interface Storage {
  readonly backend: string;
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** Live NDArrays that use this storage. */
  refs: number;
}

/**
 * Storage management of a backend. Computation lives in kernels, registered per op name
 * (see kernels.ts), so that a backend can be read one kernel at a time.
 */
export interface Backend {
  readonly name: string;
  /** True when `readSync` works (the cpu backend); device backends read asynchronously. */
  readonly canReadSync: boolean;
  /** Takes `data` as the contents of a new storage (the backend may keep or copy it). */
  fromTyped(data: TypedArray): Storage;
  /** All elements of a storage, in storage order. The result must not be mutated. */
  readSync(storage: Storage): TypedArray;
  read(storage: Storage): Promise<TypedArray>;
  free(storage: Storage): void;
}

export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'tanh'
  | 'erf'
  | 'abs'
  | 'sign'
  | 'reciprocal'
  | 'sin'
  | 'cos'
  | 'relu'
  | 'sigmoid'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'square'
  | 'log1p'
  | 'expm1'
  | 'logicalNot';

export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'equal'
  | 'notEqual'
  | 'less'
  | 'lessEqual'
  | 'greater'
  | 'greaterEqual'
  | 'logicalAnd'
  | 'logicalOr';

export type ReduceOp = 'sum' | 'max' | 'min' | 'prod';
export type ArgReduceOp = 'argmax' | 'argmin';

export const UNARY_OPS: readonly UnaryOp[] = [
  'neg',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'tanh',
  'erf',
  'abs',
  'sign',
  'reciprocal',
  'sin',
  'cos',
  'relu',
  'sigmoid',
  'floor',
  'ceil',
  'round',
  'square',
  'log1p',
  'expm1',
  'logicalNot',
];

export const BINARY_OPS: readonly BinaryOp[] = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'equal',
  'notEqual',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'logicalAnd',
  'logicalOr',
];

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  'equal',
  'notEqual',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'logicalAnd',
  'logicalOr',
]);

/**
 * The primitive kernels every backend implements. Inputs are views (any strides, offset,
 * broadcast strides of 0); outputs are new contiguous storages in row-major order.
 * Optional entries are fused kernels for composites: a backend registers them when a
 * benchmark shows a gain, and the composite in ops/ stays the reference they are tested against.
 */
export interface KernelTable {
  unary(op: UnaryOp, x: NDArray, outDtype: DType): Storage;
  /** `a` and `b` are already broadcast to `outShape`. */
  binary(op: BinaryOp, a: NDArray, b: NDArray, outDtype: DType): Storage;
  /** All three already broadcast to one shape; `cond` is bool. */
  where(cond: NDArray, a: NDArray, b: NDArray, outDtype: DType): Storage;
  /** Reduces `axes` (sorted, distinct); the output keeps the other axes in order. */
  reduce(op: ReduceOp, x: NDArray, axes: readonly number[], outDtype: DType): Storage;
  /** Index of the first extreme element along `axis` (int32); ties take the lowest index. */
  argReduce(op: ArgReduceOp, x: NDArray, axis: number): Storage;
  /** `a` [...batch, M, K] times `b` [...batch, K, N], batch dims already broadcast to `batch`. */
  matmul(a: NDArray, b: NDArray, outDtype: DType): Storage;
  /** np.take: out shape = x.shape[:axis] + indices.shape + x.shape[axis+1:]; indices validated by the op. */
  gather(x: NDArray, indices: NDArray, axis: number): Storage;
  /** Inverse of gather: zeros of `shape`, then updates added at `indices` along `axis` (repeats sum). */
  scatterAdd(shape: Shape, indices: NDArray, updates: NDArray, axis: number): Storage;
  /** Materialises a view in row-major order (also converts dtype when `dtype` differs). */
  copy(x: NDArray, dtype: DType): Storage;
  /** Joins arrays along `axis`; all have the output's dtype and matching other dims. */
  concat(xs: readonly NDArray[], axis: number): Storage;
  softmax?(x: NDArray, axis: number): Storage;
  logSoftmax?(x: NDArray, axis: number): Storage;
  layerNorm?(x: NDArray, weight: NDArray | null, bias: NDArray | null, eps: number): Storage;
  /** GELU of a float32 array: exact (`'none'`, x·Φ(x)) or GPT-2's tanh approximation. */
  gelu?(x: NDArray, approximate: 'none' | 'tanh'): Storage;
}

export type KernelName = keyof KernelTable;
