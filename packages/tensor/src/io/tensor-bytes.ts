import type { DType, TypedArray } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { decodeHalfFloats } from './half.js';
import {
  quote,
  SAFETENSORS_DTYPE_SIZES,
  type SafetensorsDType,
  type SafetensorsTensorInfo,
} from './safetensors-header.js';

/**
 * Tensor elements to and from safetensors bytes (always little-endian, whatever the host).
 * Native dtypes are copied byte for byte (NaN payloads survive) and byte-swapped on big-endian hosts.
 */

export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The safetensors dtype each NDArray dtype is written as. */
export const SAFETENSORS_DTYPE_OF: Readonly<Record<DType, SafetensorsDType>> = {
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
  bool: 'BOOL',
};

/** The NDArray dtype a safetensors dtype is read as. */
export const NDARRAY_DTYPE_OF: Readonly<Partial<Record<SafetensorsDType, DType>>> = {
  F32: 'float32',
  F16: 'float32',
  BF16: 'float32',
  F64: 'float64',
  I32: 'int32',
  I64: 'int32',
  I16: 'int32',
  I8: 'int32',
  U64: 'int32',
  U32: 'int32',
  U16: 'int32',
  U8: 'int32',
  BOOL: 'bool',
};

/** Reverses the bytes of every `width`-byte element in place (little- <-> big-endian). */
export function swapByteOrder(bytes: Uint8Array, width: number): void {
  for (let start = 0; start + width <= bytes.length; start += width) {
    for (let i = start, j = start + width - 1; i < j; i++, j--) {
      const t = bytes[i];
      bytes[i] = bytes[j];
      bytes[j] = t;
    }
  }
}

/**
 * Little-endian bytes of row-major elements of `dtype`. On little-endian hosts this is a view
 * of `data` (no copy), so `data` must not be changed while the bytes are in use.
 */
export function encodeElements(data: TypedArray, dtype: DType): Uint8Array {
  if (dtype === 'bool') return Uint8Array.from(data, (v) => (v ? 1 : 0));
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_IS_LITTLE_ENDIAN) return bytes;
  const swapped = bytes.slice();
  swapByteOrder(swapped, data.BYTES_PER_ELEMENT);
  return swapped;
}

/**
 * The elements of one tensor, from exactly its bytes, as the typed array of its NDArray dtype.
 * With `mayReuse` the result may share `bytes`' buffer (pass it only for a buffer you own).
 */
export function decodeElements(
  info: SafetensorsTensorInfo,
  bytes: Uint8Array,
  source: string,
  mayReuse = false,
): TypedArray {
  const width = SAFETENSORS_DTYPE_SIZES[info.dtype];
  const count = bytes.length / width;
  const view = () => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (info.dtype) {
    case 'F32':
    case 'F64':
    case 'I32': {
      const own = mayReuse && bytes.byteOffset % width === 0 ? bytes : bytes.slice();
      if (!HOST_IS_LITTLE_ENDIAN) swapByteOrder(own, width);
      if (info.dtype === 'F32') return new Float32Array(own.buffer, own.byteOffset, count);
      if (info.dtype === 'F64') return new Float64Array(own.buffer, own.byteOffset, count);
      return new Int32Array(own.buffer, own.byteOffset, count);
    }
    case 'F16':
    case 'BF16':
      return decodeHalfFloats(bytes, info.dtype);
    case 'BOOL':
      return Uint8Array.from(bytes, (b) => (b !== 0 ? 1 : 0));
    case 'U8':
      return Int32Array.from(bytes);
    case 'I8':
      return Int32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, count));
    case 'I16':
    case 'U16': {
      const v = view();
      const read =
        info.dtype === 'I16'
          ? (i: number) => v.getInt16(2 * i, true)
          : (i: number) => v.getUint16(2 * i, true);
      return Int32Array.from({ length: count }, (_, i) => read(i));
    }
    case 'U32':
    case 'I64':
    case 'U64':
      return narrowToInt32(info, view(), count, source);
    default:
      throw new DTypeError(
        `${source}: tensor ${quote(info.name)}: dtype ${info.dtype} cannot be read (readable: ${Object.keys(NDARRAY_DTYPE_OF).join(', ')})`,
      );
  }
}

/** U32 / I64 / U64 elements as int32, throwing on the first value that does not fit. */
function narrowToInt32(
  info: SafetensorsTensorInfo,
  view: DataView,
  count: number,
  source: string,
): Int32Array {
  const out = new Int32Array(count);
  const wide = info.dtype !== 'U32';
  const signed = info.dtype === 'I64';
  for (let i = 0; i < count; i++) {
    const low = wide ? view.getUint32(8 * i, true) : view.getUint32(4 * i, true);
    const high = wide ? view.getUint32(8 * i + 4, true) : 0;
    // Fits when the upper 33 bits are all copies of the sign bit (all zero for unsigned types).
    const fits = low < 0x80000000 ? high === 0 : signed && high === 0xffffffff;
    if (!fits) {
      const unsigned = (BigInt(high) << 32n) | BigInt(low);
      const value = signed ? BigInt.asIntN(64, unsigned) : unsigned;
      throw new DTypeError(
        `${source}: tensor ${quote(info.name)} (${info.dtype}): element ${i} is ${value}, which does not fit in int32`,
      );
    }
    out[i] = low | 0;
  }
  return out;
}
