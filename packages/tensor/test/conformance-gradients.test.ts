import { registerGpujsBackend } from '../src/gpujs.js';
import { describeGradientConformance } from './conformance/gradients.js';

// headless-gl runs in its own file (gpujs-headlessgl.test.ts): it cannot share a process with
// Dawn's OpenGL adapter.
const backends: string[] = [
  (await registerGpujsBackend({ mode: 'webasm' })).name,
  (await registerGpujsBackend({ mode: 'cpu' })).name,
];
const webgpu = await registerGpujsBackend({ mode: 'webgpu' }).catch((err: Error) => err);
if (webgpu instanceof Error) console.warn(`gradients on gpujs:webgpu skipped: ${webgpu.message}`);
else backends.push(webgpu.name);

for (const backend of backends) describeGradientConformance(backend);
