import { add, type Tensor } from '@typegrad/autograd';
import type { NDArray } from '@typegrad/tensor';
import type { InitOptions } from '../nn/init.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { Module } from '../nn/module.js';
import { CausalSelfAttention, type LayerCache } from './attention.js';
import { MLP } from './mlp.js';

/** A pre-norm Transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)). */
export class Block extends Module {
  readonly ln_1: LayerNorm;
  readonly attn: CausalSelfAttention;
  readonly ln_2: LayerNorm;
  readonly mlp: MLP;

  constructor(
    config: {
      n_embd: number;
      n_head: number;
      n_inner: number;
      layer_norm_epsilon: number;
      activation_function: 'gelu_new' | 'gelu';
    },
    options: InitOptions & { attnPdrop: number; residPdrop: number; projStd: number },
  ) {
    super();
    const { n_embd, layer_norm_epsilon: eps } = config;
    this.ln_1 = this.registerModule('ln_1', new LayerNorm(n_embd, eps, options));
    this.attn = this.registerModule('attn', new CausalSelfAttention(n_embd, config.n_head, options));
    this.ln_2 = this.registerModule('ln_2', new LayerNorm(n_embd, eps, options));
    this.mlp = this.registerModule(
      'mlp',
      new MLP(n_embd, config.n_inner, config.activation_function, options),
    );
  }

  forward(x: Tensor, cache?: LayerCache, keyMask?: NDArray): Tensor {
    x = add(x, this.attn.forward(this.ln_1.forward(x), cache, keyMask));
    return add(x, this.mlp.forward(this.ln_2.forward(x)));
  }
}
