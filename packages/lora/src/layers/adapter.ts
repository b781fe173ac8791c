import { Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import type { Dropout } from '@typegrad/transformer';

/** How a fresh adapter is initialised. */
export type LoraInit = 'kaiming' | 'gaussian' | 'pissa';

/** Settings of one adapter on one layer. */
export interface AdapterOptions {
  r: number;
  alpha: number;
  /** Dropout on the adapter's input only (never on the frozen path). */
  dropout?: number;
  /** rsLoRA: scale by alpha/sqrt(r) instead of alpha/r. */
  useRslora?: boolean;
  init?: LoraInit;
  /** DoRA: a trainable magnitude per output feature times the normalised direction. */
  useDora?: boolean;
  seed?: number;
}

/** A range of output features an adapter writes to (q, k or v inside a fused qkv projection). */
export interface OutputSlice {
  name: string;
  start: number;
  end: number;
}

/** One low-rank pair for one output slice: ΔW_slice = scaling · B · A. */
export interface LowRankPair {
  slice: OutputSlice;
  A: Tensor; // [r, in]
  B: Tensor; // [sliceOut, r]
}

/** An adapter on a layer: its pairs, scaling, dropout, and (DoRA) magnitude. */
export interface Adapter {
  readonly name: string;
  readonly options: Required<Omit<AdapterOptions, 'seed'>> & { seed: number };
  readonly scaling: number;
  readonly pairs: LowRankPair[];
  readonly dropout: Dropout;
  magnitude: Tensor | null;
}

export function scalingOf(o: AdapterOptions): number {
  if (!Number.isInteger(o.r) || o.r <= 0)
    throw new T.ArgumentError(`LoRA: rank r must be a positive integer, got ${o.r}`);
  return o.useRslora ? o.alpha / Math.sqrt(o.r) : o.alpha / o.r;
}

/**
 * A fresh pair: A kaiming-uniform with bound 1/sqrt(in) (loralib's kaiming_uniform_(a=√5)) or
 * gaussian with std 1/r (PEFT), B zero, so the adapter starts as an exact no-op.
 * PiSSA needs the frozen weight and is made by `pissaPair` instead.
 */
export function freshPair(
  slice: OutputSlice,
  inFeatures: number,
  o: AdapterOptions,
  generator: T.Generator,
  dtype: T.DType,
): LowRankPair {
  const init = o.init ?? 'kaiming';
  if (init === 'pissa')
    throw new T.ArgumentError("freshPair: init 'pissa' is computed from the frozen weight (use pissaPair)");
  const A =
    init === 'gaussian'
      ? T.randomNormal([o.r, inFeatures], { std: 1 / o.r, generator, dtype })
      : T.randomUniform([o.r, inFeatures], {
          low: -1 / Math.sqrt(inFeatures),
          high: 1 / Math.sqrt(inFeatures),
          generator,
          dtype,
        });
  const B = T.zeros([slice.end - slice.start, o.r], { dtype });
  return { slice, A: new Tensor(A, { requiresGrad: true }), B: new Tensor(B, { requiresGrad: true }) };
}

/**
 * PiSSA (Meng et al. 2024) for one slice, with PEFT's convention: from W0 = U·diag(S)·Vh
 * ([sliceOut, in]), A = diag(sqrt(S_r / scaling))·Vh_r [r, in] and B = U_r·diag(sqrt(S_r / scaling))
 * [sliceOut, r], so that scaling·B·A is the rank-r truncation of W0. `residual` = W0 − scaling·B·A
 * (computed in float64 from A and B as rounded to `dtype`) replaces W0, so the layer's output is
 * unchanged at init up to the rounding of the residual to `dtype`.
 */
export function pissaPair(
  slice: OutputSlice,
  w0: T.NDArray,
  o: AdapterOptions,
  dtype: T.DType,
): { pair: LowRankPair; residual: T.NDArray } {
  const [rows, cols] = w0.shape;
  if (w0.rank !== 2 || rows !== slice.end - slice.start)
    throw new T.ShapeError(
      `pissaPair: W0 slice '${slice.name}' must be [${slice.end - slice.start}, in], got [${w0.shape.join(', ')}]`,
    );
  const scaling = scalingOf(o);
  if (o.r > Math.min(rows, cols))
    throw new T.ArgumentError(
      `pissaPair: rank ${o.r} exceeds min(out, in) = ${Math.min(rows, cols)} of slice '${slice.name}' [${rows}, ${cols}]`,
    );
  const { A, B, residual } = T.tidy(() => {
    const { U, S, Vh } = T.linalg.svd(T.cast(w0, 'float64'));
    const root = T.sqrt(T.div(S.slice([0, o.r]), scaling)); // [r]
    const A = T.cast(T.mul(Vh.slice([0, o.r]), root.reshape([o.r, 1])), dtype);
    const B = T.cast(T.mul(U.slice(null, [0, o.r]), root.reshape([1, o.r])), dtype);
    const principal = T.mul(T.matmul(T.cast(B, 'float64'), T.cast(A, 'float64')), scaling);
    return { A, B, residual: T.sub(T.cast(w0, 'float64'), principal) };
  });
  return {
    pair: { slice, A: new Tensor(A, { requiresGrad: true }), B: new Tensor(B, { requiresGrad: true }) },
    residual,
  };
}
