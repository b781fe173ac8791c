/**
 * A minimal GPT-2 written with TensorFlow.js ops: the peer of typegrad's GPT in the training
 * benchmarks. Same architecture as @typegrad/transformer's GPT (pre-norm blocks, fused q|k|v
 * projection stored [in, out], tanh GELU, causal softmax attention, tied output head, mean
 * next-token cross entropy), no dropout, and AdamW with typegrad's exact update, so the two
 * libraries started from the same weights report the same losses (the benchmarks check that).
 *
 * Written the way a tfjs user would write it: one tfjs op per step of the math, gradients from
 * `tf.variableGrads`. tfjs-wasm has no gradient kernel for `gather` (its backward needs
 * UnsortedSegmentSum), so there the token embedding is a one-hot matmul (`embedding: 'one-hot'`).
 * The LoRA option adds low-rank adapters on the q and v slices of every block (Hu et al. 2021)
 * and freezes everything else.
 */
import '@tensorflow/tfjs'; // the union package registers the gradients tfjs-core's Node build lacks
import { tf } from './peers.js';

/** Sizes of the model (HuggingFace GPT-2 names in comments). */
export interface TfjsGptConfig {
  vocabSize: number; // vocab_size
  context: number; // n_positions
  layers: number; // n_layer
  heads: number; // n_head
  embd: number; // n_embd
  inner: number; // n_inner
  eps: number; // layer_norm_epsilon
}

/** Low-rank adapters on q and v: ΔW = (alpha / r)·B·A per slice. */
export interface TfjsLoraConfig {
  r: number;
  alpha: number;
}

export interface TfjsGptOptions {
  /** `gather` (tfjs-cpu) or `one-hot` (a one-hot matmul: tfjs-wasm has no gather gradient). */
  embedding: 'gather' | 'one-hot';
  lora?: TfjsLoraConfig;
}

/** Initial values by typegrad/HuggingFace parameter name, row-major. */
export type WeightMap = ReadonlyMap<string, { values: Float32Array; shape: readonly number[] }>;

/** The parameter names a model of `config` needs, with their shapes (typegrad's names and layouts). */
export function tfjsGptParameterShapes(
  config: TfjsGptConfig,
  lora?: TfjsLoraConfig,
): Map<string, readonly number[]> {
  const { vocabSize: V, context: P, embd: C, inner: F } = config;
  const shapes = new Map<string, readonly number[]>([
    ['wte.weight', [V, C]],
    ['wpe.weight', [P, C]],
  ]);
  for (let i = 0; i < config.layers; i++) {
    const h = `h.${i}`;
    shapes.set(`${h}.ln_1.weight`, [C]).set(`${h}.ln_1.bias`, [C]);
    shapes.set(`${h}.attn.c_attn.weight`, [C, 3 * C]).set(`${h}.attn.c_attn.bias`, [3 * C]);
    shapes.set(`${h}.attn.c_proj.weight`, [C, C]).set(`${h}.attn.c_proj.bias`, [C]);
    shapes.set(`${h}.ln_2.weight`, [C]).set(`${h}.ln_2.bias`, [C]);
    shapes.set(`${h}.mlp.c_fc.weight`, [C, F]).set(`${h}.mlp.c_fc.bias`, [F]);
    shapes.set(`${h}.mlp.c_proj.weight`, [F, C]).set(`${h}.mlp.c_proj.bias`, [C]);
    if (lora) {
      for (const slice of ['q', 'v']) {
        // typegrad's (PEFT's) layouts: A [r, in], B [out, r].
        shapes.set(`${h}.attn.c_attn.lora_A.default.${slice}`, [lora.r, C]);
        shapes.set(`${h}.attn.c_attn.lora_B.default.${slice}`, [C, lora.r]);
      }
    }
  }
  shapes.set('ln_f.weight', [C]).set('ln_f.bias', [C]);
  return shapes;
}

let modelsMade = 0;

/** GPT-2 in tfjs ops, its parameters held as tf.Variables on the backend active at construction. */
export class TfjsGpt {
  private readonly params = new Map<string, tf.Variable>();
  /** The variables gradients are taken for: all of them, or only the adapters with LoRA. */
  readonly trainable: tf.Variable[] = [];
  /** [L, L] 0 on and below the diagonal, -1e9 above: added to the attention scores. */
  private readonly causalMask: tf.Tensor2D;
  private readonly loraScale: number;

  constructor(
    readonly config: TfjsGptConfig,
    weights: WeightMap,
    readonly options: TfjsGptOptions,
  ) {
    // Variable names are global to the tfjs engine: each model gets its own prefix.
    const prefix = `tfjs-gpt-${modelsMade++}/`;
    for (const [name, shape] of tfjsGptParameterShapes(config, options.lora)) {
      const initial = weights.get(name);
      if (!initial || initial.shape.join() !== shape.join()) {
        throw new Error(
          `bench: tfjs-gpt needs '${name}' of shape [${shape.join(', ')}], got ${initial ? `[${initial.shape.join(', ')}]` : 'nothing'}`,
        );
      }
      const isAdapter = name.includes('.lora_');
      const trainable = options.lora ? isAdapter : true;
      const value = tf.tensor(initial.values.slice(), [...shape], 'float32');
      const variable = tf.variable(this.adapterLayout(name, value), trainable, prefix + name);
      value.dispose();
      this.params.set(name, variable);
      if (trainable) this.trainable.push(variable);
    }
    this.loraScale = options.lora ? options.lora.alpha / options.lora.r : 0;
    const L = config.context;
    this.causalMask = tf.tidy(() => {
      const row = tf.range(0, L, 1, 'int32').reshape([L, 1]);
      const col = tf.range(0, L, 1, 'int32').reshape([1, L]);
      return tf.mul(tf.cast(tf.greater(col, row), 'float32'), -1e9) as tf.Tensor2D;
    });
  }

  /**
   * Adapters are stored pre-transposed (A as [in, r], B as [r, out]) so that the forward pass
   * multiplies without transposed operands, tfjs-wasm's fast path.
   */
  private adapterLayout(name: string, value: tf.Tensor): tf.Tensor {
    return name.includes('.lora_') ? tf.transpose(value) : value.clone();
  }

  private p(name: string): tf.Variable {
    const variable = this.params.get(name);
    if (!variable) throw new Error(`bench: tfjs-gpt has no parameter '${name}'`);
    return variable;
  }

  private layerNorm(x: tf.Tensor, name: string): tf.Tensor {
    const { mean, variance } = tf.moments(x, -1, true);
    const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.config.eps)));
    return tf.add(tf.mul(normalized, this.p(`${name}.weight`)), this.p(`${name}.bias`));
  }

  /** x [N, in] · W [in, out] + b. */
  private linear(x: tf.Tensor, name: string): tf.Tensor {
    return tf.add(
      tf.matMul(x as tf.Tensor2D, this.p(`${name}.weight`) as tf.Tensor2D),
      this.p(`${name}.bias`),
    );
  }

  /** GPT-2's tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
  private gelu(x: tf.Tensor): tf.Tensor {
    const cube = tf.mul(tf.mul(x, x), x);
    const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  }

  /** scale·(x·A)·B for an adapter slice of block `h`. */
  private adapter(x: tf.Tensor, h: string, slice: 'q' | 'v'): tf.Tensor {
    const a = this.p(`${h}.attn.c_attn.lora_A.default.${slice}`) as tf.Tensor2D;
    const b = this.p(`${h}.attn.c_attn.lora_B.default.${slice}`) as tf.Tensor2D;
    return tf.mul(tf.matMul(tf.matMul(x as tf.Tensor2D, a), b), this.loraScale);
  }

  /** x [N, C] for N = B·L rows → the block's output [N, C]. */
  private block(x: tf.Tensor, i: number, B: number, L: number): tf.Tensor {
    const { embd: C, heads: H } = this.config;
    const D = C / H;
    const h = `h.${i}`;
    const normed = this.layerNorm(x, `${h}.ln_1`);
    let [q, k, v] = tf.split(this.linear(normed, `${h}.attn.c_attn`), 3, -1);
    if (this.options.lora) {
      q = tf.add(q, this.adapter(normed, h, 'q'));
      v = tf.add(v, this.adapter(normed, h, 'v'));
    }
    const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, L, H, D]), [0, 2, 1, 3]);
    const scores = tf.mul(tf.matMul(heads(q), heads(k), false, true), 1 / Math.sqrt(D)); // [B, H, L, L]
    const mask = L === this.config.context ? this.causalMask : tf.slice(this.causalMask, [0, 0], [L, L]);
    const attention = tf.softmax(tf.add(scores, mask), -1);
    const mixed = tf.reshape(tf.transpose(tf.matMul(attention, heads(v)), [0, 2, 1, 3]), [B * L, C]);
    x = tf.add(x, this.linear(mixed, `${h}.attn.c_proj`));
    const hidden = this.gelu(this.linear(this.layerNorm(x, `${h}.ln_2`), `${h}.mlp.c_fc`));
    return tf.add(x, this.linear(hidden, `${h}.mlp.c_proj`));
  }

  /** Token ids [B, L] int32 → logits [B·L, vocab]. */
  forward(ids: tf.Tensor2D): tf.Tensor2D {
    const [B, L] = ids.shape;
    const { vocabSize: V, embd: C } = this.config;
    const wte = this.p('wte.weight') as tf.Tensor2D;
    const flat = tf.reshape(ids, [B * L]) as tf.Tensor1D;
    const tokens =
      this.options.embedding === 'gather'
        ? tf.gather(wte, flat)
        : tf.matMul(tf.cast(tf.oneHot(flat, V), 'float32') as tf.Tensor2D, wte);
    const positions = tf.slice(this.p('wpe.weight'), [0, 0], [L, C]);
    let x: tf.Tensor = tf.reshape(tf.add(tf.reshape(tokens, [B, L, C]), positions), [B * L, C]);
    for (let i = 0; i < this.config.layers; i++) x = this.block(x, i, B, L);
    return tf.matMul(this.layerNorm(x, 'ln_f') as tf.Tensor2D, wte, false, true); // tied head
  }

  /** Mean next-token cross entropy of `ids` against `targets` (both [B, L] int32). */
  loss(ids: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
    const logProbs = tf.logSoftmax(this.forward(ids), -1);
    const flat = tf.reshape(targets, [targets.size]) as tf.Tensor1D;
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(flat, this.config.vocabSize)), -1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  }

  /** Elements of the trainable variables. */
  trainableCount(): number {
    return this.trainable.reduce((n, v) => n + v.size, 0);
  }

  dispose(): void {
    for (const variable of this.params.values()) variable.dispose();
    this.causalMask.dispose();
  }
}

/** AdamW exactly as typegrad's (decoupled decay on every parameter, bias-corrected). */
export class TfjsAdamW {
  private readonly moments: { m: tf.Variable; v: tf.Variable }[];
  private stepCount = 0;

  constructor(
    private readonly params: readonly tf.Variable[],
    private readonly options: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number },
  ) {
    this.moments = params.map((p) => ({
      m: tf.variable(tf.zerosLike(p), false),
      v: tf.variable(tf.zerosLike(p), false),
    }));
  }

  /** One update from gradients keyed by variable name (as tf.variableGrads returns them). */
  step(grads: tf.NamedTensorMap): void {
    this.stepCount++;
    const { lr, beta1, beta2, eps, weightDecay } = this.options;
    const stepSize = lr / (1 - beta1 ** this.stepCount);
    const correction2 = Math.sqrt(1 - beta2 ** this.stepCount);
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[p.name];
        if (!g) return;
        const { m, v } = this.moments[i];
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), correction2), eps);
        const decayed = weightDecay > 0 ? tf.mul(p, 1 - lr * weightDecay) : p;
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
      });
    });
  }

  /** Bytes of the first and second moments. */
  stateBytes(): number {
    return this.moments.reduce((n, { m, v }) => n + 4 * (m.size + v.size), 0);
  }

  dispose(): void {
    for (const { m, v } of this.moments) tf.dispose([m, v]);
  }
}

/** Forward, backward and one AdamW update on a batch; returns the loss before the update. */
export function tfjsTrainStep(
  model: TfjsGpt,
  optimizer: TfjsAdamW,
  ids: tf.Tensor2D,
  targets: tf.Tensor2D,
): number {
  const { value, grads } = tf.variableGrads(() => model.loss(ids, targets), model.trainable);
  optimizer.step(grads);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

/** The loss on a batch without gradients. */
export function tfjsLoss(model: TfjsGpt, ids: tf.Tensor2D, targets: tf.Tensor2D): number {
  return tf.tidy(() => model.loss(ids, targets).dataSync()[0]);
}
