/**
 * Picks the backend the page trains on: gpu.js on WebGPU when the browser has a hardware
 * adapter, otherwise typegrad's cpu backend. `?backend=` overrides.
 */
import { getCpuOptions, setDefaultBackend } from '@typegrad/tensor';

export type BackendRequest = 'auto' | 'cpu' | 'webgpu' | 'webasm';

export interface BackendChoice {
  /** The registered backend name the page made the default (`cpu`, `gpujs:webgpu`, ...). */
  name: string;
  /** What runs, for people: "gpu.js webgpu", "cpu: WebAssembly SIMD kernels, one thread". */
  label: string;
  /** Why this one. */
  reason: string;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
}
interface NavigatorGpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

/** A WebGPU adapter that renders in software, where the cpu backend's WebAssembly is faster. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|microsoft basic render/i;

/** Reads `?backend=`; anything unknown is an error rather than a silent fallback. */
export function backendRequestFrom(search: string): BackendRequest {
  const value = new URLSearchParams(search).get('backend') ?? 'auto';
  if (value === 'auto' || value === 'cpu' || value === 'webgpu' || value === 'webasm') return value;
  throw new Error(`?backend= must be auto, cpu, webgpu or webasm, got '${value}'`);
}

/** Registers (when needed) and selects the backend for `request`; rejects when a forced one cannot run. */
export async function chooseBackend(request: BackendRequest): Promise<BackendChoice> {
  if (request === 'cpu') return useCpu('asked for with ?backend=cpu');
  if (request === 'webgpu' || request === 'webasm')
    return useGpujs(request, `asked for with ?backend=${request}`);
  const adapter = await findWebGPUAdapter();
  if (adapter.name === null) return useCpu(adapter.why);
  if (SOFTWARE_ADAPTER.test(adapter.name))
    return useCpu(`the WebGPU adapter (${adapter.name}) renders in software, slower than the cpu backend`);
  // gpu.js's WebGL modes are not among typegrad's gpujs modes (webgpu, webasm, cpu): no WebGL step.
  return useGpujs('webgpu', `WebGPU adapter ${adapter.name}`);
}

async function useGpujs(mode: 'webgpu' | 'webasm', reason: string): Promise<BackendChoice> {
  // Loaded on demand: the gpu.js bundle is large and the cpu path never needs it.
  const { registerGpujsBackend } = await import('@typegrad/tensor/gpujs');
  const info = await registerGpujsBackend({ mode });
  setDefaultBackend(info.name);
  return { name: info.name, label: `gpu.js ${info.mode}`, reason };
}

function useCpu(reason: string): BackendChoice {
  setDefaultBackend('cpu');
  return { name: 'cpu', label: `cpu: ${describeCpuKernels()}`, reason };
}

/**
 * Which cpu kernels run. Their worker threads need shared memory, which browsers give only to
 * cross-origin isolated pages (COOP/COEP headers, see vite.config.ts); elsewhere the
 * WebAssembly kernels run on the page's thread alone.
 */
function describeCpuKernels(): string {
  const { fast, threads } = getCpuOptions();
  if (!fast) return 'reference TypeScript kernels (fast kernels switched off)';
  const workers = typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated === true;
  return `WebAssembly SIMD kernels, ${workers && threads > 1 ? `${threads} threads` : 'one thread'}`;
}

/** The WebGPU adapter's name, or null and why there is none. */
async function findWebGPUAdapter(): Promise<{ name: string; why?: undefined } | { name: null; why: string }> {
  const gpu = (navigator as Navigator & { gpu?: NavigatorGpuLike }).gpu;
  if (!gpu) return { name: null, why: 'this browser has no navigator.gpu' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { name: null, why: 'navigator.gpu gave no adapter' };
    const { vendor, architecture, description } = adapter.info ?? {};
    return { name: [vendor, architecture, description].filter(Boolean).join(' ') || 'of unknown kind' };
  } catch (err) {
    return { name: null, why: `navigator.gpu.requestAdapter() failed: ${String(err)}` };
  }
}
