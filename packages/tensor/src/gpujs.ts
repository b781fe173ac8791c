/**
 * @typegrad/tensor/gpujs: the `gpujs` backend, whose kernels are gpu.js kernel functions
 * (WebGPU compute shaders, WebAssembly SIMD, or plain JavaScript). A separate entry so that
 * the core never imports gpu.js: `import { registerGpujsBackend } from '@typegrad/tensor/gpujs'`.
 */

import { loadGpujs } from './backends/gpujs/gpujs-api.js';
import { gpujsBackendFactory } from './backends/gpujs/index.js';
import { currentDawnSetup, setupDawnForNode } from './backends/gpujs/node-dawn.js';
import { type GpujsMode, GpujsRuntime } from './backends/gpujs/runtime.js';
import { ArgumentError } from './errors.js';
import { registerBackend } from './kernels.js';

export {
  type DawnBackend,
  type DawnSetup,
  liveDawnBuffers,
  setupDawnForNode,
} from './backends/gpujs/node-dawn.js';
export { type GpujsMode, MAX_EXACT_INT } from './backends/gpujs/runtime.js';

export interface GpujsBackendOptions {
  /** gpu.js mode; `auto` tries webgpu, then webasm, then cpu. Default `auto`. */
  mode?: GpujsMode | 'headlessgl' | 'auto';
  /** Backend name; default `gpujs:<mode>`, or `gpujs` for `auto`. */
  name?: string;
}

export interface GpujsBackendInfo {
  /** The name the backend is registered under (use it as `backend:` or with setDefaultBackend). */
  name: string;
  /** The gpu.js mode its kernels run in. */
  mode: GpujsMode;
  /** Why this mode (for `auto`), or the adapter it runs on (webgpu). */
  detail: string;
}

const runtimes = new Map<string, GpujsRuntime>();

/**
 * Registers a gpujs backend. Async because finding out whether WebGPU works needs an adapter
 * request; in Node, webgpu mode sets up Dawn first (see setupDawnForNode). Rejects with a
 * clear message when the requested mode cannot run here.
 */
export async function registerGpujsBackend(options: GpujsBackendOptions = {}): Promise<GpujsBackendInfo> {
  const requested = options.mode ?? 'auto';
  const gpujs = await loadGpujs();
  let mode: GpujsMode;
  let detail: string;
  if (requested === 'headlessgl') {
    throw new ArgumentError(
      "registerGpujsBackend: mode 'headlessgl' is not supported by typegrad's gpujs backend (its kernels are tested on webgpu, webasm and cpu); use one of those",
    );
  } else if (requested === 'auto') {
    [mode, detail] = await pickMode(gpujs.GPU);
    console.info(`typegrad: gpujs backend 'auto' runs gpu.js mode '${mode}' (${detail})`);
  } else if (requested === 'webgpu') {
    detail = await requireWebGPU(gpujs.GPU);
    mode = 'webgpu';
  } else if (requested === 'webasm' || requested === 'cpu') {
    if (requested === 'webasm' && !gpujs.GPU.isWebAssemblySupported) {
      throw new ArgumentError('registerGpujsBackend: WebAssembly (with SIMD) is not supported here');
    }
    mode = requested;
    detail = requested === 'webasm' ? 'WebAssembly SIMD' : 'JavaScript';
  } else {
    throw new ArgumentError(`registerGpujsBackend: unknown mode '${String(requested)}'`);
  }
  const name = options.name ?? (requested === 'auto' ? 'gpujs' : `gpujs:${mode}`);
  runtimes.get(name)?.clearKernels();
  const runtime = new GpujsRuntime(name, mode, new gpujs.GPU({ mode }));
  runtimes.set(name, runtime);
  registerBackend(name, gpujsBackendFactory(runtime));
  return { name, mode, detail };
}

type GpuClass = Awaited<ReturnType<typeof loadGpujs>>['GPU'];

/** Sets up WebGPU (Dawn in Node) and checks an adapter answers; returns its description. */
async function requireWebGPU(GPU: GpuClass): Promise<string> {
  let description = 'navigator.gpu';
  const hasNavigatorGpu = typeof navigator !== 'undefined' && (navigator as { gpu?: unknown }).gpu;
  const inNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
  const dawnSetup = currentDawnSetup() ?? (!hasNavigatorGpu && inNode ? setupDawnForNode() : null);
  if (dawnSetup) {
    const dawn = await dawnSetup;
    description = `Dawn ${dawn.backend} (${dawn.featureLevel}): ${dawn.description}`;
  }
  if (!(await GPU.isWebGPUAvailable?.())) {
    throw new ArgumentError(
      'registerGpujsBackend: WebGPU has no adapter here (navigator.gpu.requestAdapter() gave none)',
    );
  }
  return description;
}

/** A WebGPU adapter that renders in software (Dawn's OpenGL fallback runs on Mesa llvmpipe here). */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|Dawn opengl/i;

/**
 * webgpu on a hardware adapter, else webasm, else cpu. A software WebGPU adapter loses to
 * webasm (256x256 matmul: ~29 ms on llvmpipe against ~15 ms, shared/notes/gpu-in-node.md).
 */
async function pickMode(GPU: GpuClass): Promise<[GpujsMode, string]> {
  let why: string;
  try {
    const adapter = await requireWebGPU(GPU);
    if (!SOFTWARE_ADAPTER.test(adapter) || !GPU.isWebAssemblySupported) return ['webgpu', adapter];
    why = `the WebGPU adapter renders in software (${adapter}), where WebAssembly is faster`;
  } catch (err) {
    why = `webgpu unavailable: ${(err as Error).message}`;
  }
  if (GPU.isWebAssemblySupported) return ['webasm', why];
  return ['cpu', `${why}; WebAssembly unavailable`];
}

/** Counters of a registered gpujs backend: kernels compiled and cached, calls, live storages. */
export function gpujsStats(name: string): {
  mode: GpujsMode;
  compiled: number;
  cachedKernels: number;
  calls: number;
  uploads: number;
  degraded: number;
  liveStorages: number;
} {
  const rt = runtimes.get(name);
  if (!rt) throw new ArgumentError(`gpujsStats: no gpujs backend named '${name}'`);
  return { mode: rt.mode, ...rt.stats, cachedKernels: rt.kernelCount, liveStorages: rt.liveStorages };
}
