import * as T from '@typegrad/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { wasmSoftmax, wasmUnary } from '../src/backends/cpu/wasm/elementwise.js';
import { wasmGelu } from '../src/backends/cpu/wasm/gelu.js';
import { wasmMatmul } from '../src/backends/cpu/wasm/matmul.js';
import { createFixedWasmMemory } from '../src/backends/cpu/wasm/memory.js';
import { wasmReduce } from '../src/backends/cpu/wasm/reduce.js';
import { createWasmRuntime } from '../src/backends/cpu/wasm/runtime.js';
import { expectClose, referenceValues, scrambled } from './helpers/fast-kernels.js';

/*
 * Engines without shared memory (a browser page that is not cross-origin isolated) still get the
 * WebAssembly kernels, on one thread over a fixed, non-shared memory. These tests build such a
 * runtime directly and run each kernel family on it with threads = 2 (which must stay on the
 * calling thread), against the reference kernels.
 */

const array = (shape: number[], seed: number) =>
  T.fromTyped(
    scrambled(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  );

describe('fast kernels over a non-shared memory', () => {
  const rt = createWasmRuntime(false);

  it('uses a fixed, non-shared memory and never starts workers', () => {
    expect(rt.config.shared).toBe(false);
    expect(rt.memory.memory.buffer instanceof SharedArrayBuffer).toBe(false);
    rt.ensureThreads(4);
    const a = array([96, 128], 1);
    const b = array([128, 80], 2);
    const before = rt.memory.memory.buffer;
    wasmMatmul(rt, a, b, 4);
    expect(rt.chunksRun()).toHaveLength(1); // the calling thread only
    expect(rt.memory.memory.buffer).toBe(before); // not grown, so never detached
  });

  it('matmul, exp, softmax, sum and gelu match the reference kernels', () => {
    const a = array([3, 70, 130], 3);
    const b = array([3, 130, 90], 4);
    const x = array([300, 64], 5);
    expectClose(
      wasmMatmul(rt, a, b, 2),
      referenceValues(() => T.matmul(a, b)),
      1e-4,
      'matmul',
    );
    expectClose(
      wasmUnary(rt, 'exp', x, 2) ?? [],
      referenceValues(() => T.exp(x)),
      1e-6,
      'exp',
    );
    expectClose(
      wasmSoftmax(rt, 'softmax', x, 2) ?? [],
      referenceValues(() => T.softmax(x, -1)),
      1e-6,
      'softmax',
    );
    expectClose(
      wasmReduce(rt, 'sum', x, [1], 2) ?? [],
      referenceValues(() => T.sum(x, 1)),
      1e-4,
      'sum',
    );
    expectClose(
      wasmGelu(rt, x, 'tanh', 2) ?? [],
      referenceValues(() => T.gelu(x, 'tanh')),
      1e-5,
      'gelu',
    );
  });

  it('a fixed memory refuses a request beyond its size with a RangeError (the caller then runs the reference)', () => {
    const memory = createFixedWasmMemory(8);
    expect(memory.maxPages).toBe(8);
    const buffer = memory.memory.buffer;
    expect(() => memory.alloc(9 * 65536)).toThrow(RangeError);
    memory.alloc(4 * 65536);
    expect(memory.memory.buffer).toBe(buffer);
  });
});

describe('the one-line notice when the engine has no shared memory', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('says once why the kernels run on one thread, and still returns a runtime', async () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    vi.resetModules();
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const fresh = await import('../src/backends/cpu/wasm/runtime.js');
    const { setCpuOptions } = await import('../src/backends/cpu/options.js');
    setCpuOptions({ threads: 2 });
    const rt = fresh.getWasmRuntime();
    expect(rt?.config.shared).toBe(false);
    fresh.getWasmRuntime();
    expect(info).toHaveBeenCalledTimes(1);
    expect(String(info.mock.calls[0][0])).toMatch(
      /^typegrad: no shared memory .*cross-origin isolation.*one thread$/,
    );
  });

  it('says that the plain TypeScript kernels run when the engine has no WebAssembly SIMD', async () => {
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    vi.resetModules();
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const { createCpuBackend } = await import('../src/backends/cpu/index.js');
    const { kernels } = await createCpuBackend();
    expect(info).toHaveBeenCalledTimes(1);
    expect(String(info.mock.calls[0][0])).toMatch(/^typegrad: this engine has no WebAssembly SIMD/);
    expect(kernels.gelu).toBeUndefined(); // a fused kernel only the fast table has
  });
});
