import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType, TypedArray } from '../src/dtype.js';
import { ArgumentError, DTypeError } from '../src/errors.js';
import { bfloat16BitsToFloat32Bits, float16BitsToFloat32Bits } from '../src/io/half.js';
import {
  parseSafetensors,
  readSafetensorsHeader,
  serializeSafetensors,
  serializeSafetensorsAsync,
} from '../src/io/safetensors.js';
import { swapByteOrder } from '../src/io/tensor-bytes.js';
import type { NDArray } from '../src/ndarray.js';
import { arange, fromArray, fromTyped } from '../src/ops/creation.js';
import {
  buildFile,
  concatBytes,
  f32le,
  f64le,
  i16le,
  i32le,
  i64le,
  oneTensorHeader,
  padded,
  u16le,
  u32le,
} from './helpers/safetensors-files.js';

const SOURCE = 'model.safetensors';

const bytesOf = (a: TypedArray) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const numel = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

function disposeAll(tensors: Map<string, NDArray>): void {
  for (const t of tensors.values()) t.dispose();
}

/** Parses a one-tensor file and returns the tensor's values (disposing it). */
function parseOne(dtype: string, shape: number[], data: Uint8Array): { dtype: DType; values: number[] } {
  const { tensors } = parseSafetensors(
    buildFile(oneTensorHeader('t', dtype, shape, 0, data.length), data),
    SOURCE,
  );
  const t = tensors.get('t')!;
  expect(t.shape).toEqual(shape);
  const out = { dtype: t.dtype, values: Array.from(t.dataSync()) };
  t.dispose();
  return out;
}

describe('serializeSafetensors writes the reference layout byte for byte', () => {
  it('one F32 tensor whose header needs no padding (64 bytes)', () => {
    const x = fromTyped(Float32Array.of(0, 1, 2, 3, 4, 5), [1, 2, 3]);
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(64);
    expect(serializeSafetensors({ 'attn.0': x })).toEqual(buildFile(header, f32le([0, 1, 2, 3, 4, 5])));
  });

  it('pads the header with spaces to a multiple of 8 bytes', () => {
    const x = fromTyped(Float32Array.of(0, 1, 2, 3, 4, 5), [1, 1, 2, 3]);
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ';
    expect(header.length).toBe(72);
    expect(serializeSafetensors({ attn0: x })).toEqual(buildFile(header, f32le([0, 1, 2, 3, 4, 5])));
  });

  it('an empty file, with and without metadata', () => {
    expect(serializeSafetensors({})).toEqual(buildFile('{}      '));
    expect(serializeSafetensors(new Map(), { framework: 'pt' })).toEqual(
      buildFile('{"__metadata__":{"framework":"pt"}}     '),
    );
  });

  it('orders data F64, F32, I32, BOOL, then by name; metadata keys sorted and first', () => {
    const tensors = {
      b: fromArray([true, false, true]),
      a: fromTyped(Int32Array.of(-7, 2 ** 31 - 1), [2]),
      z: fromTyped(Float32Array.of(1.5), []),
      c: fromTyped(Float64Array.of(Math.PI), [1]),
      y: fromTyped(Float32Array.of(), [0, 3]),
    };
    const header = padded(
      '{"__metadata__":{"format":"pt","a key":"x\\"y"},' +
        '"c":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},' +
        '"y":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]},' +
        '"z":{"dtype":"F32","shape":[],"data_offsets":[8,12]},' +
        '"a":{"dtype":"I32","shape":[2],"data_offsets":[12,20]},' +
        '"b":{"dtype":"BOOL","shape":[3],"data_offsets":[20,23]}}',
    );
    const data = concatBytes(
      f64le([Math.PI]),
      f32le([1.5]),
      i32le([-7, 2 ** 31 - 1]),
      Uint8Array.of(1, 0, 1),
    );
    const out = serializeSafetensors(tensors, { format: 'pt', 'a key': 'x"y' });
    // 'a key' < 'format' by code point, so it comes first:
    const expected = buildFile(
      header.replace('"format":"pt","a key":"x\\"y"', '"a key":"x\\"y","format":"pt"'),
      data,
    );
    expect(new TextDecoder().decode(out.subarray(8, out.length - data.length))).toBe(
      new TextDecoder().decode(expected.subarray(8, expected.length - data.length)),
    );
    expect(out).toEqual(expected);
  });

  it('sorts names by code point (UTF-8 byte order), not by UTF-16 unit', () => {
    // U+FF5E (one UTF-16 unit 0xFF5E) sorts before U+1F600 (surrogates 0xD83D...) by code point.
    const names = ['\u{1F600}', '\uFF5E', 'a'];
    const out = serializeSafetensors(
      Object.fromEntries(names.map((n) => [n, fromTyped(Int32Array.of(1), [1])])),
    );
    expect(readSafetensorsHeader(out).tensors.map((t) => t.name)).toEqual(['a', '\uFF5E', '\u{1F600}']);
  });

  it('writes non-contiguous views in row-major order', () => {
    const x = arange(0, 6, 1, { dtype: 'float32' }).reshape([2, 3]);
    const views = {
      t: x.T,
      s: x.slice([0, 2, 1], [0, 3, 2]),
      e: fromTyped(Int32Array.of(4, 5), [2, 1]).expand([2, 3]),
    };
    const { tensors } = parseSafetensors(serializeSafetensors(views), SOURCE);
    expect(tensors.get('t')!.toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(tensors.get('s')!.toArray()).toEqual([
      [0, 2],
      [3, 5],
    ]);
    expect(tensors.get('e')!.toArray()).toEqual([
      [4, 4, 4],
      [5, 5, 5],
    ]);
    disposeAll(tensors);
  });

  it('the async variant writes the same bytes', async () => {
    const t = { w: fromTyped(Float64Array.of(1, -2, 3), [3]), m: fromArray([false, true]) };
    expect(await serializeSafetensorsAsync(t, { k: 'v' })).toEqual(serializeSafetensors(t, { k: 'v' }));
  });

  it('rejects what a file cannot hold, naming the problem', () => {
    const x = fromTyped(Float32Array.of(1), [1]);
    expect(() => serializeSafetensors({ __metadata__: x })).toThrow(/reserved/);
    expect(() => serializeSafetensors({ a: 3 as unknown as NDArray })).toThrow(/"a" is not an NDArray/);
    expect(() => serializeSafetensors({ a: x }, { k: 3 as unknown as string })).toThrow(
      /"k" is number, not a string/,
    );
    expect(() => serializeSafetensors({ '\uD800': x })).toThrow(/not valid Unicode/);
    const gone = fromTyped(Float32Array.of(1), [1]);
    gone.dispose();
    expect(() => serializeSafetensors({ gone })).toThrow(/disposed/);
  });
});

// ---- round trips ----

const WRITABLE: DType[] = ['float32', 'float64', 'int32', 'bool'];

function typedOf(dtype: DType, values: number[]): TypedArray {
  if (dtype === 'float32') return Float32Array.from(values);
  if (dtype === 'float64') return Float64Array.from(values);
  if (dtype === 'int32') return Int32Array.from(values);
  return Uint8Array.from(values);
}

const valueArb = (dtype: DType): fc.Arbitrary<number> =>
  dtype === 'float32'
    ? fc.float()
    : dtype === 'float64'
      ? fc.double()
      : dtype === 'int32'
        ? fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
        : fc.constantFrom(0, 1);

const arrayArb = fc
  .tuple(fc.constantFrom(...WRITABLE), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }))
  .chain(([dtype, shape]) =>
    fc
      .array(valueArb(dtype), { minLength: numel(shape), maxLength: numel(shape) })
      .map((values) => ({ dtype, shape, data: typedOf(dtype, values) })),
  );

const nameArb = fc.string({ unit: 'binary', maxLength: 10 }).filter((s) => s !== '__metadata__');

describe('round trip: parse(serialize(t, m)) gives t and m back', () => {
  it('property: every writable dtype, shapes of rank 0-4 incl. zero-size, bit-exact values, metadata', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(nameArb, arrayArb), { selector: ([name]) => name, maxLength: 6 }),
        fc.dictionary(
          fc.string({ unit: 'binary', maxLength: 8 }),
          fc.string({ unit: 'binary', maxLength: 8 }),
        ),
        (entries, metadata) => {
          const input = new Map(entries.map(([name, a]) => [name, fromTyped(a.data.slice(), a.shape)]));
          const file = serializeSafetensors(input, metadata);
          const header = readSafetensorsHeader(file, SOURCE);
          // Header padded to 8 bytes and data ordered by element size: every tensor is aligned.
          expect(header.dataStart % 8).toBe(0);
          for (const t of header.tensors) {
            const width = { F64: 8, F32: 4, I32: 4, BOOL: 1 }[t.dtype as 'F64'];
            expect((header.dataStart + t.dataOffsets[0]) % width).toBe(0);
          }
          const parsed = parseSafetensors(file, SOURCE);
          expect(parsed.metadata).toEqual(metadata);
          expect([...parsed.tensors.keys()].sort()).toEqual(entries.map(([n]) => n).sort());
          for (const [name, a] of entries) {
            const t = parsed.tensors.get(name)!;
            expect(t.dtype).toBe(a.dtype);
            expect(t.shape).toEqual(a.shape);
            expect(bytesOf(t.dataSync())).toEqual(bytesOf(a.data)); // bitwise: NaN, -0 kept
          }
          // Writing is deterministic: the parsed arrays serialize to the same bytes.
          expect(serializeSafetensors(parsed.tensors, parsed.metadata)).toEqual(file);
          disposeAll(parsed.tensors);
          disposeAll(input);
        },
      ),
      { numRuns: 150, seed: 20240611 },
    );
  });

  it('names that are Object.prototype keys survive', () => {
    const names = ['__proto__', 'constructor', 'hasOwnProperty', ''];
    const file = serializeSafetensors(
      new Map(names.map((n, i) => [n, fromTyped(Int32Array.of(i), [1])])),
      Object.fromEntries([['__proto__', 'p']]),
    );
    const { tensors, metadata } = parseSafetensors(file, SOURCE);
    expect([...tensors].map(([n, t]) => [n, t.item()])).toEqual([
      ['', 3],
      ['__proto__', 0],
      ['constructor', 1],
      ['hasOwnProperty', 2],
    ]);
    expect(Object.entries(metadata)).toEqual([['__proto__', 'p']]);
    disposeAll(tensors);
  });

  it('keeps NaN payloads of float32 and float64 bit for bit', () => {
    const f32 = new Float32Array(new Uint32Array([0x7fc00001, 0xffbfffff, 0x7f800001]).buffer);
    const f64 = new Float64Array(new BigUint64Array([0x7ff8000000000001n, 0xfff0000000000abcn]).buffer);
    const { tensors } = parseSafetensors(
      serializeSafetensors({ a: fromTyped(f32), b: fromTyped(f64) }),
      SOURCE,
    );
    expect(bytesOf(tensors.get('a')!.dataSync())).toEqual(bytesOf(f32));
    expect(bytesOf(tensors.get('b')!.dataSync())).toEqual(bytesOf(f64));
    disposeAll(tensors);
  });

  it('swapByteOrder reverses each element (the big-endian host path)', () => {
    const bytes = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    swapByteOrder(bytes, 4);
    expect([...bytes]).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
    swapByteOrder(bytes, 8);
    expect([...bytes]).toEqual([5, 6, 7, 8, 1, 2, 3, 4]);
  });
});

// ---- reading the other dtypes ----

/** Independent arithmetic reading of an IEEE binary16 bit pattern. */
function float16Reference(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (e - 15) * (1 + m / 1024);
}

function bfloat16Reference(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 7) & 0xff;
  const m = bits & 0x7f;
  if (e === 0) return sign * m * 2 ** -133;
  if (e === 255) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (e - 127) * (1 + m / 128);
}

describe('F16 and BF16 are widened to float32 exactly', () => {
  it('hand-computed F16 values', () => {
    const cases: [number, number][] = [
      [0x3c00, 1],
      [0xc000, -2],
      [0x7bff, 65504],
      [0x0001, 2 ** -24],
      [0x03ff, 1023 * 2 ** -24],
      [0x0400, 2 ** -14],
      [0x3555, 0.333251953125],
      [0x0000, 0],
      [0x8000, -0],
      [0x7c00, Number.POSITIVE_INFINITY],
      [0xfc00, Number.NEGATIVE_INFINITY],
      [0x7e00, Number.NaN],
    ];
    const { dtype, values } = parseOne('F16', [cases.length], u16le(cases.map(([b]) => b)));
    expect(dtype).toBe('float32');
    values.forEach((v, i) => {
      expect(Object.is(v, cases[i][1]), `0x${cases[i][0].toString(16)} -> ${v}`).toBe(true);
    });
  });

  it('hand-computed BF16 values', () => {
    const cases: [number, number][] = [
      [0x3f80, 1],
      [0xc000, -2],
      [0x4049, 3.140625],
      [0x0001, 2 ** -133],
      [0x8000, -0],
      [0x7f80, Number.POSITIVE_INFINITY],
      [0xff80, Number.NEGATIVE_INFINITY],
      [0x7fc0, Number.NaN],
    ];
    const { dtype, values } = parseOne('BF16', [2, 4], u16le(cases.map(([b]) => b)));
    expect(dtype).toBe('float32');
    values.forEach((v, i) => {
      expect(Object.is(v, cases[i][1]), `0x${cases[i][0].toString(16)} -> ${v}`).toBe(true);
    });
  });

  it('all 65536 bit patterns of each format match the arithmetic definition', () => {
    const all = Array.from({ length: 65536 }, (_, i) => i);
    for (const [format, reference] of [
      ['F16', float16Reference],
      ['BF16', bfloat16Reference],
    ] as const) {
      const { values } = parseOne(format, [65536], u16le(all));
      const wrong = all.filter((b) => !Object.is(values[b], reference(b)));
      expect(wrong.slice(0, 5), format).toEqual([]);
    }
  });

  it('keeps NaN payloads and signs in the float32 bits', () => {
    expect(float16BitsToFloat32Bits(0x7e01)).toBe(0x7fc02000);
    expect(float16BitsToFloat32Bits(0xfd00)).toBe(0xffa00000);
    expect(bfloat16BitsToFloat32Bits(0xffc1)).toBe(0xffc10000);
  });
});

describe('integer dtypes are read as int32', () => {
  it('I64, I16, I8, U64, U32, U16, U8 values in range', () => {
    expect(parseOne('I64', [4], i64le([0n, -1n, 2n ** 31n - 1n, -(2n ** 31n)])).values).toEqual([
      0,
      -1,
      2 ** 31 - 1,
      -(2 ** 31),
    ]);
    expect(parseOne('U64', [2], i64le([0n, 2n ** 31n - 1n])).values).toEqual([0, 2 ** 31 - 1]);
    expect(parseOne('U32', [2], u32le([7, 2 ** 31 - 1])).values).toEqual([7, 2 ** 31 - 1]);
    expect(parseOne('I16', [2], i16le([-32768, 32767])).values).toEqual([-32768, 32767]);
    expect(parseOne('U16', [2], u16le([0, 65535])).values).toEqual([0, 65535]);
    expect(parseOne('I8', [3], Uint8Array.of(0x80, 0x7f, 0xff)).values).toEqual([-128, 127, -1]);
    const u8 = parseOne('U8', [2], Uint8Array.of(0, 255));
    expect(u8).toEqual({ dtype: 'int32', values: [0, 255] });
  });

  it('throws naming the file, tensor, element and value when one does not fit', () => {
    const cases: [string, Uint8Array, RegExp][] = [
      ['I64', i64le([1n, 2n ** 31n]), /element 1 is 2147483648/],
      ['I64', i64le([-(2n ** 31n) - 1n]), /element 0 is -2147483649/],
      ['I64', i64le([-(2n ** 63n)]), /element 0 is -9223372036854775808/],
      ['U64', i64le([2n ** 64n - 1n]), /element 0 is 18446744073709551615/],
      ['U32', u32le([2 ** 32 - 1]), /element 0 is 4294967295/],
    ];
    for (const [dtype, data, message] of cases) {
      const file = buildFile(
        oneTensorHeader('ids', dtype, [data.length / 4 / (dtype === 'U32' ? 1 : 2)], 0, data.length),
        data,
      );
      expect(() => parseSafetensors(file, SOURCE)).toThrow(DTypeError);
      expect(() => parseSafetensors(file, SOURCE)).toThrow(message);
      expect(() => parseSafetensors(file, SOURCE)).toThrow(
        /model\.safetensors: tensor "ids" \(\w+\).*does not fit in int32/,
      );
    }
  });

  it('BOOL bytes read as 0/1, F64 as float64', () => {
    expect(parseOne('BOOL', [3], Uint8Array.of(0, 1, 2))).toEqual({ dtype: 'bool', values: [0, 1, 1] });
    expect(parseOne('F64', [], f64le([-0.1]))).toEqual({ dtype: 'float64', values: [-0.1] });
  });

  it('F8 dtypes are listed by the header reader but not materialised', () => {
    const file = buildFile(oneTensorHeader('q', 'F8_E4M3', [2], 0, 2), Uint8Array.of(1, 2));
    expect(readSafetensorsHeader(file, SOURCE).tensors[0]).toEqual({
      name: 'q',
      dtype: 'F8_E4M3',
      shape: [2],
      dataOffsets: [0, 2],
    });
    expect(() => parseSafetensors(file, SOURCE)).toThrow(
      /model\.safetensors: tensor "q": dtype F8_E4M3 cannot be read/,
    );
  });

  it('frees the arrays it made when a later tensor fails', async () => {
    const { memory } = await import('../src/engine.js');
    const header = JSON.stringify({
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'I64', shape: [1], data_offsets: [4, 12] },
    });
    const file = buildFile(header, concatBytes(f32le([1]), i64le([2n ** 40n])));
    const before = memory().arrays;
    expect(() => parseSafetensors(file, SOURCE)).toThrow(/int32/);
    expect(memory().arrays).toBe(before);
  });
});

describe('readSafetensorsHeader', () => {
  it('lists names, dtypes, shapes and offsets in file order without the data', () => {
    const file = serializeSafetensors(
      { w: fromTyped(new Float32Array(6), [2, 3]), n: fromTyped(Int32Array.of(5), []) },
      { format: 'pt' },
    );
    const full = readSafetensorsHeader(file, SOURCE);
    expect(full.metadata).toEqual({ format: 'pt' });
    expect(full.tensors).toEqual([
      { name: 'w', dtype: 'F32', shape: [2, 3], dataOffsets: [0, 24] },
      { name: 'n', dtype: 'I32', shape: [], dataOffsets: [24, 28] },
    ]);
    expect(full.dataByteLength).toBe(28);
    // Only the prefix and header are needed when the file size is given.
    expect(readSafetensorsHeader(file.slice(0, full.dataStart), SOURCE, file.length)).toEqual(full);
  });

  it('accepts tensors in any key order and a null __metadata__', () => {
    const header =
      '{"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"__metadata__":null,"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';
    const { tensors, metadata } = readSafetensorsHeader(buildFile(header, Uint8Array.of(1, 2)), SOURCE);
    expect(tensors.map((t) => t.name)).toEqual(['a', 'b']);
    expect(metadata).toEqual({});
  });
});

// ---- corrupt files ----

/** A valid file with three tensors, used as the base of the corruption cases. */
function validHeader(): Record<string, unknown> {
  return {
    __metadata__: { format: 'pt' },
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    b: { dtype: 'I32', shape: [1], data_offsets: [8, 12] },
    c: { dtype: 'BOOL', shape: [], data_offsets: [12, 13] },
  };
}
const VALID_DATA = concatBytes(f32le([1, 2]), i32le([3]), Uint8Array.of(1));

// biome-ignore lint/suspicious/noExplicitAny: the cases edit arbitrary JSON into the header
type HeaderJson = Record<string, any>;

function withHeader(edit: (h: HeaderJson) => void, data = VALID_DATA): Uint8Array {
  const h = validHeader() as HeaderJson;
  edit(h);
  return buildFile(JSON.stringify(h), data);
}

function setLength(file: Uint8Array, low: number, high: number): Uint8Array {
  const out = file.slice();
  const view = new DataView(out.buffer);
  view.setUint32(0, low, true);
  view.setUint32(4, high, true);
  return out;
}

describe('corrupt files throw errors that name the file and the problem', () => {
  const valid = withHeader(() => {});
  const cases: [string, Uint8Array, RegExp, (new (m: string) => Error)?][] = [
    ['fewer than 8 bytes', Uint8Array.of(1, 2, 3), /truncated.*8-byte header length/, ArgumentError],
    ['header length beyond the file', setLength(valid, valid.length, 0), /truncated: header length/],
    ['header length 2^53', setLength(valid, 0, 0x200000), /header length 9007199254740992 exceeds/],
    [
      'header length 2^64-1',
      setLength(valid, 0xffffffff, 0xffffffff),
      /header length 18446744073709551615 exceeds/,
    ],
    ['header length over 100 MB', setLength(valid, 100_000_001, 0), /exceeds the 100000000-byte limit/],
    ['data truncated', valid.slice(0, valid.length - 1), /tensor "c".*truncated or offset out of range/],
    ['invalid UTF-8', buildFile('{"\u00e9":1}').map((b) => (b === 0xc3 ? 0xff : b)), /not valid UTF-8/],
    ['invalid JSON', buildFile('{"a": {'), /header is not valid JSON/],
    ['JSON array', buildFile('[1, 2]      '), /header is not a JSON object/],
    ['JSON string', buildFile('"abc"'), /header is not a JSON object/],
    ['leading space', buildFile(' {}'), /not a JSON object/],
    ['trailing NUL padding', buildFile('{}\0\0\0\0\0\0'), /not valid JSON/],
    ['entry not an object', withHeader((h) => (h.a = [1])), /tensor "a": entry is an array/],
    ['missing dtype', withHeader((h) => delete h.a.dtype), /tensor "a": dtype is missing/, DTypeError],
    ['missing shape', withHeader((h) => delete h.a.shape), /tensor "a": invalid shape/],
    ['missing data_offsets', withHeader((h) => delete h.b.data_offsets), /tensor "b": invalid data_offsets/],
    [
      'unknown dtype',
      withHeader((h) => (h.a.dtype = 'F128')),
      /tensor "a": unknown dtype "F128"/,
      DTypeError,
    ],
    ['lowercase dtype', withHeader((h) => (h.a.dtype = 'f32')), /unknown dtype "f32"/],
    ['negative dim', withHeader((h) => (h.a.shape = [-2])), /invalid shape "\[-2\]"/],
    ['fractional dim', withHeader((h) => (h.a.shape = [1.5])), /invalid shape/],
    ['string dim', withHeader((h) => (h.a.shape = ['2'])), /invalid shape/],
    ['dim beyond 2^53', withHeader((h) => (h.a.shape = [2 ** 60])), /invalid shape/],
    ['shape overflow', withHeader((h) => (h.a.shape = [2 ** 40, 2 ** 40])), /overflows/],
    [
      'shape vs bytes',
      withHeader((h) => (h.a.shape = [3])),
      /dtype F32 and shape \[3\] need 12 bytes but data_offsets \[0, 8\] span 8/,
    ],
    ['dtype vs bytes', withHeader((h) => (h.a.dtype = 'F64')), /dtype F64 .* need 16 bytes/],
    ['begin > end', withHeader((h) => (h.a.data_offsets = [8, 0])), /invalid data_offsets/],
    ['negative offset', withHeader((h) => (h.a.data_offsets = [-8, 0])), /invalid data_offsets/],
    ['three offsets', withHeader((h) => (h.a.data_offsets = [0, 8, 9])), /invalid data_offsets/],
    [
      'overlap',
      withHeader((h) => (h.b.data_offsets = [4, 8]) && (h.b.dtype = 'I32')),
      /tensor "b".*overlap tensor "a", which ends at offset 8/,
    ],
    ['gap', withHeader((h) => delete h.b), /gap in the data buffer: bytes \[8, 12\)/],
    ['offset out of range', withHeader((h) => (h.c.data_offsets = [13, 14])), /tensor "c".*out of range/],
    ['trailing bytes', withHeader(() => {}, concatBytes(VALID_DATA, Uint8Array.of(0))), /1 trailing bytes/],
    ['metadata not an object', withHeader((h) => (h.__metadata__ = 'pt')), /__metadata__ is string "pt"/],
    [
      'metadata number value',
      withHeader((h) => (h.__metadata__ = { n: 3 })),
      /__metadata__ value for key "n" is number/,
    ],
    ['metadata nested value', withHeader((h) => (h.__metadata__ = { n: {} })), /key "n" is an object/],
  ];
  for (const [what, file, message, errorClass] of cases) {
    it(what, () => {
      expect(() => parseSafetensors(file, SOURCE)).toThrow(message);
      expect(() => parseSafetensors(file, SOURCE)).toThrow(/^model\.safetensors: /);
      if (errorClass) expect(() => parseSafetensors(file, SOURCE)).toThrow(errorClass);
    });
  }

  it('the unmodified base file parses', () => {
    const { tensors, metadata } = parseSafetensors(valid, SOURCE);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...tensors.values()].map((t) => t.toArray())).toEqual([[1, 2], [3], true]);
    disposeAll(tensors);
  });

  it('cuts a hostile tensor name short in the message', () => {
    const name = 'x'.repeat(10_000);
    expect(() =>
      parseSafetensors(buildFile(oneTensorHeader(name, 'F99', [1], 0, 4), f32le([1])), SOURCE),
    ).toThrow(/^.{0,300}$/s);
  });
});

// ---- fuzz ----

/** Seed files of several dtypes (hand-built and written by serializeSafetensors). */
const SEEDS: Uint8Array[] = [
  withHeader(() => {}),
  buildFile(
    padded(
      JSON.stringify({
        __metadata__: { format: 'pt', note: 'fuzz' },
        h: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] },
        g: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
        i: { dtype: 'I64', shape: [2], data_offsets: [12, 28] },
        z: { dtype: 'F32', shape: [0, 5], data_offsets: [28, 28] },
        u: { dtype: 'U8', shape: [], data_offsets: [28, 29] },
      }),
    ),
    concatBytes(
      u16le([0x3c00, 0x7c00, 0x0001, 0xfe00]),
      u16le([0x3f80, 0x7fc0]),
      i64le([-5n, 7n]),
      Uint8Array.of(9),
    ),
  ),
  serializeSafetensors(
    {
      w: fromTyped(Float64Array.of(1, 2, 3, 4), [2, 2]),
      s: fromTyped(Float32Array.of(5), []),
      m: fromArray([true, false]),
    },
    { k: 'v' },
  ),
];

const PROBLEM = /truncated|offset|dtype|shape|header|JSON|UTF-8|metadata|gap|overlap|trailing|int32|overflow/;

type Mutation = (file: Uint8Array) => Uint8Array;

const weirdValue = fc.oneof(
  fc.constantFrom(-1, 1.5, 1e300, 2 ** 53, 2 ** 64, null, true, 'F32', 'I64', 'X', [], [1], [1, 2, 3], {}),
  fc.integer({ min: -4, max: 64 }),
  fc.double(),
  fc.string({ maxLength: 4 }),
  fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 4 }),
);

/** Edits the parsed JSON header of a (valid) file and rebuilds the length prefix. */
const jsonEdit: fc.Arbitrary<Mutation> = fc
  .record({
    entry: fc.nat(),
    field: fc.constantFrom('dtype', 'shape', 'data_offsets', 'entry', 'metadata'),
    kind: fc.constantFrom('set', 'delete', 'element', 'shift', 'move'),
    index: fc.nat(),
    value: weirdValue,
    delta: fc.integer({ min: -9, max: 9 }),
  })
  .map((e) => (file: Uint8Array) => {
    const view = new DataView(file.buffer, file.byteOffset);
    const n = view.getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    const name = names[e.entry % names.length];
    const target = e.field === 'metadata' ? header : header[name];
    const key = e.field === 'metadata' ? '__metadata__' : e.field;
    if (e.field === 'entry') {
      if (e.kind === 'delete') delete header[name];
      else header[name] = e.value;
    } else if (e.kind === 'delete') delete target[key];
    else if (e.kind === 'set') target[key] = e.value;
    else if (e.kind === 'move' && Array.isArray(target[key])) {
      target[key] = target[key].map((x: number) => x + e.delta); // same span elsewhere: overlaps, gaps
    } else if (Array.isArray(target[key]) && target[key].length > 0) {
      const i = e.index % target[key].length;
      target[key][i] = e.kind === 'shift' ? target[key][i] + e.delta : e.value;
    } else if (target[key] && typeof target[key] === 'object') target[key].k = e.value;
    else target[key] = e.value;
    return buildFile(JSON.stringify(header), file.subarray(8 + n));
  });

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((k) => (f: Uint8Array) => f.slice(0, k % f.length)),
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
    .map((flips) => (f: Uint8Array) => {
      const out = f.slice();
      for (const [at, b] of flips) out[at % out.length] = b;
      return out;
    }),
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 })
    .map((flips) => (f: Uint8Array) => {
      const out = f.slice(); // flips in the length prefix and header only
      const n = new DataView(f.buffer, f.byteOffset).getUint32(0, true);
      for (const [at, x] of flips) out[at % (8 + n)] ^= x;
      return out;
    }),
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
    .map((flips) => (f: Uint8Array) => {
      const out = f.slice(); // flips in the data buffer only: usually still a valid file
      const start = 8 + new DataView(f.buffer, f.byteOffset).getUint32(0, true);
      if (out.length > start) for (const [at, b] of flips) out[start + (at % (out.length - start))] = b;
      return out;
    }),
  fc
    .tuple(
      fc.oneof(fc.nat({ max: 0xffffffff }), fc.nat({ max: 200 })),
      fc.constantFrom(0, 0, 1, 0x200000, 0xffffffff),
    )
    .map(
      ([low, high]) =>
        (f: Uint8Array) =>
          setLength(f, low, high),
    ),
  fc.uint8Array({ minLength: 1, maxLength: 16 }).map((extra) => (f: Uint8Array) => concatBytes(f, extra)),
  fc.string({ maxLength: 40 }).map((text) => (f: Uint8Array) => {
    const n = new DataView(f.buffer, f.byteOffset).getUint32(0, true);
    return buildFile(text, f.subarray(8 + n));
  }),
  jsonEdit,
  jsonEdit,
);

interface Outcomes {
  errors: number;
  parsed: number;
  kinds: Set<string>;
}

/** Phrases of the different validation errors, to see that the fuzz reaches each check. */
const ERROR_KINDS = [
  'truncated',
  'exceeds',
  'UTF-8',
  'not valid JSON',
  'not a JSON object',
  'entry is',
  'dtype is',
  'unknown dtype',
  'invalid shape',
  'invalid data_offsets',
  'bytes but data_offsets',
  'overlap',
  'gap',
  'out of range',
  'trailing',
  '__metadata__',
  'int32',
];

/** Either an Error naming the source and the problem, or a structurally valid result. */
function checkOutcome(file: Uint8Array, outcomes: Outcomes): void {
  let parsed: ReturnType<typeof parseSafetensors>;
  try {
    parsed = parseSafetensors(file, SOURCE);
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message.startsWith(`${SOURCE}: `), message).toBe(true);
    expect(message, message).toMatch(PROBLEM);
    expect(message.length).toBeLessThan(600);
    outcomes.errors++;
    for (const kind of ERROR_KINDS) if (message.includes(kind)) outcomes.kinds.add(kind);
    return;
  }
  outcomes.parsed++;
  const header = readSafetensorsHeader(file, SOURCE);
  expect([...parsed.tensors.keys()]).toEqual(header.tensors.map((t) => t.name));
  for (const v of Object.values(parsed.metadata)) expect(typeof v).toBe('string');
  for (const [i, t] of [...parsed.tensors.values()].entries()) {
    expect(t.shape).toEqual(header.tensors[i].shape);
    expect(t.shape.every((d) => Number.isInteger(d) && d >= 0)).toBe(true);
    expect(t.dataSync().length).toBe(numel(t.shape));
    if (t.dtype === 'bool') expect(t.dataSync().every((v) => v === 0 || v === 1)).toBe(true);
  }
  disposeAll(parsed.tensors);
}

describe('fuzz: corrupted files throw a named Error or parse to a valid result', () => {
  it('property: mutations of valid files (truncation, byte flips, lengths, JSON edits)', () => {
    const outcomes: Outcomes = { errors: 0, parsed: 0, kinds: new Set() };
    const started = performance.now();
    fc.assert(
      fc.property(
        fc.nat({ max: SEEDS.length - 1 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        (seed, mutations) => {
          let file = SEEDS[seed];
          for (const mutate of mutations) {
            // JSON edits need a parseable header; after a destructive mutation they are skipped.
            try {
              file = mutate(file);
            } catch {}
          }
          checkOutcome(file, outcomes);
        },
      ),
      { numRuns: 3000, seed: 7 },
    );
    // Both branches are exercised, and no case was slow.
    expect(outcomes.errors).toBeGreaterThan(2000);
    expect(outcomes.parsed).toBeGreaterThan(100);
    expect(ERROR_KINDS.filter((k) => !outcomes.kinds.has(k))).toEqual([]);
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it('parses a file lying at an odd offset inside a larger buffer (as a Node Buffer slice may)', () => {
    for (const seed of SEEDS) {
      const unaligned = concatBytes(Uint8Array.of(0xaa), seed, Uint8Array.of(0xbb)).subarray(
        1,
        seed.length + 1,
      );
      const a = parseSafetensors(seed, SOURCE);
      const b = parseSafetensors(unaligned, SOURCE);
      expect([...b.tensors].map(([n, t]) => [n, t.dtype, t.shape, Array.from(t.dataSync())])).toEqual(
        [...a.tensors].map(([n, t]) => [n, t.dtype, t.shape, Array.from(t.dataSync())]),
      );
      disposeAll(a.tensors);
      disposeAll(b.tensors);
    }
  });

  it('property: every prefix of a valid file is rejected as truncated', () => {
    for (const seed of SEEDS) {
      for (let k = 0; k < seed.length; k++) {
        expect(() => parseSafetensors(seed.subarray(0, k), SOURCE)).toThrow(
          /^model\.safetensors: .*(truncated|out of range)/,
        );
      }
    }
  });
});
