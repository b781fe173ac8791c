import {
  concat,
  matmul,
  mul,
  permute,
  reshape,
  softmax,
  split,
  type Tensor,
  where,
} from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { Dropout } from '../nn/dropout.js';
import type { InitOptions } from '../nn/init.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';

/** Keys and values of earlier positions, kept between generation steps. */
export interface LayerCache {
  k: Tensor | null; // [B, H, past, D]
  v: Tensor | null; // [B, H, past, D]
}

/**
 * Multi-head causal self-attention with GPT-2's fused projection `c_attn` ([C, 3C]: q, k, v
 * side by side) and output projection `c_proj`.
 */
export class CausalSelfAttention extends Module {
  c_attn: Linear;
  c_proj: Linear;
  readonly attnDropout: Dropout;
  readonly residDropout: Dropout;

  constructor(
    readonly nEmbd: number,
    readonly nHead: number,
    options: InitOptions & { attnPdrop: number; residPdrop: number; projStd: number },
  ) {
    super();
    this.c_attn = this.registerModule(
      'c_attn',
      new Linear(nEmbd, 3 * nEmbd, { ...options, layout: 'conv1d', std: 0.02 }),
    );
    this.c_proj = this.registerModule(
      'c_proj',
      new Linear(nEmbd, nEmbd, { ...options, layout: 'conv1d', std: options.projStd }),
    );
    this.attnDropout = this.registerModule('attn_dropout', new Dropout(options.attnPdrop, options.generator));
    this.residDropout = this.registerModule(
      'resid_dropout',
      new Dropout(options.residPdrop, options.generator),
    );
  }

  protected override onChildReplaced(name: string, m: Module): void {
    if (name === 'c_attn') this.c_attn = m as Linear;
    if (name === 'c_proj') this.c_proj = m as Linear;
  }

  /** Splits [B, T, C] into heads [B, H, T, D]. */
  private heads(x: Tensor, B: number, L: number): Tensor {
    return permute(reshape(x, [B, L, this.nHead, this.nEmbd / this.nHead]), [0, 2, 1, 3]);
  }

  /**
   * x [B, T, C] → [B, T, C]. With a cache, x holds only the new positions and the cache is
   * extended in place. `keyMask` [B, S] (1 = real token, 0 = padding) hides padded keys.
   */
  forward(x: Tensor, cache?: LayerCache, keyMask?: T.NDArray): Tensor {
    const [B, L, C] = x.shape;
    const [q, k0, v0] = split(this.c_attn.forward(x), 3, -1); // each [B, L, C]
    let k = this.heads(k0, B, L); // [B, H, L, D]
    let v = this.heads(v0, B, L);
    const past = cache?.k ? cache.k.shape[2] : 0;
    if (cache) {
      if (cache.k && cache.v) {
        k = concat([cache.k, k], 2); // [B, H, past+L, D]
        v = concat([cache.v, v], 2);
      }
      cache.k = k;
      cache.v = v;
    }
    const S = past + L;
    const scale = 1 / Math.sqrt(C / this.nHead);
    let att = mul(matmul(this.heads(q, B, L), k.transpose(-2, -1)), scale); // [B, H, L, S]
    att = where(attentionMask(B, L, S, past, keyMask), att, Number.NEGATIVE_INFINITY);
    att = this.attnDropout.forward(softmax(att, -1));
    const y = permute(matmul(att, v), [0, 2, 1, 3]); // [B, L, H, D]
    return this.residDropout.forward(this.c_proj.forward(reshape(y, [B, L, C])));
  }
}

/** bool [B or 1, 1, L, S]: query i (at absolute position past+i) sees key j when j <= past+i. */
function attentionMask(B: number, L: number, S: number, past: number, keyMask?: T.NDArray): T.NDArray {
  return T.tidy(() => {
    const qPos = T.add(T.arange(L).reshape([L, 1]), past);
    const causal = T.lessEqual(T.arange(S).reshape([1, S]), qPos); // [L, S]
    if (!keyMask) return causal.reshape([1, 1, L, S]);
    if (keyMask.shape[0] !== B || keyMask.shape[1] !== S) {
      throw new T.ShapeError(
        `attention: key mask [${keyMask.shape.join(', ')}] does not match batch ${B} and ${S} keys`,
      );
    }
    return T.logicalAnd(causal.reshape([1, 1, L, S]), T.notEqual(keyMask, 0).reshape([B, 1, 1, S]));
  });
}
