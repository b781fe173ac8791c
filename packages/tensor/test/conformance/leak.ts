import { createRequire } from 'node:module';
import * as T from '@typegrad/tensor';
import { expect } from 'vitest';
import { gpujsStats } from '../../src/gpujs.js';

/**
 * 200 training-like steps (matmul, softmax, a hand-written backward, an SGD update) must leave
 * the live device storages, and on webgpu the live Dawn GPU buffers, where they were after a
 * warm-up (which compiles the kernels and sizes their parameter and staging buffers).
 */
async function trainingSteps(backend: string, steps: number): Promise<T.NDArray> {
  let w = T.randomNormal([16, 12], { seed: 1, backend });
  const x = T.randomNormal([8, 16], { seed: 2, backend });
  const target = T.tidy(() => T.softmax(T.randomNormal([8, 12], { seed: 3, backend }), -1));
  for (let step = 0; step < steps; step++) {
    const next = T.tidy(() => {
      const p = T.softmax(T.matmul(x, w), -1);
      // gradient of cross entropy through softmax: (p - target) / rows
      const dLogits = T.div(T.sub(p, target), 8);
      const dw = T.matmul(x.T, dLogits);
      return T.sub(w, T.mul(dw, 0.5));
    });
    w.dispose();
    w = next;
    if (step % 50 === 49) await w.data(); // readback now and then, as a training loop logs a loss
  }
  x.dispose();
  target.dispose();
  return w;
}

/** Lets the frees that wait on submitted kernel calls run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

export async function expectNoLeak(backend: string, countDevice: () => number): Promise<void> {
  const warm = await trainingSteps(backend, 5); // warm-up: kernels compiled, buffers sized
  await warm.data();
  warm.dispose();
  await settle();
  const storages = T.memory().storages[backend] ?? 0;
  const device = countDevice();
  const w = await trainingSteps(backend, 200);
  const values = await w.data();
  w.dispose();
  await settle();
  expect(values.every(Number.isFinite)).toBe(true);
  expect(T.memory().storages[backend] ?? 0).toBe(storages);
  expect(gpujsStats(backend).liveStorages).toBe(storages);
  expect(countDevice()).toBe(device);
}

/**
 * Counts the textures alive in headless-gl contexts, by wrapping its context class (the `gl`
 * package that gpu.js loads) before any context exists; the returned function reads the count.
 */
export function countHeadlessGlTextures(): () => number {
  const requireFromGpujs = createRequire(createRequire(import.meta.url).resolve('gpu.js'));
  let gl: { WebGLRenderingContext: { prototype: Record<string, (...args: unknown[]) => unknown> } };
  try {
    gl = requireFromGpujs('gl');
  } catch {
    return () => 0; // not built here: the test skips when registering fails
  }
  const proto = gl.WebGLRenderingContext.prototype;
  const live = new Set<unknown>();
  const [create, remove] = [proto.createTexture, proto.deleteTexture];
  proto.createTexture = function (this: unknown, ...args: unknown[]) {
    const texture = create.apply(this, args);
    live.add(texture);
    return texture;
  };
  proto.deleteTexture = function (this: unknown, ...args: unknown[]) {
    live.delete(args[0]);
    return remove.apply(this, args);
  };
  return () => live.size;
}
