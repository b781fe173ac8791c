import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as T from '@typegrad/tensor';
import { describe, expect, it } from 'vitest';
import {
  FunctionBuilder,
  forRange,
  get,
  i32,
  ModuleBuilder,
  set,
  ValType,
} from '../src/backends/cpu/wasm/emitter.js';
import { createWasmMemory } from '../src/backends/cpu/wasm/memory.js';
import { type KernelFunction, ThreadPool } from '../src/backends/cpu/wasm/pool.js';
import { runtime, scrambled, withCpuOptions } from './helpers/fast-kernels.js';

/** A pool over a module whose one chunk kernel writes `thread + 1` at params[chunk] after some work. */
function markingPool() {
  const memory = createWasmMemory(1, 256);
  const module = new ModuleBuilder({
    module: 'env',
    name: 'memory',
    minPages: 1,
    maxPages: memory.maxPages,
    shared: true,
  });
  const f = new FunctionBuilder('mark', [ValType.i32, ValType.i32, ValType.i32]);
  const [chunk, thread, params] = [0, 1, 2];
  const [j, acc] = [f.local(ValType.i32), f.local(ValType.i32)];
  f.setBody(
    // ~0.2 ms of work, so that both threads get to claim chunks
    forRange(j, i32.const(0), i32.const(200_000), i32.const(1), set(acc, i32.add(get(acc), get(j)))),
    i32.store(
      i32.add(get(params), i32.shl(get(chunk), i32.const(2))),
      i32.add(i32.add(get(thread), i32.const(1)), i32.and(get(acc), i32.const(0))),
    ),
  );
  module.addFunction(f);
  const compiled = new WebAssembly.Module(module.build() as Uint8Array<ArrayBuffer>);
  const instance = new WebAssembly.Instance(compiled, { env: { memory: memory.memory } });
  const local = [instance.exports.mark as KernelFunction];
  return {
    memory,
    pool: new ThreadPool({ module: compiled, memory: memory.memory, kernels: ['mark'], local }),
  };
}

describe('thread pool', () => {
  it('runs every chunk exactly once, on the calling thread and the worker', () => {
    const { memory, pool } = markingPool();
    pool.grow(1);
    expect(pool.size).toBe(1);
    const chunks = 200;
    const params = memory.alloc(chunks * 4);
    const seen = new Set<number>();
    for (let job = 0; job < 5; job++) {
      const marks = memory.i32(params, chunks);
      marks.fill(0);
      pool.run(0, chunks, params, 2);
      for (const m of marks) expect([1, 2]).toContain(m);
      for (const m of marks) seen.add(m);
    }
    // Over five jobs of 200 chunks the worker claims some (unless the machine starves it completely).
    expect(seen.has(1)).toBe(true);
    expect(seen.has(2)).toBe(true);
  });

  it('threads = 1 runs everything on the calling thread', () => {
    const { memory, pool } = markingPool();
    pool.grow(1);
    const params = memory.alloc(40 * 4);
    pool.run(0, 40, params, 1);
    expect([...memory.i32(params, 40)].every((m) => m === 1)).toBe(true);
  });
});

describe('threads in the fast kernels', () => {
  it('a 2-thread matmul shares its chunks with a worker', () => {
    const rt = runtime();
    const a = T.fromTyped(scrambled(256 * 256, 1), [256, 256]);
    const workerChunks = () =>
      rt
        .chunksRun()
        .slice(1)
        .reduce((s, c) => s + c, 0);
    const before = workerChunks();
    withCpuOptions({ threads: 2 }, () => {
      // A worker busy elsewhere may miss a job; over many jobs it takes some chunks.
      for (let i = 0; i < 50 && workerChunks() === before; i++) T.matmul(a, a).dispose();
    });
    a.dispose();
    expect(workerChunks()).toBeGreaterThan(before);
  });
});

describe('worker threads and process exit', () => {
  it('a process that used 2 threads exits by itself, and idle workers do not spin', () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const tensor = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const options = fileURLToPath(new URL('../src/backends/cpu/options.ts', import.meta.url));
    const script = `
      const T = await import(${JSON.stringify(tensor)});
      const { setCpuOptions } = await import(${JSON.stringify(options)});
      setCpuOptions({ threads: 2 });
      const a = T.randomNormal([256, 256], { seed: 1 });
      const c = T.matmul(a, a);
      if (!Number.isFinite(c.dataSync()[0])) throw new Error('bad result');
      // Block the main thread for 300 ms: any CPU time spent now is the idle worker's.
      const before = process.cpuUsage();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      const idle = process.cpuUsage(before);
      console.log(JSON.stringify({ idleCpuMs: (idle.user + idle.system) / 1000 }));
    `;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const seconds = (Date.now() - started) / 1000;
    expect(result.error, `${result.stderr}`).toBeUndefined();
    expect(result.signal, 'the child had to be killed: workers kept it alive').toBeNull();
    expect(result.status, result.stderr).toBe(0);
    const { idleCpuMs } = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}');
    expect(idleCpuMs).toBeLessThan(100);
    expect(seconds).toBeLessThan(60);
  });
});
