import { add, crossEntropy, matmul, reshape, type Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { Dropout } from '../nn/dropout.js';
import { Embedding } from '../nn/embedding.js';
import { Generator } from '../nn/init.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Module } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
import type { LayerCache } from './attention.js';
import { Block } from './block.js';
import { type GPTConfig, resolveConfig } from './config.js';

/** A token or position table: an Embedding, or a layer that wraps one (a LoRA embedding). */
export type EmbeddingLike = Module & { readonly weight: Tensor; forward(ids: T.NDArray): Tensor };

export interface ForwardOptions {
  /** Per-layer key/value caches for incremental decoding; extended in place. */
  cache?: LayerCache[];
  /** [B, S] 1 for real tokens, 0 for padding (S = cached + new positions). */
  keyMask?: T.NDArray;
}

/**
 * GPT-2: token + position embeddings, n_layer blocks, a final LayerNorm, and logits through
 * the (tied) token embedding. Parameter names and layouts match HuggingFace's GPT2Model.
 */
export class GPT extends Module {
  readonly config: ReturnType<typeof resolveConfig>;
  wte: EmbeddingLike;
  wpe: EmbeddingLike;
  readonly drop: Dropout;
  readonly h: ModuleList<Block>;
  readonly ln_f: LayerNorm;
  /** Dropout masks are drawn from here; its counter is part of a training checkpoint. */
  readonly generator: Generator;

  constructor(config: GPTConfig, options: { seed?: number; dtype?: T.DType } = {}) {
    super();
    const c = (this.config = resolveConfig(config));
    this.generator = new Generator(options.seed ?? 0);
    const init = { generator: this.generator, dtype: options.dtype };
    this.wte = this.registerModule('wte', new Embedding(c.vocab_size, c.n_embd, { ...init, std: 0.02 }));
    this.wpe = this.registerModule('wpe', new Embedding(c.n_positions, c.n_embd, { ...init, std: 0.01 }));
    this.drop = this.registerModule('drop', new Dropout(c.embd_pdrop, this.generator));
    // GPT-2 scales residual projections by 1/sqrt(2·n_layer) so the residual stream's variance stays bounded.
    const projStd = 0.02 / Math.sqrt(2 * c.n_layer);
    const blockOptions = { ...init, attnPdrop: c.attn_pdrop, residPdrop: c.resid_pdrop, projStd };
    this.h = this.registerModule(
      'h',
      new ModuleList(Array.from({ length: c.n_layer }, () => new Block(c, blockOptions))),
    );
    this.ln_f = this.registerModule('ln_f', new LayerNorm(c.n_embd, c.layer_norm_epsilon, init));
    if (!c.tie_word_embeddings)
      throw new T.ArgumentError('GPT: only tied word embeddings are supported (tie_word_embeddings: true)');
  }

  protected override onChildReplaced(name: string, m: Module): void {
    if (name === 'wte') this.wte = m as EmbeddingLike;
    if (name === 'wpe') this.wpe = m as EmbeddingLike;
  }

  /** Token ids [B, T] (int32) → logits [B, T, vocab]. */
  forward(ids: T.NDArray, options: ForwardOptions = {}): Tensor {
    if (ids.rank !== 2)
      throw new T.ShapeError(`GPT: ids must be [batch, time], got [${ids.shape.join(', ')}]`);
    const L = ids.shape[1];
    const past = options.cache?.[0]?.k?.shape[2] ?? 0;
    if (past + L > this.config.n_positions) {
      throw new T.ShapeError(
        `GPT: ${past + L} positions exceed the context length n_positions=${this.config.n_positions}`,
      );
    }
    const positions = T.tidy(() => T.add(T.arange(L), past)); // [L]
    let x = this.drop.forward(add(this.wte.forward(ids), this.wpe.forward(positions))); // [B, L, C]
    let i = 0;
    for (const block of this.h) x = block.forward(x, options.cache?.[i++], options.keyMask);
    x = this.ln_f.forward(x);
    return matmul(x, this.wte.weight.T); // [B, L, vocab]
  }

  /**
   * Mean next-token cross entropy. `targets` [B, T] int32; positions equal to `ignoreIndex`
   * (padding, or the prompt when only an answer is trained) are skipped.
   */
  loss(
    ids: T.NDArray,
    targets: T.NDArray,
    options: { ignoreIndex?: number; labelSmoothing?: number } = {},
  ): Tensor {
    const logits = this.forward(ids);
    const V = this.config.vocab_size;
    return crossEntropy(reshape(logits, [-1, V]), targets.reshape([-1]), options);
  }

  /** Empty key/value caches, one per layer. */
  newCache(): LayerCache[] {
    return Array.from({ length: this.config.n_layer }, () => ({ k: null, v: null }));
  }
}
