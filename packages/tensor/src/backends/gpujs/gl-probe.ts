import { ArgumentError } from '../../errors.js';
import type { GpujsModule, KernelOutput } from './gpujs-api.js';
import { type GlMode, kernelClassMode } from './runtime.js';

export interface GlProbe {
  /** The renderer's name, as the context gives it. */
  renderer: string;
  /** false on a known software renderer, true on another named one, null when unnamed (headless-gl). */
  hardware: boolean | null;
}

/** Renderers that draw on the CPU: SwiftShader, Mesa's llvmpipe and softpipe, Windows' WARP. */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|microsoft basic render/i;

interface GlContext {
  readonly RENDERER: number;
  getParameter(name: number): unknown;
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
}

/**
 * Checks that gpu.js can run `mode` here: a tiny kernel must render float32 values into a
 * texture and read them back. Throws an ArgumentError that says what is missing.
 */
export function probeGl(GPU: GpujsModule['GPU'], mode: GlMode): GlProbe {
  const supported =
    mode === 'headlessgl'
      ? GPU.isHeadlessGLSupported
      : mode === 'webgl2'
        ? GPU.isWebGL2Supported
        : GPU.isWebGLSupported;
  if (!supported) throw new ArgumentError(`registerGpujsBackend: ${unsupportedReason(mode)}`);
  const gpu = new GPU({ mode });
  try {
    const kernel = gpu.createKernel('function(a) { return a[this.thread.x] * 2 + 1; }', {
      output: [4],
      pipeline: true,
      immutable: true,
      precision: 'single',
      tactic: 'precision',
    });
    const result = kernel(new Float32Array([0, 1, 2, 3])) as KernelOutput;
    const ran = kernel.kernel?.constructor.mode;
    if (ran !== kernelClassMode(mode)) {
      throw new ArgumentError(
        `registerGpujsBackend: gpu.js could not run a '${mode}' kernel here (it fell back to '${ran}': ${kernel.kernel?.fallbackReason ?? 'no reason given'})`,
      );
    }
    const values = result instanceof Float32Array ? result : (result.toArray() as Float32Array);
    if (Array.from(values).join() !== '1,3,5,7') {
      throw new ArgumentError(
        `registerGpujsBackend: a '${mode}' kernel computed [${Array.from(values).join(', ')}] instead of [1, 3, 5, 7] (no float32 render targets?)`,
      );
    }
    if (!(result instanceof Float32Array)) result.delete();
    return describeRenderer((kernel.kernel as { context?: GlContext } | undefined)?.context);
  } finally {
    void gpu.destroy();
  }
}

function describeRenderer(gl: GlContext | undefined): GlProbe {
  if (!gl) return { renderer: 'unknown renderer', hardware: null };
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  if (debug) {
    const renderer = String(gl.getParameter(debug.UNMASKED_RENDERER_WEBGL));
    return { renderer, hardware: !SOFTWARE_RENDERER.test(renderer) };
  }
  const renderer = String(gl.getParameter(gl.RENDERER));
  return { renderer, hardware: SOFTWARE_RENDERER.test(renderer) ? false : null };
}

function unsupportedReason(mode: GlMode): string {
  if (mode !== 'headlessgl') {
    return `${mode === 'webgl2' ? 'WebGL 2' : 'WebGL'} is not available here (gpu.js found no ${mode} context; in Node use 'headlessgl')`;
  }
  const env = typeof process !== 'undefined' ? process.env : undefined;
  if (!env) return "'headlessgl' runs in Node only; in a browser use 'webgl2' or 'webgl'";
  if (!env.DISPLAY) {
    return "'headlessgl' needs an X display and DISPLAY is unset: run under Xvfb, e.g. xvfb-run -a -s '-screen 0 640x480x24' <command>";
  }
  return "'headlessgl' needs the native addon of the npm package 'gl' (built from source: `pnpm rebuild gl` with npm_config_nodedir set and apt packages libxi-dev libxext-dev libx11-dev pkg-config), and a working X display";
}
