/**
 * Exact widening of 16-bit floats to float32, done on bit patterns so that subnormals,
 * infinities, signed zeros and NaN payloads come through unchanged. Every float16 and
 * bfloat16 value is exactly representable in float32, so no rounding is involved.
 */

/** The float32 bit pattern of an IEEE binary16 value given by its 16 bits. */
export function float16BitsToFloat32Bits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0; // inf, NaN (payload kept)
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0; // rebias 15 -> 127
  if (mantissa === 0) return sign >>> 0;
  // Subnormal (mantissa * 2^-24): shift the leading one into the implicit bit, lowering the exponent.
  let e = 113;
  let m = mantissa;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/** The float32 bit pattern of a bfloat16 value: bfloat16 is the top half of a float32. */
export function bfloat16BitsToFloat32Bits(bits: number): number {
  return (bits << 16) >>> 0;
}

let float16Table: Uint32Array | undefined;

/** float32 bits of all 65536 float16 patterns (256 KiB, built on first use): a lookup beats the branches. */
function float16ToFloat32Table(): Uint32Array {
  if (!float16Table) {
    float16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) float16Table[h] = float16BitsToFloat32Bits(h);
  }
  return float16Table;
}

/** Widens little-endian 16-bit floats (`bytes`, 2 per element) to a new Float32Array. */
export function decodeHalfFloats(bytes: Uint8Array, format: 'F16' | 'BF16'): Float32Array {
  const count = bytes.length >> 1;
  const out = new Float32Array(count);
  const outBits = new Uint32Array(out.buffer); // same host byte order as `out`
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === 'BF16') {
    for (let i = 0; i < count; i++) outBits[i] = view.getUint16(2 * i, true) << 16;
  } else {
    const table = float16ToFloat32Table();
    for (let i = 0; i < count; i++) outBits[i] = table[view.getUint16(2 * i, true)];
  }
  return out;
}
