import * as T from '@typegrad/tensor';
import { describe, expect, it } from 'vitest';
import { gpujsStats, registerGpujsBackend } from '../src/gpujs.js';
import { describeGradientConformance } from './conformance/gradients.js';
import { countHeadlessGlTextures, expectNoLeak } from './conformance/leak.js';
import { describeConformance } from './conformance/suite.js';

/*
 * Everything on gpujs:headlessgl in one file, so one process: headless-gl cannot share a
 * process with Dawn's OpenGL adapter (which the other gpujs files use). It needs the `gl`
 * package's native addon (built from source: scripts/setup-headlessgl.sh) and an X display
 * (test/setup/xvfb.ts starts Xvfb when there is none); without them the file says why and
 * skips, as the issue makes this backend optional in CI.
 */

const liveTextures = countHeadlessGlTextures(); // before any GL context exists
const registered = await registerGpujsBackend({ mode: 'headlessgl' }).catch((err: Error) => err);

if (registered instanceof Error) {
  console.warn(`gpujs:headlessgl skipped: ${registered.message}`);
  describe.skip(`gpujs:headlessgl (skipped: ${registered.message})`, () => {
    it('needs headless-gl and an X display', () => {});
  });
} else {
  const name = registered.name;
  console.info(`gpujs:headlessgl runs on ${registered.detail}`);
  describeConformance(name);

  describe('gpujs:headlessgl behaviour', () => {
    it('reads synchronously and runs on GL, not on a quiet cpu fallback', () => {
      expect(T.getBackend(name).canReadSync).toBe(true);
      const x = T.tidy(() => T.arange(6, undefined, 1, { backend: name, dtype: 'float32' }).reshape([2, 3]));
      const y = T.matmul(x, x.T);
      expect(Array.from(y.dataSync())).toEqual([5, 14, 14, 50]);
      expect(gpujsStats(name).degraded).toBe(0);
      for (const t of [x, y]) t.dispose();
    });

    it('keeps uploaded arrays in textures and deletes them on dispose', () => {
      // gpu.js's upload kernel keeps its latest output texture (shared with that array) and
      // renders the next upload into a new one, so each upload adds a texture for its array
      const first = T.fromArray([1, 2, 3], { backend: name });
      const before = liveTextures();
      const second = T.fromArray([4, 5, 6], { backend: name });
      expect(liveTextures()).toBe(before + 1);
      first.dispose(); // no kernel holds its texture any more: deleted
      expect(liveTextures()).toBe(before);
      second.dispose(); // still the upload kernel's output until the next upload
      expect(liveTextures()).toBe(before);
    });

    it('200 training-like steps leak no GL textures (counted at the context)', async () => {
      await expectNoLeak(name, liveTextures);
      expect(liveTextures()).toBeGreaterThan(0); // the counter is live: each cached kernel holds its output
    });
  });

  // Last: its cases leave intermediate arrays to the FinalizationRegistry, whose frees during
  // the leak test would move the counts it compares.
  describeGradientConformance(name);
}
