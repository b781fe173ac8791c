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
 */
export function freshPair(
  slice: OutputSlice,
  inFeatures: number,
  o: AdapterOptions,
  generator: T.Generator,
  dtype: T.DType,
): LowRankPair {
  const A =
    (o.init ?? 'kaiming') === 'gaussian'
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
