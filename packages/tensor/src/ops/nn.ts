import { isFloat } from '../dtype.js';
import { tidy } from '../engine.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { getBackend, getKernel, hasKernel } from '../kernels.js';
import { NDArray } from '../ndarray.js';
import { normalizeAxes, normalizeAxis } from '../shape.js';
import { arange } from './creation.js';
import {
  abs,
  add,
  cast,
  div,
  equal,
  erf,
  exp,
  log,
  maximum,
  minimum,
  mul,
  neg,
  notEqual,
  rsqrt,
  square,
  sub,
  tanh,
  where,
} from './elementwise.js';
import { gather } from './indexing.js';
import { max, mean, sum } from './reduce.js';

/*
 * Composite ops, written once from the primitives. They are the reference definitions: a
 * backend may register a fused kernel (softmax, logSoftmax, layerNorm) and is tested against these.
 */

type Axes = number | readonly number[] | undefined;

/** Clamps into [low, high]. */
export function clip(x: NDArray, low: number, high: number): NDArray {
  return tidy(() => minimum(maximum(x, low), high));
}

/** Fused kernels compute in the input's dtype; integer input is promoted first, as exp would promote it. */
function asFloat(x: NDArray): NDArray {
  return isFloat(x.dtype) ? x : cast(x, 'float32');
}

/** max over axes with -inf/inf rows replaced by 0, so that x - m never makes NaN from inf - inf. */
function stableMax(x: NDArray, axes: readonly number[]): NDArray {
  const m = max(x, axes, { keepdims: true });
  return where(equal(abs(m), Number.POSITIVE_INFINITY), 0, m);
}

/** log(sum(exp(x))) over `axes`, computed without overflow. */
export function logsumexp(x: NDArray, axes?: Axes, options: { keepdims?: boolean } = {}): NDArray {
  const ax = normalizeAxes('logsumexp', axes, x.rank);
  return tidy(() => {
    const m = stableMax(x, ax);
    const out = add(log(sum(exp(sub(x, m)), ax, { keepdims: true })), m);
    return options.keepdims ? out : out.squeeze(ax);
  });
}

/** exp(x) / sum(exp(x)) along `axis`. */
export function softmax(x: NDArray, axis = -1): NDArray {
  const a = normalizeAxis('softmax', axis, x.rank);
  if (hasKernel(x.backend, 'softmax'))
    return tidy(() => new NDArray(getKernel(x.backend, 'softmax')(asFloat(x), a), x.shape));
  return tidy(() => {
    const e = exp(sub(x, stableMax(x, [a])));
    return div(e, sum(e, a, { keepdims: true }));
  });
}

/** x - logsumexp(x) along `axis`. */
export function logSoftmax(x: NDArray, axis = -1): NDArray {
  const a = normalizeAxis('logSoftmax', axis, x.rank);
  if (hasKernel(x.backend, 'logSoftmax'))
    return tidy(() => new NDArray(getKernel(x.backend, 'logSoftmax')(asFloat(x), a), x.shape));
  return tidy(() => sub(x, logsumexp(x, a, { keepdims: true })));
}

/** Variance over `axes`; `correction: 1` gives the unbiased estimate. */
export function variance(
  x: NDArray,
  axes?: Axes,
  options: { keepdims?: boolean; correction?: number } = {},
): NDArray {
  const ax = normalizeAxes('variance', axes, x.rank);
  const n = ax.reduce((p, a) => p * x.shape[a], 1);
  return tidy(() => {
    const centered = sub(x, mean(x, ax, { keepdims: true }));
    return div(sum(square(centered), ax, options), n - (options.correction ?? 0));
  });
}

/** Normalises the last axis to zero mean and unit variance, then scales and shifts. */
export function layerNorm(
  x: NDArray,
  weight: NDArray | null = null,
  bias: NDArray | null = null,
  eps = 1e-5,
): NDArray {
  const d = x.shape[x.rank - 1];
  for (const [name, p] of [
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (p && (p.rank !== 1 || p.shape[0] !== d)) {
      throw new ShapeError(
        `layerNorm: ${name} of shape ${fmtShape(p.shape)} does not match last dim of ${fmtShape(x.shape)}`,
      );
    }
  }
  if (hasKernel(x.backend, 'layerNorm'))
    return tidy(() => new NDArray(getKernel(x.backend, 'layerNorm')(asFloat(x), weight, bias, eps), x.shape));
  return tidy(() => {
    const centered = sub(x, mean(x, -1, { keepdims: true }));
    let y = mul(centered, rsqrt(add(mean(square(centered), -1, { keepdims: true }), eps)));
    if (weight) y = mul(y, weight);
    if (bias) y = add(y, bias);
    return y;
  });
}

/**
 * GELU: exact x·Φ(x) via erf, or GPT-2's tanh approximation (`gelu_new`). A backend's fused
 * `gelu` kernel takes float32 (integer input is promoted first); float64 runs the composite.
 */
export function gelu(x: NDArray, approximate: 'none' | 'tanh' = 'none'): NDArray {
  if (approximate !== 'none' && approximate !== 'tanh')
    throw new ArgumentError(`gelu: approximate must be 'none' or 'tanh', got '${approximate}'`);
  if (x.dtype !== 'float64' && hasKernel(x.backend, 'gelu'))
    return tidy(() => new NDArray(getKernel(x.backend, 'gelu')(asFloat(x), approximate), x.shape));
  return tidy(() => {
    const inner =
      approximate === 'tanh'
        ? tanh(mul(add(x, mul(mul(square(x), x), 0.044715)), Math.sqrt(2 / Math.PI)))
        : erf(mul(x, Math.SQRT1_2));
    return mul(mul(x, 0.5), add(inner, 1));
  });
}

export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (loss 0, not counted in the mean). Default -100, as PyTorch. */
  ignoreIndex?: number;
  /** ε: the target distribution is (1-ε)·onehot + ε/C. */
  labelSmoothing?: number;
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * Cross entropy of `logits` [..., C] against int32 class `targets` [...], as PyTorch defines it
 * (mean over non-ignored targets).
 */
export function crossEntropy(logits: NDArray, targets: NDArray, options: CrossEntropyOptions = {}): NDArray {
  const { ignoreIndex = -100, labelSmoothing = 0, reduction = 'mean' } = options;
  const C = logits.shape[logits.rank - 1];
  const batch = logits.shape.slice(0, -1);
  if (targets.rank !== batch.length || targets.shape.some((d, i) => d !== batch[i])) {
    throw new ShapeError(
      `crossEntropy: targets ${fmtShape(targets.shape)} do not match logits ${fmtShape(logits.shape)} without the class axis`,
    );
  }
  if (targets.dtype !== 'int32')
    throw new DTypeError(`crossEntropy: targets must be int32, got ${targets.dtype}`);
  checkTargets(logits, targets, ignoreIndex);
  return tidy(() => {
    const logp = logSoftmax(logits, -1).reshape([-1]);
    const valid = notEqual(targets, ignoreIndex);
    const safeTargets = where(valid, targets, 0).reshape([-1]);
    const rows = targets.size;
    const flatIndex = add(mul(arange(rows, undefined, 1, { backend: logits.backend }), C), safeTargets);
    let loss = neg(gather(logp, flatIndex, 0).reshape(targets.shape));
    if (labelSmoothing > 0) {
      const smooth = neg(mean(logp.reshape([...batch, C]), -1));
      loss = add(mul(loss, 1 - labelSmoothing), mul(smooth, labelSmoothing));
    }
    loss = where(valid, loss, 0);
    if (reduction === 'none') return loss;
    const total = sum(loss);
    return reduction === 'sum' ? total : div(total, sum(cast(valid, loss.dtype)));
  });
}

/**
 * Targets must be classes in [0, C) or `ignoreIndex`: the flat gather in crossEntropy would
 * otherwise read a neighbouring row's logit instead of failing. Device backends skip the readback.
 */
function checkTargets(logits: NDArray, targets: NDArray, ignoreIndex: number): void {
  if (!getBackend(targets.backend).canReadSync) return;
  const C = logits.shape[logits.rank - 1];
  const t = targets.dataSync();
  for (let i = 0; i < t.length; i++) {
    if (t[i] !== ignoreIndex && (t[i] < 0 || t[i] >= C)) {
      throw new ArgumentError(
        `crossEntropy: target ${t[i]} is out of range for ${C} classes (logits ${fmtShape(logits.shape)}, targets ${fmtShape(targets.shape)})`,
      );
    }
  }
}
