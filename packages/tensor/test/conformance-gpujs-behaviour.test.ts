import * as T from '@typegrad/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { gpujsStats, MAX_EXACT_INT, registerGpujsBackend } from '../src/gpujs.js';

/** What the gpujs backend promises beyond matching values: errors, caching, async reads, moves. */
describe('gpujs backend behaviour', () => {
  let webasm = '';
  beforeAll(async () => {
    webasm = (await registerGpujsBackend({ mode: 'webasm' })).name;
  });

  it('refuses float64 with a message that says what to do', () => {
    expect(() => T.zeros([2], { dtype: 'float64', backend: webasm })).toThrow(/no float64.*cpu backend/);
    const x = T.ones([2], { backend: webasm });
    expect(() => T.cast(x, 'float64')).toThrow(T.DTypeError);
    x.dispose();
  });

  it('refuses int32 values it cannot hold exactly, on upload and on readback', () => {
    expect(() => T.fromArray([MAX_EXACT_INT + 2], { dtype: 'int32', backend: webasm })).toThrow(
      /beyond ±2\^24/,
    );
    const big = T.fromArray([MAX_EXACT_INT / 2], { dtype: 'int32', backend: webasm });
    const product = T.mul(big, 4);
    expect(() => product.dataSync()).toThrow(/beyond ±2\^24/);
    for (const x of [big, product]) x.dispose();
  });

  it('refuses arrays webasm cannot index exactly', () => {
    expect(() => T.fromTyped(new Float32Array(MAX_EXACT_INT), [MAX_EXACT_INT], webasm)).toThrow(
      /index exactly/,
    );
  });

  it('compiles a kernel once per op and shape signature', () => {
    const [a, b] = [T.ones([3, 5], { backend: webasm }), T.ones([5], { backend: webasm })];
    const compiled = () => gpujsStats(webasm).compiled;
    T.add(a, b).dispose();
    const first = compiled();
    T.add(a, b).dispose();
    expect(compiled()).toBe(first);
    T.add(b, b).dispose();
    expect(compiled()).toBe(first + 1);
    for (const x of [a, b]) x.dispose();
  });

  it('gives every call of a cached kernel its own result', async () => {
    for (const mode of ['webasm', 'cpu'] as const) {
      const { name } = await registerGpujsBackend({ mode });
      const [a, b] = [T.fromArray([1, 2], { backend: name }), T.fromArray([3, 4], { backend: name })];
      const [na, nb] = [T.neg(a), T.neg(b)];
      expect([Array.from(await na.data()), Array.from(await nb.data())]).toEqual([
        [-1, -2],
        [-3, -4],
      ]);
      for (const x of [a, b, na, nb]) x.dispose();
    }
  });

  it('runs its kernels on webasm, not on a quiet cpu fallback', () => {
    expect(gpujsStats(webasm).degraded).toBe(0);
  });

  it('moves arrays between backends explicitly', async () => {
    const x = T.fromArray([1.5, -2, 3], { backend: 'cpu' });
    const onDevice = x.to(webasm);
    expect(onDevice.backend).toBe(webasm);
    const back = await onDevice.toAsync('cpu');
    expect(Array.from(back.dataSync())).toEqual([1.5, -2, 3]);
    expect(() => T.add(x, onDevice)).toThrow(/different backends/);
    for (const y of [x, onDevice, back]) y.dispose();
  });

  it("'auto' picks a mode that works, says which and why, and registers 'gpujs'", async () => {
    const info = await registerGpujsBackend({ mode: 'auto' });
    expect(info.name).toBe('gpujs');
    expect(['webgpu', 'webgl2', 'webgl', 'headlessgl', 'webasm', 'cpu']).toContain(info.mode);
    expect(info.detail.length).toBeGreaterThan(0);
    const y = T.sum(T.ones([4], { backend: 'gpujs' }));
    expect(Array.from(await y.data())).toEqual([4]);
    y.dispose();
  });

  it("refuses headlessgl beside Dawn's OpenGL adapter instead of letting X end the process", async (ctx) => {
    const dawn = await registerGpujsBackend({ mode: 'webgpu' }).catch((err: Error) => err);
    if (dawn instanceof Error || !/Dawn opengl/.test(dawn.detail)) {
      ctx.skip();
      return;
    }
    await expect(registerGpujsBackend({ mode: 'headlessgl' })).rejects.toThrow(
      /cannot run in a process whose WebGPU runs on Dawn's OpenGL adapter/,
    );
  });

  it('says why WebGL cannot run in Node', async () => {
    await expect(registerGpujsBackend({ mode: 'webgl2' })).rejects.toThrow(
      /WebGL 2 is not available here.*'headlessgl'/,
    );
  });
});

describe('gpujs:webgpu reads asynchronously', async () => {
  const registered = await registerGpujsBackend({ mode: 'webgpu' }).catch((err: Error) => err);
  it.skipIf(registered instanceof Error)(
    'ops return at once; data() waits; dataSync() says to use data()',
    async () => {
      const name = (registered as { name: string }).name;
      expect(T.getBackend(name).canReadSync).toBe(false);
      const x = T.arange(6, undefined, 1, { backend: name, dtype: 'float32' }).reshape([2, 3]);
      const y = T.matmul(x, x.T); // submitted when x is on the device; nothing awaited here
      expect(() => y.dataSync()).toThrow(/use await x.data\(\)/);
      expect(Array.from(await y.data())).toEqual([5, 14, 14, 50]);
      const disposedEarly = T.exp(x);
      x.dispose(); // freeing an input before the kernel that reads it ran must not lose it
      expect(Array.from(await disposedEarly.data()).map((v) => Math.round(Math.log(v)))).toEqual([
        0, 1, 2, 3, 4, 5,
      ]);
      for (const z of [y, disposedEarly]) z.dispose();
    },
  );

  it.skipIf(registered instanceof Error)('an index out of range gives NaN, not a neighbour', async () => {
    // the op validates indices only where it can read them synchronously
    const name = (registered as { name: string }).name;
    const table = T.fromArray(
      [
        [1, 2],
        [3, 4],
      ],
      { backend: name },
    );
    const ids = T.fromArray([1, 2, -1], { dtype: 'int32', backend: name });
    const rows = T.gather(table, ids, 0);
    expect(Array.from(await rows.data())).toEqual([3, 4, Number.NaN, Number.NaN, Number.NaN, Number.NaN]);
    for (const z of [table, ids, rows]) z.dispose();
  });
});
