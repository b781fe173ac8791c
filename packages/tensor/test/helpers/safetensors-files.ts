/*
 * Hand-built safetensors files for tests, written with DataView and TextEncoder only (no code
 * from src/), so that checks against them test the reader and writer against the format itself.
 */

/** A file: 8-byte little-endian header length, the header text as given, then `data`. */
export function buildFile(headerText: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const header = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

/** `text` followed by spaces up to a multiple of 8 bytes (as the reference writer pads). */
export function padded(text: string): string {
  const length = new TextEncoder().encode(text).length;
  return text + ' '.repeat((8 - (length % 8)) % 8);
}

type Writer = 'setFloat32' | 'setFloat64' | 'setInt32' | 'setUint16' | 'setUint32' | 'setInt16';

function littleEndian(values: readonly number[], width: number, write: Writer): Uint8Array {
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view[write](i * width, v, true);
  });
  return out;
}

export const f32le = (values: readonly number[]) => littleEndian(values, 4, 'setFloat32');
export const f64le = (values: readonly number[]) => littleEndian(values, 8, 'setFloat64');
export const i32le = (values: readonly number[]) => littleEndian(values, 4, 'setInt32');
export const u32le = (values: readonly number[]) => littleEndian(values, 4, 'setUint32');
export const u16le = (values: readonly number[]) => littleEndian(values, 2, 'setUint16');
export const i16le = (values: readonly number[]) => littleEndian(values, 2, 'setInt16');

/** 64-bit little-endian integers (as bigints, two's complement for negatives). */
export function i64le(values: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setBigUint64(i * 8, BigInt.asUintN(64, v), true);
  });
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A one-tensor header. */
export function oneTensorHeader(
  name: string,
  dtype: string,
  shape: number[],
  begin: number,
  end: number,
): string {
  return JSON.stringify({ [name]: { dtype, shape, data_offsets: [begin, end] } });
}
