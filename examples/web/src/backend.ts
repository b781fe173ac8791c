/**
 * Picks the backend the page trains on: gpu.js on WebGPU when the browser has a hardware
 * adapter, else gpu.js on WebGL when it has a hardware renderer, otherwise typegrad's cpu
 * backend. `?backend=` overrides.
 */
import { getCpuOptions, setDefaultBackend } from '@typegrad/tensor';

export type BackendRequest = 'auto' | 'cpu' | 'webgpu' | 'webgl' | 'webasm';

export interface BackendChoice {
  /** The registered backend name the page made the default (`cpu`, `gpujs:webgpu`, ...). */
  name: string;
  /** What runs, for people: "gpu.js webgl2", "cpu: WebAssembly SIMD kernels, one thread". */
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

/** WebGPU adapters and WebGL renderers that draw on the CPU, where the cpu backend's WebAssembly is faster. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/i;

const REQUESTS: readonly BackendRequest[] = ['auto', 'cpu', 'webgpu', 'webgl', 'webasm'];

/** Reads `?backend=`; anything unknown is an error rather than a silent fallback. */
export function backendRequestFrom(search: string): BackendRequest {
  const value = new URLSearchParams(search).get('backend') ?? 'auto';
  if ((REQUESTS as readonly string[]).includes(value)) return value as BackendRequest;
  throw new Error(`?backend= must be ${REQUESTS.join(', ')}, got '${value}'`);
}

/** Registers (when needed) and selects the backend for `request`; rejects when a forced one cannot run. */
export async function chooseBackend(request: BackendRequest): Promise<BackendChoice> {
  if (request === 'cpu') return useCpu('asked for with ?backend=cpu');
  if (request === 'webgl') return useWebGL('asked for with ?backend=webgl');
  if (request === 'webgpu' || request === 'webasm')
    return useGpujs(request, `asked for with ?backend=${request}`);
  const adapter = await findWebGPUAdapter();
  if (adapter.name !== null && !SOFTWARE.test(adapter.name))
    return useGpujs('webgpu', `WebGPU adapter ${adapter.name}`);
  const noWebGPU = adapter.why ?? `the WebGPU adapter (${adapter.name}) renders in software`;
  const renderer = findWebGLRenderer();
  if (renderer === null) return useCpu(`${noWebGPU}, and there is no WebGL`);
  if (SOFTWARE.test(renderer))
    return useCpu(`${noWebGPU}, and WebGL renders in software (${renderer}), slower than the cpu backend`);
  // A hardware renderer can still lack what gpu.js needs (float render targets): then the cpu backend.
  return useWebGL(`${noWebGPU}; WebGL renders on hardware`).catch((err) =>
    useCpu(`${noWebGPU}, and ${errorText(err)}`),
  );
}

/** gpu.js on WebGL 2, else WebGL 1 (float textures through extensions); rejects when neither runs. */
async function useWebGL(reason: string): Promise<BackendChoice> {
  try {
    return await useGpujs('webgl2', reason);
  } catch (webgl2Error) {
    const why2 = errorText(webgl2Error);
    return useGpujs('webgl', `${reason}; webgl2 failed: ${why2}`).catch((webglError) => {
      throw new Error(`gpu.js runs on neither WebGL 2 (${why2}) nor WebGL 1 (${errorText(webglError)})`);
    });
  }
}

async function useGpujs(
  mode: 'webgpu' | 'webgl2' | 'webgl' | 'webasm',
  reason: string,
): Promise<BackendChoice> {
  // Loaded on demand: the gpu.js bundle is large and the cpu path never needs it.
  const { registerGpujsBackend } = await import('@typegrad/tensor/gpujs');
  const info = await registerGpujsBackend({ mode });
  setDefaultBackend(info.name);
  // For the GL modes `detail` is the renderer's name.
  const on = mode === 'webgl2' || mode === 'webgl' ? `; renderer ${info.detail}` : '';
  return { name: info.name, label: `gpu.js ${info.mode}`, reason: `${reason}${on}` };
}

function useCpu(reason: string): BackendChoice {
  setDefaultBackend('cpu');
  return { name: 'cpu', label: `cpu: ${describeCpuKernels()}`, reason };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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

/**
 * The WebGL renderer's name (unmasked where the browser allows), or null without WebGL. The
 * context is lost right away: browsers cap live WebGL contexts, and gpu.js makes its own.
 */
function findWebGLRenderer(): string | null {
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (!gl) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return renderer;
}
