/**
 * The training workload of the transformer and LoRA issues: the reference model (vocab 65,
 * context 64, 4 layers, 4 heads, d_model 128, MLP 4x, no dropout), batches of 16 random token
 * sequences, AdamW. Contenders for one training step in typegrad and in tfjs (bench/lib/tfjs-gpt.ts),
 * both started from the same weights so that the harness's cross-check compares their losses.
 */
import { noGrad } from '@typegrad/autograd';
import { applyLora, type LoraConfig } from '@typegrad/lora';
import * as T from '@typegrad/tensor';
import { AdamW, GPT, type GPTConfig } from '@typegrad/transformer';
import type { Contender } from './harness.js';
import { settleGarbage } from './memory-probe.js';
import { TFJS_IMPL, type TfjsBackendName, tf, tfjsThreads, useTfjsBackend } from './peers.js';
import {
  TfjsAdamW,
  TfjsGpt,
  type TfjsGptConfig,
  type TfjsLoraConfig,
  tfjsLoss,
  tfjsTrainStep,
  type WeightMap,
} from './tfjs-gpt.js';
import { setTypegradCpuOptions } from './typegrad-cpu.js';

/** The reference model. */
export const REFERENCE: GPTConfig = {
  vocab_size: 65,
  n_positions: 64,
  n_embd: 128,
  n_layer: 4,
  n_head: 4,
  n_inner: 512,
  resid_pdrop: 0,
  embd_pdrop: 0,
  attn_pdrop: 0,
};
export const BATCH = 16;
export const CONTEXT = REFERENCE.n_positions;
export const TOKENS_PER_STEP = BATCH * CONTEXT;
const MODEL_SEED = 1;
const BATCH_SEED = 2024;
/** Steps cycle through this many batches (fresh data each step, no per-step generation cost). */
const BATCH_COUNT = 8;

/** typegrad AdamW's defaults except the learning rate; the tfjs peer uses the same. */
export const OPTIMIZER = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** The LoRA setting: r=4 on the q and v slices of every block's c_attn. */
export const LORA: LoraConfig = { r: 4, alpha: 8, targetModules: ['q', 'v'] };
const TFJS_LORA: TfjsLoraConfig = { r: 4, alpha: 8 };

/**
 * Floating-point operations of one full training step: 3x the forward matmuls (backward is
 * two matmuls per forward one), attention counted over all L x L scores (not causally halved).
 */
export function trainStepFlops(c: GPTConfig = REFERENCE, batch = BATCH): number {
  const C = c.n_embd;
  const L = c.n_positions;
  const inner = c.n_inner ?? 4 * C;
  const perLayer = 2 * (3 * C * C + C * C + 2 * C * inner) + 4 * L * C;
  const forwardPerToken = c.n_layer * perLayer + 2 * C * c.vocab_size;
  return 3 * forwardPerToken * batch * L;
}

/** One batch: ids and next-token targets, [BATCH, CONTEXT] row-major int32. */
export interface TokenBatch {
  ids: Int32Array;
  targets: Int32Array;
}

/** mulberry32: a tiny seeded generator, so batches do not depend on either library. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` batches of uniformly random token sequences; targets are the ids shifted by one. */
export function tokenBatches(count = BATCH_COUNT, seed = BATCH_SEED): TokenBatch[] {
  const next = mulberry32(seed);
  const V = REFERENCE.vocab_size;
  return Array.from({ length: count }, () => {
    const ids = new Int32Array(BATCH * CONTEXT);
    const targets = new Int32Array(BATCH * CONTEXT);
    for (let row = 0; row < BATCH; row++) {
      const sequence = Array.from({ length: CONTEXT + 1 }, () => Math.floor(next() * V));
      ids.set(sequence.slice(0, CONTEXT), row * CONTEXT);
      targets.set(sequence.slice(1), row * CONTEXT);
    }
    return { ids, targets };
  });
}

/** A fresh reference model (same weights every call), with LoRA r=4 on q,v when asked. */
export function referenceModel(lora: boolean): GPT {
  const model = new GPT(REFERENCE, { seed: MODEL_SEED });
  if (lora) applyLora(model, { ...LORA, seed: MODEL_SEED });
  return model;
}

/** typegrad's AdamW over the model's trainable parameters. */
export function referenceOptimizer(model: GPT): AdamW {
  return new AdamW(model.trainableParameters(), {
    lr: OPTIMIZER.lr,
    betas: [OPTIMIZER.beta1, OPTIMIZER.beta2],
    eps: OPTIMIZER.eps,
    weightDecay: OPTIMIZER.weightDecay,
  });
}

/** Where a training step can be observed (the memory probe samples there). */
export type StepPhase = 'forward' | 'backward' | 'update';

/** Forward, backward and one AdamW update, as the Trainer does it; returns the loss. */
export function typegradTrainStep(
  model: GPT,
  optimizer: AdamW,
  ids: T.NDArray,
  targets: T.NDArray,
  observe?: (phase: StepPhase) => void,
): number {
  return T.tidy(() => {
    optimizer.zeroGrad();
    const loss = model.loss(ids, targets);
    observe?.('forward');
    loss.backward();
    observe?.('backward');
    optimizer.step();
    observe?.('update');
    return loss.item();
  });
}

/** typegrad's batches as int32 NDArrays. */
export function typegradBatches(batches: readonly TokenBatch[]): { ids: T.NDArray; targets: T.NDArray }[] {
  return batches.map((b) => ({
    ids: T.fromTyped(b.ids.slice(), [BATCH, CONTEXT]),
    targets: T.fromTyped(b.targets.slice(), [BATCH, CONTEXT]),
  }));
}

/**
 * The cross-check output of a training contender: the loss of one step on batch 0 and the loss
 * on batch 0 after that update (which checks the gradients and the optimizer, not only the forward).
 */
function checkedLosses(step: () => number, lossAfter: () => number): Float32Array {
  return Float32Array.of(step(), lossAfter());
}

/** A typegrad training step at `threads` threads, full fine-tuning or LoRA. */
export function typegradTrainContender(
  impl: string,
  threads: number,
  lora: boolean,
  batches: readonly TokenBatch[],
): Contender {
  return {
    impl,
    threads,
    async prepare() {
      setTypegradCpuOptions({ threads, fast: true });
      await settleGarbage(); // no row pays for the garbage of the row before it
      const model = referenceModel(lora);
      const optimizer = referenceOptimizer(model);
      const data = typegradBatches(batches);
      let next = 0;
      const step = (i: number) => typegradTrainStep(model, optimizer, data[i].ids, data[i].targets);
      return {
        run: () => {
          step(next);
          next = (next + 1) % data.length;
        },
        output: () =>
          checkedLosses(
            () => step(0),
            () => T.tidy(() => noGrad(() => model.loss(data[0].ids, data[0].targets).item())),
          ),
        dispose: () => {
          for (const b of data) {
            b.ids.dispose();
            b.targets.dispose();
          }
        },
      };
    },
  };
}

/** typegrad's parameter values by name, copied (the tfjs peer starts from them). */
export function weightMapOf(model: GPT): WeightMap {
  const map = new Map<string, { values: Float32Array; shape: readonly number[] }>();
  for (const [name, value] of model.stateDict()) {
    map.set(name, { values: Float32Array.from(value.dataSync() as Float32Array), shape: [...value.shape] });
  }
  return map;
}

/** The tfjs model's sizes for a typegrad config. */
export function tfjsConfigOf(c: GPTConfig = REFERENCE): TfjsGptConfig {
  return {
    vocabSize: c.vocab_size,
    context: c.n_positions,
    layers: c.n_layer,
    heads: c.n_head,
    embd: c.n_embd,
    inner: c.n_inner ?? 4 * c.n_embd,
    eps: c.layer_norm_epsilon ?? 1e-5,
  };
}

/** The same training step in tfjs on `backend`, from `weights` (typegrad's initial values). */
export function tfjsTrainContender(
  backend: TfjsBackendName,
  lora: boolean,
  weights: WeightMap,
  batches: readonly TokenBatch[],
): Contender {
  const contender: Contender = {
    impl: TFJS_IMPL[backend],
    threads: tfjsThreads(backend),
    late: backend === 'wasm',
    async prepare() {
      await useTfjsBackend(backend);
      contender.threads = tfjsThreads(backend);
      await settleGarbage();
      const model = new TfjsGpt(tfjsConfigOf(), weights, {
        embedding: backend === 'wasm' ? 'one-hot' : 'gather',
        lora: lora ? TFJS_LORA : undefined,
      });
      const optimizer = new TfjsAdamW(model.trainable, OPTIMIZER);
      const data = batches.map((b) => ({
        ids: tf.tensor2d(b.ids, [BATCH, CONTEXT], 'int32'),
        targets: tf.tensor2d(b.targets, [BATCH, CONTEXT], 'int32'),
      }));
      let next = 0;
      const step = (i: number) => tfjsTrainStep(model, optimizer, data[i].ids, data[i].targets);
      return {
        run: () => {
          step(next);
          next = (next + 1) % data.length;
        },
        output: () =>
          checkedLosses(
            () => step(0),
            () => tfjsLoss(model, data[0].ids, data[0].targets),
          ),
        dispose: () => {
          optimizer.dispose();
          model.dispose();
          tf.dispose(data.flatMap((b) => [b.ids, b.targets]));
        },
      };
    },
  };
  return contender;
}
