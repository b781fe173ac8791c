import * as T from '@typegrad/tensor';
import { gradients } from './functional.js';
import { noGrad } from './grad-mode.js';
import { mul } from './ops/elementwise.js';
import { sum } from './ops/reduce.js';
import { Tensor } from './tensor.js';

export interface GradcheckOptions {
  /** Step of the central difference. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random projection used when f returns a non-scalar. */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** The element with the largest |analytic − numeric| − (atol + rtol·|numeric|). */
  worst: { input: number; index: number[]; analytic: number; numeric: number } | null;
  maxAbsError: number;
}

/**
 * Compares the analytic gradient of `f` with central finite differences, in float64.
 * A non-scalar output is reduced to Σ f(x)·r with a fixed random r, which checks the full
 * vector-Jacobian product. Every input must be float64 (finite differences need the precision).
 */
export function gradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly (Tensor | T.NDArray)[],
  options: GradcheckOptions = {},
): GradcheckResult {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, seed = 7 } = options;
  // Every array made here (perturbed copies, forward passes, the projection) is freed on return.
  return T.tidy(() => compare(f, inputs, eps, atol, rtol, seed));
}

function compare(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly (Tensor | T.NDArray)[],
  eps: number,
  atol: number,
  rtol: number,
  seed: number,
): GradcheckResult {
  const values = inputs.map((x) => (x instanceof Tensor ? x.value : x));
  values.forEach((v, i) => {
    if (v.dtype !== 'float64')
      throw new T.DTypeError(`gradcheck: input ${i} is ${v.dtype}; finite differences need float64`);
  });
  let projection: T.NDArray | null = null;
  const scalarOf = (out: Tensor): Tensor => {
    if (out.size === 1) return out.reshape([]);
    projection ??= T.randomUniform(out.shape, { seed, dtype: 'float64', low: -1, high: 1 });
    return sum(mul(out, new Tensor(projection)));
  };
  const leaves = values.map((v) => new Tensor(v, { requiresGrad: true }));
  const output = scalarOf(f(...leaves));
  // An output that does not depend on the inputs (e.g. a gradient that is constant) has zero gradient.
  const analytic = output.requiresGrad
    ? gradients(output, leaves).map((g) => g.value.dataSync())
    : values.map((v) => new Float64Array(v.size));
  const evaluate = (xs: T.NDArray[]) => noGrad(() => scalarOf(f(...xs.map((x) => new Tensor(x)))).item());

  let worst: GradcheckResult['worst'] = null;
  let worstExcess = Number.NEGATIVE_INFINITY;
  let maxAbsError = 0;
  values.forEach((v, input) => {
    const base = v.dataSync() as Float64Array;
    for (let k = 0; k < base.length; k++) {
      // Each evaluation frees its arrays at once, so memory stays flat over many elements.
      const at = (delta: number) =>
        T.tidy(() => {
          const data = base.slice();
          data[k] += delta;
          const xs = values.map((w, j) => (j === input ? T.fromTyped(data, v.shape, v.backend) : w));
          return evaluate(xs);
        });
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      const a = analytic[input][k];
      const err = Math.abs(a - numeric);
      maxAbsError = Math.max(maxAbsError, Number.isNaN(err) ? Number.POSITIVE_INFINITY : err);
      const excess = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err - (atol + rtol * Math.abs(numeric));
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = { input, index: unravel(k, v.shape), analytic: a, numeric };
      }
    }
  });
  return { ok: worstExcess <= 0, worst, maxAbsError };
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    index[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return index;
}
