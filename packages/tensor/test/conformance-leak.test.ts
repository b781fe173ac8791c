import * as T from '@typegrad/tensor';
import { describe, expect, it } from 'vitest';
import { gpujsStats, liveDawnBuffers, registerGpujsBackend } from '../src/gpujs.js';

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

async function expectNoLeak(backend: string, countDevice: () => number): Promise<void> {
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

describe('200 training-like steps leak no device buffers', () => {
  it('gpujs:webasm', async () => {
    const { name } = await registerGpujsBackend({ mode: 'webasm' });
    await expectNoLeak(name, () => gpujsStats(name).liveStorages);
  });

  it('gpujs:webgpu (live Dawn buffers counted at the device)', async (ctx) => {
    const registered = await registerGpujsBackend({ mode: 'webgpu' }).catch((err: Error) => err);
    if (registered instanceof Error) {
      console.warn(`leak test on gpujs:webgpu skipped: ${registered.message}`);
      ctx.skip();
      return;
    }
    await expectNoLeak(registered.name, liveDawnBuffers);
    expect(liveDawnBuffers()).toBeGreaterThan(0); // the counter is live, not stuck at 0
  });
});
