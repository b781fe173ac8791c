import { ArgumentError, DTypeError, ShapeError } from '../errors.js';

/**
 * The safetensors header: an 8-byte little-endian u64 length N, then N bytes of UTF-8 JSON
 * `{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {..}}`, then the
 * data buffer. Validation follows the reference implementation (huggingface/safetensors):
 * the tensors, sorted by offset, must tile the data buffer exactly, without gap or overlap.
 */

/** Element types of the safetensors format and their sizes in bytes. */
export const SAFETENSORS_DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

export type SafetensorsDType = keyof typeof SAFETENSORS_DTYPE_SIZES;

/** Headers above this size are refused, as the reference implementation does. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Where one tensor lives in a safetensors file. */
export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** `[begin, end)` in bytes, relative to the start of the data buffer. */
  readonly dataOffsets: readonly [number, number];
}

/** A validated header: what a file holds, without its data. */
export interface SafetensorsHeader {
  /** Tensors in the order of their data in the file. */
  readonly tensors: readonly SafetensorsTensorInfo[];
  /** The `__metadata__` string map (empty when absent). */
  readonly metadata: Record<string, string>;
  /** Byte position of the data buffer in the file: 8 + the header length. */
  readonly dataStart: number;
  /** Size of the data buffer in bytes. */
  readonly dataByteLength: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Quotes a name for an error message, cut short so a hostile header cannot flood the message. */
export function quote(name: string): string {
  const q = JSON.stringify(name);
  return q.length > 120 ? `${q.slice(0, 117)}..."` : q;
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${quote(String(value))}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the header length N from the first 8 bytes and checks it against the file size.
 * `prefix` needs at least 8 bytes unless the file is shorter (then this throws).
 */
export function readHeaderLength(prefix: Uint8Array, fileByteLength: number, source: string): number {
  if (fileByteLength < 8 || prefix.length < 8) {
    throw new ArgumentError(
      `${source}: truncated: ${Math.min(fileByteLength, prefix.length)} bytes, fewer than the 8-byte header length`,
    );
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  if (high !== 0 || low > MAX_HEADER_BYTES) {
    const exact = (BigInt(high) << 32n) | BigInt(low);
    throw new ArgumentError(
      `${source}: header length ${exact} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt length prefix?)`,
    );
  }
  if (8 + low > fileByteLength) {
    throw new ArgumentError(
      `${source}: truncated: header length ${low} needs ${8 + low} bytes but the file has ${fileByteLength}`,
    );
  }
  return low;
}

/**
 * Parses and validates the header of a safetensors file without touching tensor data.
 * `bytes` must hold at least the length prefix and the header; `fileByteLength` is the size of
 * the whole file (default: `bytes.length`), against which the data offsets are checked.
 * Errors name `source` and the problem.
 */
export function readSafetensorsHeader(
  bytes: Uint8Array,
  source = '<buffer>',
  fileByteLength = bytes.length,
): SafetensorsHeader {
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentError(`${source}: expected the file contents as a Uint8Array, got ${describe(bytes)}`);
  }
  const headerLength = readHeaderLength(bytes, fileByteLength, source);
  if (bytes.length < 8 + headerLength) {
    throw new ArgumentError(
      `${source}: truncated: header length ${headerLength} but only ${bytes.length - 8} header bytes given`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new ArgumentError(`${source}: header is not valid UTF-8`);
  }
  if (!text.startsWith('{')) {
    throw new ArgumentError(
      `${source}: header is not a JSON object (does not start with '{'; not a safetensors file?)`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ArgumentError(`${source}: header is not valid JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(json))
    throw new ArgumentError(`${source}: header JSON is ${describe(json)}, not an object`);

  let metadata: Record<string, string> = {};
  const tensors: SafetensorsTensorInfo[] = [];
  for (const [key, value] of Object.entries(json)) {
    if (key === '__metadata__') metadata = parseMetadata(value, source);
    else tensors.push(parseTensorInfo(key, value, source));
  }
  const dataStart = 8 + headerLength;
  const dataByteLength = fileByteLength - dataStart;
  checkLayout(tensors, dataByteLength, source);
  return { tensors, metadata, dataStart, dataByteLength };
}

function parseMetadata(value: unknown, source: string): Record<string, string> {
  if (value === null) return {}; // the reference reads null as "no metadata"
  if (!isPlainObject(value)) {
    throw new ArgumentError(`${source}: __metadata__ is ${describe(value)}, not an object of strings`);
  }
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new ArgumentError(
        `${source}: __metadata__ value for key ${quote(key)} is ${describe(v)}, not a string`,
      );
    }
  }
  return Object.fromEntries(Object.entries(value)) as Record<string, string>;
}

function parseTensorInfo(name: string, value: unknown, source: string): SafetensorsTensorInfo {
  const where = `${source}: tensor ${quote(name)}`;
  if (!isPlainObject(value)) {
    throw new ArgumentError(
      `${where}: entry is ${describe(value)}, not an object with dtype, shape, data_offsets`,
    );
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw new DTypeError(`${where}: dtype is ${describe(dtype)}, not a string`);
  if (!Object.hasOwn(SAFETENSORS_DTYPE_SIZES, dtype)) {
    throw new DTypeError(
      `${where}: unknown dtype ${quote(dtype)} (known: ${Object.keys(SAFETENSORS_DTYPE_SIZES).join(', ')})`,
    );
  }
  const isIndex = (d: unknown): d is number => Number.isSafeInteger(d) && (d as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw new ShapeError(
      `${where}: invalid shape ${quote(JSON.stringify(shape) ?? 'undefined')}: expected a list of non-negative integers`,
    );
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
    throw new ArgumentError(
      `${where}: invalid data_offsets ${quote(JSON.stringify(offsets) ?? 'undefined')}: expected [begin, end] with 0 <= begin <= end`,
    );
  }
  const info = {
    name,
    dtype: dtype as SafetensorsDType,
    shape,
    dataOffsets: [offsets[0], offsets[1]] as const,
  };
  const needed = byteLengthOf(info, where);
  const span = offsets[1] - offsets[0];
  if (span !== needed) {
    throw new ShapeError(
      `${where}: dtype ${dtype} and shape [${shape.join(', ')}] need ${needed} bytes but data_offsets [${offsets.join(', ')}] span ${span}`,
    );
  }
  return info;
}

/** Bytes a tensor's data takes; throws when the element count overflows exact integers. */
function byteLengthOf(info: Omit<SafetensorsTensorInfo, 'name' | 'dataOffsets'>, where: string): number {
  if (info.shape.includes(0)) return 0;
  let bytes: number = SAFETENSORS_DTYPE_SIZES[info.dtype];
  for (const d of info.shape) {
    bytes *= d;
    if (!Number.isSafeInteger(bytes)) {
      throw new ShapeError(`${where}: shape [${info.shape.join(', ')}] overflows: too many elements`);
    }
  }
  return bytes;
}

/** Sorts `tensors` by offset and checks that they tile the data buffer exactly. */
function checkLayout(tensors: SafetensorsTensorInfo[], dataByteLength: number, source: string): void {
  tensors.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let covered = 0;
  let previous: SafetensorsTensorInfo | undefined;
  for (const t of tensors) {
    const [begin, end] = t.dataOffsets;
    const where = `${source}: tensor ${quote(t.name)}`;
    if (end > dataByteLength) {
      throw new ArgumentError(
        `${where}: data_offsets [${begin}, ${end}] run past the end of the ${dataByteLength}-byte data buffer (file truncated or offset out of range)`,
      );
    }
    if (begin < covered) {
      throw new ArgumentError(
        `${where}: data_offsets [${begin}, ${end}] overlap tensor ${quote(previous!.name)}, which ends at offset ${covered}`,
      );
    }
    if (begin > covered) {
      throw new ArgumentError(
        `${where}: gap in the data buffer: bytes [${covered}, ${begin}) before its data_offsets [${begin}, ${end}] belong to no tensor`,
      );
    }
    covered = end;
    previous = t;
  }
  if (covered !== dataByteLength) {
    throw new ArgumentError(
      `${source}: ${dataByteLength - covered} trailing bytes: tensors cover data offsets [0, ${covered}) of a ${dataByteLength}-byte data buffer`,
    );
  }
}
