import { DTypeError } from './errors.js';

/** Element types. `bool` is stored one byte per element (0 or 1). */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export interface TypedArrayFor {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}
export type TypedArray = TypedArrayFor[DType];

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

const CONSTRUCTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

/** Allocates a zero-filled typed array of `size` elements for `dtype`. */
export function allocTyped<D extends DType>(dtype: D, size: number): TypedArrayFor[D] {
  return new CONSTRUCTORS[dtype](size) as TypedArrayFor[D];
}

/** Wraps an existing buffer without copying. */
export function typedView<D extends DType>(
  dtype: D,
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
): TypedArrayFor[D] {
  const Ctor = CONSTRUCTORS[dtype] as unknown as new (
    b: ArrayBufferLike,
    o: number,
    n: number,
  ) => TypedArrayFor[D];
  return new Ctor(buffer, byteOffset, length);
}

export function bytesPerElement(dtype: DType): number {
  return CONSTRUCTORS[dtype].BYTES_PER_ELEMENT;
}

export function isFloat(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

/** The dtype a typed array holds, or undefined for other array kinds. */
export function dtypeOfTyped(data: unknown): DType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  return undefined;
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** Result dtype of a binary op: the wider of the two (bool < int32 < float32 < float64). */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Throws unless `dtype` is one of `allowed`; the message names the op. */
export function assertDType(op: string, dtype: DType, allowed: readonly DType[]): void {
  if (!allowed.includes(dtype)) {
    throw new DTypeError(`${op}: dtype ${dtype} is not supported (expected ${allowed.join(' or ')})`);
  }
}

/** Converts a JS number to what storing it in `dtype` yields (truncation for int32, 0/1 for bool). */
export function castScalar(value: number, dtype: DType): number {
  if (dtype === 'int32') return value | 0;
  if (dtype === 'bool') return value !== 0 ? 1 : 0; // NaN is non-zero, so true (as cast)
  if (dtype === 'float32') return Math.fround(value);
  return value;
}
