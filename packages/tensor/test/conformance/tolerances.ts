/**
 * How close each backend must come to the cpu reference kernels, per class of op, and why.
 * A value passes when |got − ref| ≤ atol + rtol·|ref|; NaN must meet NaN and ±Infinity itself.
 */
export type ToleranceClass =
  /** Data movement, comparisons, selection, integer results: nothing to round. */
  | 'exact'
  /** One correctly rounded float32 operation (+, −, ×, ÷ and the like). */
  | 'arithmetic'
  /** exp, log, tanh, erf, sin, pow, ...: each implementation has its own approximations. */
  | 'transcendental'
  /** Sums and products over many elements: float32 accumulation order. */
  | 'reduction'
  /** Dot products over K (K ≤ 64 in the suite). */
  | 'matmul'
  /** softmax, layerNorm, crossEntropy, gelu...: several of the above in a row. */
  | 'composite';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface BackendTolerances {
  classes: Record<ToleranceClass, Tolerance>;
  /**
   * false where the backend does not produce IEEE NaN and ±Infinity (GLSL ES leaves 0/0, log(0)
   * and the like undefined): where the reference is NaN or ±Infinity, any value passes. Every
   * finite reference value is still checked. Default true.
   */
  ieeeSpecials?: boolean;
  /** The reasons, stated next to the numbers. */
  why: string;
}

const exact: Tolerance = { atol: 0, rtol: 0 };

const HEADLESS_GL: BackendTolerances = {
  why:
    'GLSL ES leaves float precision to the driver (division may be off by 2.5 ulp, exp/log/pow ' +
    'are the driver’s own); sums are two-pass float32 because shader compilers drop the Kahan ' +
    'compensation. Measured here on Mesa llvmpipe through ANGLE: arithmetic exact, ' +
    'transcendentals within 1.2e-6 relative, sums 1.4e-6, matmuls 2e-7.',
  classes: {
    exact,
    arithmetic: { atol: 0, rtol: 3e-7 },
    transcendental: { atol: 1e-6, rtol: 4e-6 },
    reduction: { atol: 1e-5, rtol: 1e-5 },
    matmul: { atol: 1e-5, rtol: 1e-5 },
    composite: { atol: 2e-5, rtol: 2e-5 },
  },
};

const BROWSER_GL: BackendTolerances = {
  why:
    'As headlessgl, and: GLSL ES leaves sin and cos precision to the driver (SwiftShader is off by ' +
    'up to 1.3e-4 absolute) and 0/0, log(0) and the like undefined (SwiftShader gives 0 or -88 where ' +
    'IEEE gives NaN or -Infinity), so those reference values are not compared. Measured in headless ' +
    'Chromium on SwiftShader: arithmetic exact, other transcendentals within 2.6e-7 relative, sums ' +
    '1.1e-7, matmuls 1.2e-7, composites 2.4e-7.',
  ieeeSpecials: false,
  // headlessgl's, but for sin and cos
  classes: { ...HEADLESS_GL.classes, transcendental: { atol: 2e-4, rtol: 4e-6 } },
};

export const TOLERANCES: Record<string, BackendTolerances> = {
  cpu: {
    why:
      'The fast WebAssembly kernels against the plain TypeScript ones: SIMD exp/log/tanh/erf are polynomial ' +
      'approximations (~1e-7 relative), sums and matmuls accumulate in float32 lanes in another order.',
    classes: {
      exact,
      arithmetic: exact,
      transcendental: { atol: 1e-6, rtol: 2e-6 },
      reduction: { atol: 1e-5, rtol: 1e-5 },
      matmul: { atol: 1e-5, rtol: 1e-5 },
      composite: { atol: 1e-5, rtol: 1e-5 },
    },
  },
  'gpujs:cpu': {
    why:
      'gpu.js cpu kernels run as JavaScript in float64 and round once on store, as the reference does; ' +
      'erf is our float32 approximation (1.5e-7 absolute); sums are compensated.',
    classes: {
      exact,
      arithmetic: exact,
      transcendental: { atol: 5e-7, rtol: 1e-6 },
      reduction: { atol: 1e-6, rtol: 1e-6 },
      matmul: { atol: 1e-6, rtol: 1e-6 },
      composite: { atol: 2e-6, rtol: 2e-6 },
    },
  },
  'gpujs:webasm': {
    why:
      'WebAssembly computes in float32: each step rounds, gpu.js implements exp/log/sin in software ' +
      '(~2 ulp), matmul sums K float32 products without compensation.',
    classes: {
      exact,
      arithmetic: exact,
      transcendental: { atol: 1e-6, rtol: 1e-5 },
      reduction: { atol: 1e-5, rtol: 1e-5 },
      matmul: { atol: 5e-5, rtol: 1e-5 },
      composite: { atol: 2e-5, rtol: 2e-5 },
    },
  },
  'gpujs:webgpu': {
    why:
      'WGSL allows division within 2.5 ulp, exp within 3 + 2|x| ulp, log within 2^-21 absolute, and ' +
      'drivers use those margins; accumulation is float32. Measured here on Mesa llvmpipe (Dawn OpenGL).',
    classes: {
      exact,
      arithmetic: { atol: 0, rtol: 3e-7 },
      transcendental: { atol: 2e-6, rtol: 2e-5 },
      reduction: { atol: 1e-5, rtol: 1e-5 },
      matmul: { atol: 5e-5, rtol: 1e-5 },
      composite: { atol: 5e-5, rtol: 5e-5 },
    },
  },
  'gpujs:headlessgl': HEADLESS_GL,
  // WebGL in a browser; measured in headless Chromium on SwiftShader (examples/web/test/conformance.mjs).
  'gpujs:webgl2': BROWSER_GL,
  'gpujs:webgl': BROWSER_GL,
};

/**
 * Checks `got` against `ref` elementwise; returns a message naming the first miss, or null.
 * With `ieeeSpecials` false, elements whose reference is NaN or ±Infinity are not compared.
 */
export function firstMismatch(
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  tol: Tolerance,
  ieeeSpecials = true,
): string | null {
  if (got.length !== ref.length) return `length ${got.length}, expected ${ref.length}`;
  for (let i = 0; i < ref.length; i++) {
    const [g, r] = [got[i], ref[i]];
    if (!ieeeSpecials && !Number.isFinite(r)) continue;
    if (Number.isNaN(r) || Number.isNaN(g)) {
      if (Number.isNaN(r) && Number.isNaN(g)) continue;
      return `element ${i}: got ${g}, expected ${r}`;
    }
    if (!Number.isFinite(r) || !Number.isFinite(g)) {
      if (g === r) continue;
      return `element ${i}: got ${g}, expected ${r}`;
    }
    if (Math.abs(g - r) > tol.atol + tol.rtol * Math.abs(r)) {
      return `element ${i}: got ${g}, expected ${r} (|diff| ${Math.abs(g - r)} > ${tol.atol} + ${tol.rtol}·|ref|)`;
    }
  }
  return null;
}
