import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FunctionBuilder,
  f32x4,
  forRange,
  get,
  i32,
  ModuleBuilder,
  set,
  sleb,
  uleb,
  ValType,
  v128,
} from '../src/backends/cpu/wasm/emitter.js';
import { hasRelaxedSimd, hasSharedMemory, hasWasmSimd } from '../src/backends/cpu/wasm/features.js';
import { createWasmMemory } from '../src/backends/cpu/wasm/memory.js';
import { assertProperty } from './helpers/arbitraries.js';

/** Decodes unsigned LEB128 (the inverse the property checks against). */
function readUleb(bytes: number[]): number {
  let value = 0;
  let scale = 1;
  for (const byte of bytes) {
    value += (byte & 0x7f) * scale;
    scale *= 128;
  }
  return value;
}

/** Decodes signed LEB128. */
function readSleb(bytes: number[]): number {
  const unsigned = readUleb(bytes);
  const bits = 7 * bytes.length;
  return bytes[bytes.length - 1] & 0x40 ? unsigned - 2 ** bits : unsigned;
}

describe('LEB128', () => {
  it('encodes the examples of the WebAssembly spec and DWARF', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(0)).toEqual([0]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it('property: decoding the encoding gives the number back; only the last byte lacks the continuation bit', () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        (u, s) => {
          for (const bytes of [uleb(u), sleb(s)]) {
            expect(bytes.slice(0, -1).every((b) => b & 0x80)).toBe(true);
            expect(bytes[bytes.length - 1] & 0x80).toBe(0);
          }
          expect(readUleb(uleb(u))).toBe(u);
          expect(readSleb(sleb(s))).toBe(s);
        },
      ),
      300,
    );
  });

  it('rejects what it cannot encode', () => {
    expect(() => uleb(-1)).toThrow(RangeError);
    expect(() => uleb(1.5)).toThrow(RangeError);
    expect(() => sleb(0.5)).toThrow(RangeError);
  });
});

describe('module emitter', () => {
  function sumModule(): Uint8Array {
    const module = new ModuleBuilder({
      module: 'env',
      name: 'memory',
      minPages: 1,
      maxPages: 4,
      shared: true,
    });
    // sum4(ptr, n): sums n floats (n a multiple of 4) with f32x4 lanes, returns the lane total.
    const f = new FunctionBuilder('sum4', [ValType.i32, ValType.i32], [ValType.f32]);
    const [ptr, n] = [0, 1];
    const [p, end, acc] = [f.local(ValType.i32), f.local(ValType.i32), f.local(ValType.v128)];
    f.setBody(
      set(end, i32.add(get(ptr), i32.mul(get(n), i32.const(4)))),
      forRange(p, get(ptr), get(end), i32.const(16), set(acc, f32x4.add(get(acc), v128.load(get(p))))),
      [0, 1, 2, 3].map((lane) => f32x4.extractLane(get(acc), lane)).reduce((x, y) => [x, y, 0x92]), // f32.add
    );
    module.addFunction(f);
    return module.build();
  }

  it('emits a module that validates and computes (v128 loads, loops, lanes)', () => {
    const bytes = sumModule() as Uint8Array<ArrayBuffer>;
    expect(WebAssembly.validate(bytes)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    const { sum4 } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as {
      sum4: (ptr: number, n: number) => number;
    };
    new Float32Array(memory.buffer, 64, 8).set([1, 2, 3, 4, 5, 6, 7, 8.5]);
    expect(sum4(64, 8)).toBe(36.5);
    expect(sum4(64, 0)).toBe(0);
  });

  it('a module with a type error does not validate (the emitter does not hide mistakes)', () => {
    const module = new ModuleBuilder({
      module: 'env',
      name: 'memory',
      minPages: 1,
      maxPages: 1,
      shared: false,
    });
    const f = new FunctionBuilder('bad', [], [ValType.i32]);
    f.setBody(f32x4.splat(i32.const(1))); // splat wants an f32 and the result is a v128
    module.addFunction(f);
    expect(WebAssembly.validate(module.build() as Uint8Array<ArrayBuffer>)).toBe(false);
  });

  it('detects SIMD, relaxed SIMD and shared memory as booleans (Node 20 has SIMD)', () => {
    expect(hasWasmSimd()).toBe(true);
    expect(hasSharedMemory()).toBe(true);
    expect(typeof hasRelaxedSimd()).toBe('boolean');
  });
});

describe('shared memory allocator', () => {
  it('reuses freed blocks, coalesces neighbours, and keeps allocations 64-byte aligned', () => {
    const memory = createWasmMemory(1, 64);
    const a = memory.alloc(100);
    const b = memory.alloc(1000);
    const c = memory.alloc(10);
    for (const address of [a, b, c]) expect(address % 64).toBe(0);
    expect(new Set([a, b, c]).size).toBe(3);
    memory.free(b);
    expect(memory.alloc(500)).toBe(b); // first fit in the hole
    memory.free(b);
    memory.free(a);
    expect(memory.alloc(1100)).toBe(a); // a and b merged
    memory.free(a);
    memory.free(c);
    expect(memory.allocatedBytes()).toBe(0);
    expect(memory.alloc(10)).toBe(a); // everything returned to the top
    expect(() => memory.free(12345)).toThrow(RangeError);
  });

  it('grows without detaching: a view made before growth still reads and writes the memory', () => {
    const memory = createWasmMemory(1, 64);
    const first = memory.alloc(1024);
    const before = memory.f32(first, 256);
    before[3] = 42;
    const bufferBefore = memory.memory.buffer;
    const big = memory.alloc(3 * 65536); // forces growth
    expect(memory.memory.buffer.byteLength).toBeGreaterThan(bufferBefore.byteLength);
    expect(bufferBefore.byteLength).toBeGreaterThan(0); // not detached
    expect(memory.f32(first, 256)[3]).toBe(42);
    memory.f32(first, 256)[4] = 7;
    expect(before[4]).toBe(7);
    memory.f32(big, 3 * 16384).fill(1);
    expect(() => memory.alloc(64 * 65536)).toThrow(RangeError); // past the maximum
  });
});
