import { describe, expect, it } from 'vitest';
import { gpujsStats, liveDawnBuffers, registerGpujsBackend } from '../src/gpujs.js';
import { expectNoLeak } from './conformance/leak.js';

// gpujs:headlessgl has its own leak test in conformance-gpujs-headlessgl.test.ts (its own process).
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
