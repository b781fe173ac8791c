import { add, gather, matmul, mul, Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { type Embedding, Module } from '@typegrad/transformer';
import { scalingOf } from './adapter.js';

/**
 * An Embedding with a low-rank update, as loralib: A [r, num] starts at zero and B [dim, r] is
 * random, so the adapter starts as a no-op; lookup(ids) = W0[ids] + scaling·Aᵀ[ids]·Bᵀ.
 */
export class LoRAEmbedding extends Module {
  readonly weight: Tensor;
  readonly A: Tensor;
  readonly B: Tensor;
  readonly scaling: number;
  /** When true, forward looks up the frozen table alone. */
  disabled = false;
  private original: T.NDArray | null = null;

  constructor(
    readonly base: Embedding,
    options: { r: number; alpha: number; seed?: number },
  ) {
    super();
    this.weight = this.registerParameter('weight', base.weight);
    this.scaling = scalingOf(options);
    const dtype = base.weight.dtype;
    this.A = this.registerParameter(
      'lora_embedding_A',
      new Tensor(T.zeros([options.r, base.num], { dtype }), { requiresGrad: true }),
    );
    const B = T.randomNormal([base.dim, options.r], { seed: options.seed ?? 0, dtype });
    this.B = this.registerParameter('lora_embedding_B', new Tensor(B, { requiresGrad: true }));
  }

  get merged(): boolean {
    return this.original !== null;
  }

  /** ΔW = scaling·(B·A)ᵀ as [num, dim]. */
  deltaWeight(): T.NDArray {
    return T.tidy(() => T.mul(T.matmul(this.B.value, this.A.value).T, this.scaling).contiguous());
  }

  merge(): void {
    if (this.merged) return;
    this.original = this.weight.value;
    this.weight.value = T.keep(T.tidy(() => T.add(this.original!, this.deltaWeight())));
  }

  unmerge(): void {
    if (!this.original) return;
    this.weight.value.dispose();
    this.weight.value = this.original;
    this.original = null;
  }

  forward(ids: T.NDArray): Tensor {
    const base = gather(this.weight, ids, 0); // [..., dim]
    if (this.merged || this.disabled) return base;
    const low = gather(this.A.T, ids, 0); // [..., r]
    return add(base, mul(matmul(low, this.B.T), this.scaling));
  }
}
