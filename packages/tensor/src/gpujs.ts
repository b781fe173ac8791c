/**
 * @typegrad/tensor/gpujs: the `gpujs` backend, whose kernels are gpu.js kernel functions
 * (WebGPU compute shaders, WebGL fragment shaders, WebAssembly SIMD, or plain JavaScript). A
 * separate entry so that the core never imports gpu.js:
 * `import { registerGpujsBackend } from '@typegrad/tensor/gpujs'`.
 */

import { probeGl } from './backends/gpujs/gl-probe.js';
import { loadGpujs } from './backends/gpujs/gpujs-api.js';
import { gpujsBackendFactory } from './backends/gpujs/index.js';
import { currentDawnSetup, setupDawnForNode } from './backends/gpujs/node-dawn.js';
import { type GpujsMode, GpujsRuntime, isGlMode } from './backends/gpujs/runtime.js';
import { ArgumentError } from './errors.js';
import { registerBackend } from './kernels.js';

export {
  type DawnBackend,
  type DawnSetup,
  liveDawnBuffers,
  setupDawnForNode,
} from './backends/gpujs/node-dawn.js';
export { type GlMode, type GpujsMode, MAX_EXACT_INT } from './backends/gpujs/runtime.js';

export interface GpujsBackendOptions {
  /**
   * gpu.js mode; `auto` takes webgpu or WebGL on a hardware adapter, else webasm, else a
   * software GL, else cpu (see pickMode). Default `auto`.
   */
  mode?: GpujsMode | 'auto';
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
  if (requested === 'auto') {
    [mode, detail] = await pickMode(gpujs.GPU);
    console.info(`typegrad: gpujs backend 'auto' runs gpu.js mode '${mode}' (${detail})`);
  } else if (requested === 'webgpu') {
    detail = await requireWebGPU(gpujs.GPU);
    mode = 'webgpu';
  } else if (isGlMode(requested)) {
    if (requested === 'headlessgl') await refuseBesideDawnOpenGL();
    detail = probeGl(gpujs.GPU, requested).renderer;
    mode = requested;
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

/**
 * headless-gl (ANGLE over GLX) and Dawn's OpenGL adapter cannot share a process: whichever
 * comes second fails, and headless-gl after Dawn ends the process with an X error (BadAccess
 * in glXMakeCurrent). So headless-gl is refused beside Dawn on OpenGL, with the reason.
 */
async function refuseBesideDawnOpenGL(): Promise<void> {
  const dawn = await currentDawnSetup()?.catch(() => null);
  if (dawn?.backend === 'opengl') {
    throw new ArgumentError(
      "registerGpujsBackend: 'headlessgl' cannot run in a process whose WebGPU runs on Dawn's OpenGL adapter (both drive OpenGL on this display, and the process would die with an X error); use one of them per process",
    );
  }
}

/** Sets up WebGPU (Dawn in Node) and checks an adapter answers; returns its description. */
async function requireWebGPU(GPU: GpuClass): Promise<string> {
  try {
    return await findWebGPU(GPU);
  } catch (err) {
    const headless = [...runtimes.values()].some((rt) => rt.mode === 'headlessgl');
    if (!headless || !(err instanceof Error)) throw err;
    throw new ArgumentError(
      `${err.message} (note: 'headlessgl' already runs in this process, and Dawn's OpenGL adapter cannot share a process with it)`,
    );
  }
}

async function findWebGPU(GPU: GpuClass): Promise<string> {
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
 * webgpu on a hardware adapter, else WebGL on a hardware renderer, else webasm, else a
 * software GL, else cpu. Software adapters lose to webasm (256x256 matmul: ~29 ms for webgpu
 * on llvmpipe, ~28 ms for headlessgl, against ~15 ms, shared/notes/gpu-in-node.md). headless-gl
 * does not name its renderer, so in Node it is taken only after webasm.
 */
async function pickMode(GPU: GpuClass): Promise<[GpujsMode, string]> {
  const why: string[] = [];
  let softwareGl: [GpujsMode, string] | null = null;
  try {
    const adapter = await requireWebGPU(GPU);
    if (!SOFTWARE_ADAPTER.test(adapter) || !GPU.isWebAssemblySupported) return ['webgpu', adapter];
    why.push(`the WebGPU adapter renders in software (${adapter})`);
  } catch (err) {
    why.push(`webgpu unavailable: ${(err as Error).message}`);
  }
  for (const gl of ['webgl2', 'webgl', 'headlessgl'] as const) {
    try {
      if (gl === 'headlessgl') await refuseBesideDawnOpenGL();
      const probe = probeGl(GPU, gl);
      if (probe.hardware) return [gl, probe.renderer];
      softwareGl ??= [gl, probe.renderer];
      why.push(
        `${gl} renders ${probe.hardware === false ? 'in software' : 'on an unnamed renderer'} (${probe.renderer})`,
      );
      break;
    } catch {
      // not available here: the next GL mode, or none
    }
  }
  if (GPU.isWebAssemblySupported) return ['webasm', `${why.join('; ')}: WebAssembly is faster`];
  if (softwareGl) return softwareGl;
  return ['cpu', `${why.join('; ')}; WebAssembly unavailable`];
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
