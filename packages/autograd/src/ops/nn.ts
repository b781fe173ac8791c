import type { CrossEntropyOptions } from '@typegrad/tensor';
import * as T from '@typegrad/tensor';
import { record } from '../record.js';
import { Tensor } from '../tensor.js';
import {
  add,
  div,
  erf,
  exp,
  maximum,
  minimum,
  mul,
  neg,
  rsqrt,
  square,
  sub,
  tanh,
  where,
} from './elementwise.js';
import { mean, sum } from './reduce.js';
import { gather } from './shape.js';

/*
 * Composites with their own backward rules: the forward runs the tensor package's composite
 * (or a backend's fused kernel), and the rule below is the textbook derivative, written with
 * differentiable ops so that it can be differentiated again.
 */

/** softmax along `axis`; dx = y·(g − Σ g·y). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const out: Tensor = record('softmax', [x], T.softmax(x.value, axis), (g) => [
    mul(out, sub(g, sum(mul(g, out), axis, { keepdims: true }))),
  ]);
  return out;
}

/** log-softmax along `axis`; dx = g − softmax(x)·Σ g. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const out: Tensor = record('logSoftmax', [x], T.logSoftmax(x.value, axis), (g) => [
    sub(g, mul(exp(out), sum(g, axis, { keepdims: true }))),
  ]);
  return out;
}

/** log Σ exp over `axes`; dx = g·softmax(x). */
export function logsumexp(
  x: Tensor,
  axes?: number | readonly number[],
  options: { keepdims?: boolean } = {},
): Tensor {
  const rank = x.shape.length;
  const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : [...axes];
  const ax = list.map((a) => (a < 0 ? a + rank : a));
  const out: Tensor = record('logsumexp', [x], T.logsumexp(x.value, ax, options), (g) => {
    const keep = (t: Tensor) => (options.keepdims ? t : reshapeKeep(t, x.shape, ax));
    return [mul(keep(g), exp(sub(x, keep(out))))];
  });
  return out;
}

function reshapeKeep(t: Tensor, shape: readonly number[], axes: number[]): Tensor {
  return t.reshape(T.reducedShape(shape, axes, true));
}

/**
 * Layer normalisation over the last axis. With x̂ = (x − μ)·rstd and gw = g·w:
 * dx = rstd·(gw − mean(gw) − x̂·mean(gw·x̂)), dw = Σ g·x̂, db = Σ g.
 */
export function layerNorm(
  x: Tensor,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  const inputs = [x, weight, bias].filter((t): t is Tensor => t !== null);
  const value = T.layerNorm(x.value, weight?.value ?? null, bias?.value ?? null, eps);
  return record('layerNorm', inputs, value, (g, needs) => {
    const centered = sub(x, mean(x, -1, { keepdims: true }));
    const rstd = rsqrt(add(mean(square(centered), -1, { keepdims: true }), eps));
    const xhat = mul(centered, rstd);
    const gw = weight ? mul(g, weight) : g;
    const batchAxes = x.shape.slice(0, -1).map((_, i) => i);
    const dx = needs[0]
      ? mul(
          rstd,
          sub(
            sub(gw, mean(gw, -1, { keepdims: true })),
            mul(xhat, mean(mul(gw, xhat), -1, { keepdims: true })),
          ),
        )
      : null;
    const grads: (Tensor | null)[] = [dx];
    if (weight) grads.push(needs[grads.length] ? sum(mul(g, xhat), batchAxes) : null);
    if (bias) grads.push(needs[grads.length] ? sum(g, batchAxes) : null);
    return grads;
  });
}

/** GELU, exact (erf) or tanh approximation; backward is its derivative in closed form. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return record('gelu', [x], T.gelu(x.value, approximate), (g) => {
    if (approximate === 'none') {
      // d/dx x·Φ(x) = Φ(x) + x·φ(x)
      const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
      const pdf = mul(exp(mul(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return [mul(g, add(cdf, mul(x, pdf)))];
    }
    const c = Math.sqrt(2 / Math.PI);
    const t = tanh(mul(add(x, mul(mul(square(x), x), 0.044715)), c));
    const dInner = mul(add(mul(square(x), 3 * 0.044715), 1), c);
    const d = add(mul(add(t, 1), 0.5), mul(mul(mul(x, 0.5), sub(1, square(t))), dInner));
    return [mul(g, d)];
  });
}

/**
 * Cross entropy of logits [..., C] against int32 targets [...] (PyTorch semantics: ignored
 * targets are skipped and the mean is over the rest; label smoothing ε mixes in the uniform
 * distribution). Composed from logSoftmax and gather, so its gradient is exact and differentiable.
 */
export function crossEntropy(
  logits: Tensor,
  targets: Tensor | T.NDArray,
  options: CrossEntropyOptions = {},
): Tensor {
  const { ignoreIndex = -100, labelSmoothing = 0, reduction = 'mean' } = options;
  const t = targets instanceof Tensor ? targets.value : targets;
  const C = logits.shape[logits.shape.length - 1];
  // Validate shapes and dtypes with the tensor package's messages (cheap, no graph).
  T.crossEntropy(logits.value, t, { ignoreIndex, reduction: 'sum' }).dispose();
  const valid = T.notEqual(t, ignoreIndex);
  const flatIndex = T.tidy(() =>
    T.add(
      T.mul(T.arange(t.size, undefined, 1, { backend: t.backend }), C),
      T.where(valid, t, 0).reshape([-1]),
    ),
  );
  const logp = logSoftmax(logits, -1);
  let loss = neg(gather(logp.reshape([-1]), flatIndex, 0).reshape(t.shape));
  if (labelSmoothing > 0) loss = add(mul(loss, 1 - labelSmoothing), mul(neg(mean(logp, -1)), labelSmoothing));
  loss = where(valid, loss, 0);
  if (reduction === 'none') return loss;
  const total = sum(loss);
  if (reduction === 'sum') return total;
  // The count stays an array (no read back), so async backends (webgpu) never block here.
  const count = T.tidy(() => T.cast(T.sum(valid), total.dtype));
  return div(total, Tensor.constant(count));
}

/** Inverted dropout: zeroes elements with probability p and scales the rest by 1/(1−p). */
export function dropout(
  x: Tensor,
  p: number,
  options: { training?: boolean; seed?: number; generator?: T.Generator } = {},
): Tensor {
  if (p < 0 || p >= 1) throw new RangeError(`dropout: p must be in [0, 1), got ${p}`);
  if (p === 0 || options.training === false) return x;
  const keepMask = T.tidy(() => {
    const u = T.randomUniform(x.shape, {
      seed: options.seed,
      generator: options.generator,
      backend: x.value.backend,
      dtype: x.dtype,
    });
    return T.div(T.cast(T.greaterEqual(u, p), x.dtype), 1 - p);
  });
  return mul(x, Tensor.constant(keepMask));
}

/** Variance over `axes` (correction 1 = unbiased). */
export function variance(
  x: Tensor,
  axes?: number | readonly number[],
  options: { keepdims?: boolean; correction?: number } = {},
): Tensor {
  const rank = x.shape.length;
  const list = axes === undefined ? x.shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : [...axes];
  const ax = list.map((a) => (a < 0 ? a + rank : a));
  const n = ax.reduce((p, a) => p * x.shape[a], 1);
  const centered = sub(x, mean(x, ax, { keepdims: true }));
  return div(sum(square(centered), ax, options), n - (options.correction ?? 0));
}

export function clip(x: Tensor, low: number, high: number): Tensor {
  return minimum(maximum(x, low), high);
}
