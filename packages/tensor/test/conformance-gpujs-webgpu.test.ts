import { describe, it } from 'vitest';
import { registerGpujsBackend } from '../src/gpujs.js';
import { describeConformance } from './conformance/suite.js';

// Dawn on this machine: Vulkan where a GPU driver answers, else OpenGL on Mesa llvmpipe.
const registered = await registerGpujsBackend({ mode: 'webgpu' }).catch((err: Error) => err);

if (registered instanceof Error) {
  console.warn(`conformance gpujs:webgpu skipped: ${registered.message}`);
  describe.skip(`conformance of 'gpujs:webgpu' (skipped: ${registered.message})`, () => {
    it('needs a WebGPU adapter', () => {});
  });
} else {
  console.info(`conformance gpujs:webgpu runs on ${registered.detail}`);
  describeConformance('gpujs:webgpu');
}
