/**
 * WebGPU in Node through Dawn (npm `webgpu`), set up as verified in shared/notes/gpu-in-node.md:
 * Dawn's default adapter (Vulkan on an NVIDIA machine) when there is one, else its OpenGL
 * adapter, which exists only at feature level 'compatibility' (Mesa llvmpipe on a machine
 * without a GPU). gpu.js asks `navigator.gpu` for an adapter without a feature level, so a
 * shim forwards its requests with the one that works.
 */

export type DawnBackend = 'auto' | 'default' | 'opengl';

export interface DawnSetup {
  /** Which Dawn adapter answered. */
  backend: 'default' | 'opengl';
  featureLevel: 'core' | 'compatibility';
  /** The adapter's description (driver and device), for logs. */
  description: string;
}

interface DawnGpu {
  requestAdapter(options?: Record<string, unknown>): Promise<DawnAdapter | null>;
  wgslLanguageFeatures?: unknown;
}
interface DawnAdapter {
  info?: { description?: string; vendor?: string; architecture?: string };
}
interface WebgpuModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

let setup: Promise<DawnSetup> | null = null;
const liveBuffers = { count: 0 };

/**
 * Installs `navigator.gpu` backed by Dawn, once per process. `auto` (the default, or
 * TYPEGRAD_DAWN_BACKEND) tries Dawn's default adapter, then OpenGL. Resolves to the adapter it
 * found; rejects with a clear message when none can be created.
 */
export function setupDawnForNode(options: { backend?: DawnBackend } = {}): Promise<DawnSetup> {
  setup ??= createSetup(options.backend ?? backendFromEnv());
  setup.catch(() => {
    setup = null; // a later call may try again (e.g. with another backend)
  });
  return setup;
}

/** The setup made by setupDawnForNode, if one was made (or is under way). */
export function currentDawnSetup(): Promise<DawnSetup> | null {
  return setup;
}

/** `TYPEGRAD_DAWN_BACKEND=default|opengl|auto` picks the adapter without code changes. */
function backendFromEnv(): DawnBackend {
  const value = process.env.TYPEGRAD_DAWN_BACKEND;
  if (value === undefined || value === '') return 'auto';
  if (value === 'auto' || value === 'default' || value === 'opengl') return value;
  throw new Error(`setupDawnForNode: TYPEGRAD_DAWN_BACKEND must be auto, default or opengl, got '${value}'`);
}

async function createSetup(choice: DawnBackend): Promise<DawnSetup> {
  // EGL picks no platform without a display unless told; Dawn's GL adapter needs one.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  let webgpu: WebgpuModule;
  try {
    // A specifier in a variable: bundlers (Vite, webpack, esbuild) then leave Dawn, a Node-only
    // native addon, out of browser bundles instead of packing its loader.
    const dawnPackage = 'webgpu';
    webgpu = (await import(
      /* @vite-ignore */ /* webpackIgnore: true */ dawnPackage
    )) as unknown as WebgpuModule;
  } catch (err) {
    throw new Error(`setupDawnForNode: cannot load the 'webgpu' package (npm webgpu@0.6.2): ${String(err)}`);
  }
  Object.assign(globalThis, webgpu.globals);
  countBuffers(webgpu.globals);
  const attempts: {
    backend: 'default' | 'opengl';
    flags: string[];
    featureLevel: 'core' | 'compatibility';
  }[] = [];
  if (choice !== 'opengl') attempts.push({ backend: 'default', flags: [], featureLevel: 'core' });
  if (choice !== 'default')
    attempts.push({ backend: 'opengl', flags: ['backend=opengl'], featureLevel: 'compatibility' });
  for (const attempt of attempts) {
    const dawn = webgpu.create(attempt.flags);
    const adapter = await dawn.requestAdapter({ featureLevel: attempt.featureLevel });
    if (!adapter) continue;
    const featureLevel = attempt.featureLevel;
    const gpu = {
      requestAdapter: (o: Record<string, unknown> = {}) => dawn.requestAdapter({ ...o, featureLevel }),
      getPreferredCanvasFormat: () => 'rgba8unorm',
      wgslLanguageFeatures: dawn.wgslLanguageFeatures,
    };
    Object.defineProperty(globalThis, 'navigator', {
      value: { ...(globalThis as { navigator?: object }).navigator, gpu },
      configurable: true,
      writable: true,
    });
    const info = adapter.info ?? {};
    return {
      backend: attempt.backend,
      featureLevel,
      description:
        [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter',
    };
  }
  throw new Error(
    `setupDawnForNode: Dawn found no WebGPU adapter (tried ${attempts.map((a) => a.backend).join(', ')}); on Linux without a GPU the OpenGL adapter needs Mesa (libegl-mesa0, libgl1-mesa-dri)`,
  );
}

/** Counts GPU buffers created and not destroyed, process-wide (what leak tests assert on). */
function countBuffers(globals: Record<string, unknown>): void {
  const device = (globals.GPUDevice as { prototype?: Record<string | symbol, unknown> } | undefined)
    ?.prototype;
  const buffer = (globals.GPUBuffer as { prototype?: Record<string | symbol, unknown> } | undefined)
    ?.prototype;
  const mark = Symbol.for('typegrad.countBuffers');
  if (!device || !buffer || device[mark]) return;
  device[mark] = true;
  const createBuffer = device.createBuffer as (...args: unknown[]) => object;
  const destroy = buffer.destroy as (...args: unknown[]) => unknown;
  const destroyed = new WeakSet<object>();
  device.createBuffer = function (this: unknown, ...args: unknown[]) {
    const made = createBuffer.apply(this, args);
    liveBuffers.count++;
    return made;
  };
  buffer.destroy = function (this: object, ...args: unknown[]) {
    if (!destroyed.has(this)) {
      destroyed.add(this);
      liveBuffers.count--;
    }
    return destroy.apply(this, args);
  };
}

/** GPU buffers created through Dawn and not yet destroyed (0 before setupDawnForNode). */
export function liveDawnBuffers(): number {
  return liveBuffers.count;
}
