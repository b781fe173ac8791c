import type { DType, TypedArray } from '../dtype.js';
import { ArgumentError, DTypeError } from '../errors.js';
import type { NDArray } from '../ndarray.js';
import { fromTyped } from '../ops/creation.js';
import { sizeOf } from '../shape.js';
import {
  MAX_HEADER_BYTES,
  quote,
  readSafetensorsHeader,
  SAFETENSORS_DTYPE_SIZES,
} from './safetensors-header.js';
import { decodeElements, encodeElements, SAFETENSORS_DTYPE_OF } from './tensor-bytes.js';

/**
 * Reading and writing safetensors files in memory (browser-safe: no Node imports).
 * Files are written exactly as the reference implementation writes them, so the bytes match
 * `safetensors.torch.save_file` for the same tensors and (at most one key of) metadata.
 */

export {
  MAX_HEADER_BYTES,
  readSafetensorsHeader,
  SAFETENSORS_DTYPE_SIZES,
  type SafetensorsDType,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
} from './safetensors-header.js';

/** Named arrays to write. */
export type NamedArrays = Readonly<Record<string, NDArray>> | ReadonlyMap<string, NDArray>;

/** A parsed file: every tensor materialised, in file order, plus the `__metadata__` map. */
export interface ParsedSafetensors {
  tensors: Map<string, NDArray>;
  metadata: Record<string, string>;
}

/**
 * Parses a whole safetensors file. All tensors are materialised eagerly (the bytes are in
 * memory anyway): F32, F16 and BF16 become float32; F64 float64; I32, I64, I16, I8, U32, U64,
 * U16, U8 int32 (throwing when a value does not fit); BOOL bool. Every error names `source`
 * and the problem; on error no array is left allocated.
 */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): ParsedSafetensors {
  const header = readSafetensorsHeader(bytes, source);
  const tensors = new Map<string, NDArray>();
  try {
    for (const info of header.tensors) {
      const [begin, end] = info.dataOffsets;
      const data = decodeElements(
        info,
        bytes.subarray(header.dataStart + begin, header.dataStart + end),
        source,
      );
      tensors.set(info.name, fromTyped(data, info.shape));
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
  return { tensors, metadata: header.metadata };
}

/** What to write, in order: the length prefix and header, then each array's data. */
export interface SafetensorsPlan {
  /** The 8-byte length prefix followed by the space-padded JSON header. */
  readonly header: Uint8Array;
  /** Arrays in the order their data follows the header, with the byte length of each. */
  readonly entries: readonly {
    readonly name: string;
    readonly array: NDArray;
    readonly byteLength: number;
  }[];
  /** Size of the whole file in bytes. */
  readonly byteLength: number;
}

// Data order of the reference writer: larger elements first (keeps every tensor aligned), then by name.
const WRITE_ORDER: Readonly<Record<DType, number>> = { float64: 0, float32: 1, int32: 2, bool: 3 };
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Compares strings by code point, which is the UTF-8 byte order the reference writer sorts by. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function checkText(op: string, what: string, text: string): void {
  if (LONE_SURROGATE.test(text))
    throw new ArgumentError(`${op}: ${what} ${quote(text)} is not valid Unicode`);
}

/**
 * Lays out a file for `tensors` and `metadata` without reading any data: checks the names,
 * metadata and arrays, orders the data as the reference writer does, and encodes the header
 * (keys in data order after `__metadata__`, padded with spaces to a multiple of 8 bytes).
 */
export function planSafetensors(
  tensors: NamedArrays,
  metadata: Readonly<Record<string, string>> = {},
  op = 'serializeSafetensors',
): SafetensorsPlan {
  const named: [string, NDArray][] =
    tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors ?? {});
  const items = named.map(([name, array]) => {
    if (typeof name !== 'string')
      throw new ArgumentError(`${op}: tensor names must be strings, got ${typeof name}`);
    if (name === '__metadata__')
      throw new ArgumentError(`${op}: '__metadata__' is reserved and cannot name a tensor`);
    checkText(op, 'tensor name', name);
    if ((array as NDArray | undefined)?.isNDArray !== true) {
      throw new ArgumentError(`${op}: value for tensor ${quote(name)} is not an NDArray`);
    }
    array.assertAlive(op);
    const dtype = SAFETENSORS_DTYPE_OF[array.dtype];
    if (!dtype)
      throw new DTypeError(`${op}: tensor ${quote(name)} has dtype ${array.dtype}, which cannot be written`);
    return { name, array, dtype, byteLength: sizeOf(array.shape) * SAFETENSORS_DTYPE_SIZES[dtype] };
  });
  items.sort(
    (a, b) => WRITE_ORDER[a.array.dtype] - WRITE_ORDER[b.array.dtype] || compareCodePoints(a.name, b.name),
  );

  const fields: string[] = [];
  const metaEntries = Object.entries(metadata ?? {}).sort(([a], [b]) => compareCodePoints(a, b));
  for (const [key, value] of metaEntries) {
    checkText(op, 'metadata key', key);
    if (typeof value !== 'string') {
      throw new ArgumentError(`${op}: metadata value for key ${quote(key)} is ${typeof value}, not a string`);
    }
    checkText(op, 'metadata value', value);
  }
  if (metaEntries.length > 0) {
    const body = metaEntries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
    fields.push(`"__metadata__":{${body}}`);
  }
  let offset = 0;
  for (const { name, array, dtype, byteLength } of items) {
    const info = { dtype, shape: [...array.shape], data_offsets: [offset, offset + byteLength] };
    fields.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += byteLength;
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > MAX_HEADER_BYTES) {
    throw new ArgumentError(
      `${op}: header would be ${headerLength} bytes, over the ${MAX_HEADER_BYTES}-byte limit readers accept`,
    );
  }
  const header = new Uint8Array(8 + headerLength).fill(0x20, 8 + json.length); // pad with spaces
  new DataView(header.buffer).setUint32(0, headerLength, true); // u64: the high word stays 0
  header.set(json, 8);
  return {
    header,
    entries: items.map(({ name, array, byteLength }) => ({ name, array, byteLength })),
    byteLength: header.length + offset,
  };
}

function assemble(plan: SafetensorsPlan, data: readonly TypedArray[]): Uint8Array {
  const out = new Uint8Array(plan.byteLength);
  out.set(plan.header, 0);
  let at = plan.header.length;
  plan.entries.forEach((entry, i) => {
    out.set(encodeElements(data[i], entry.array.dtype), at);
    at += entry.byteLength;
  });
  return out;
}

/**
 * A safetensors file holding `tensors` (float32 as F32, float64 F64, int32 I32, bool BOOL) and
 * the string map `metadata` (omitted from the header when empty). Views are written in
 * row-major order. Needs a backend that reads synchronously; see serializeSafetensorsAsync.
 */
export function serializeSafetensors(
  tensors: NamedArrays,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const plan = planSafetensors(tensors, metadata, 'serializeSafetensors');
  return assemble(
    plan,
    plan.entries.map((e) => e.array.dataSync()),
  );
}

/** serializeSafetensors for arrays on any backend (reads values with `await x.data()`). */
export async function serializeSafetensorsAsync(
  tensors: NamedArrays,
  metadata: Readonly<Record<string, string>> = {},
): Promise<Uint8Array> {
  const plan = planSafetensors(tensors, metadata, 'serializeSafetensorsAsync');
  const data: TypedArray[] = [];
  for (const e of plan.entries) data.push(await e.array.data());
  return assemble(plan, data);
}
