import { noGrad } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { AdamW, beamSearch, GPT, type GPTConfig, type Tokenizer, Trainer } from '@typegrad/transformer';
import { loraLayers } from '../adapters.js';
import { applyLora } from '../apply.js';
import type { ExperimentConfig } from './config.js';
import type { E2EInstance } from './e2e/dataset.js';
import { scoreE2E } from './e2e/metrics/score.js';
import { defaultMarkers, normalizeReference, promptIds } from './e2e/prompt.js';
import { batchIndicesAt, type EncodedExample, lossTokens, paddedBatch } from './e2e-batches.js';
import type { RunResult, RunSpec } from './results.js';

export interface FinetuneContext {
  config: ExperimentConfig;
  baseConfig: GPTConfig;
  baseState: Map<string, T.NDArray>;
  tokenizer: Tokenizer;
  train: EncodedExample[];
  dev: EncodedExample[];
  test: E2EInstance[];
  onStep?: (step: number, total: number, loss: number) => void;
}

/** A fresh copy of the base model, set up for `spec` (everything outside the method frozen). */
export function prepareModel(spec: RunSpec, ctx: FinetuneContext): GPT {
  const model = new GPT(ctx.baseConfig, { seed: spec.seed });
  model.loadStateDict(ctx.baseState);
  const ft = ctx.config.finetune;
  if (spec.method === 'lora') {
    applyLora(model, {
      r: spec.r!,
      alpha: ft.alphaOverR * spec.r!,
      dropout: ft.dropout,
      targetModules: spec.targets!,
      seed: spec.seed,
    });
  } else if (spec.method === 'bias') {
    model.requiresGrad(false);
    for (const [name, p] of model.namedParameters()) if (name.endsWith('.bias')) p.requiresGrad = true;
  } else if (spec.method === 'frozen') {
    model.requiresGrad(false);
  }
  return model;
}

/** Token-weighted mean loss over examples (no gradients). */
export function exampleLoss(model: GPT, examples: readonly EncodedExample[], batchSize: number): number {
  let total = 0;
  let count = 0;
  model.eval();
  for (let start = 0; start < examples.length; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, examples.length - start) }, (_, i) => start + i);
    const n = indices.reduce((s, i) => s + lossTokens(examples[i].target), 0);
    total +=
      T.tidy(() =>
        noGrad(() => {
          const { x, y } = paddedBatch(examples, indices);
          return model.loss(x, y, { ignoreIndex: -100 }).item();
        }),
      ) * n;
    count += n;
  }
  model.train();
  return count ? total / count : Number.NaN;
}

/** Room left for the answer when a prompt has to be cut to fit the context. */
const MIN_ANSWER_TOKENS = 32;

/** Beam-search outputs for test MRs, scored with the E2E metrics. */
export function generateAndScore(model: GPT, ctx: FinetuneContext): Pick<RunResult, 'scores' | 'samples'> {
  const e = ctx.config.eval;
  const markers = defaultMarkers(ctx.tokenizer);
  const room = ctx.baseConfig.n_positions;
  const hypotheses: string[] = [];
  const instances = ctx.test.slice(0, e.testMRs);
  for (const inst of instances) {
    // A prompt too long for the context keeps its end (the separator the model answers after),
    // so every test MR still gets a hypothesis and the reference sets stay aligned.
    const fullPrompt = promptIds(inst.mr, ctx.tokenizer, markers);
    const keep = Math.max(1, room - Math.min(e.maxNewTokens, MIN_ANSWER_TOKENS));
    const prompt = fullPrompt.length > keep ? fullPrompt.slice(fullPrompt.length - keep) : fullPrompt;
    const maxNewTokens = Math.max(1, Math.min(e.maxNewTokens, room - prompt.length));
    const out = beamSearch(model, prompt, {
      numBeams: e.numBeams,
      maxNewTokens,
      lengthPenalty: e.lengthPenalty,
      noRepeatNgramSize: e.noRepeatNgramSize,
      stopTokens: markers.eosIds,
    });
    const tokens = out.filter((t) => !markers.eosIds.includes(t));
    hypotheses.push(normalizeReference(ctx.tokenizer.decode(tokens)));
  }
  const references = instances.map((i) => i.refs.map(normalizeReference));
  const scores = scoreE2E(hypotheses, references);
  const samples = instances
    .slice(0, 3)
    .map((inst, k) => ({ mr: inst.mr, hypothesis: hypotheses[k], references: references[k].slice(0, 2) }));
  return { scores, samples };
}

/**
 * One fine-tuning run: the same step budget, batches and schedule for every method, so the
 * tables compare placements and ranks, not training budgets.
 */
export async function finetune(
  spec: RunSpec,
  ctx: FinetuneContext,
): Promise<{ result: RunResult; model: GPT }> {
  const ft = ctx.config.finetune;
  const model = prepareModel(spec, ctx);
  const trainable = model.trainableParameters();
  const lossCurve: { step: number; loss: number }[] = [];
  let optimizerStateBytes = 0;
  const started = performance.now();
  let tokens = 0;
  let finalTrainLoss = Number.NaN;
  if (trainable.length > 0) {
    const optimizer = new AdamW(trainable, {
      lr: spec.method === 'full' ? ft.fullLr : ft.lr,
      weightDecay: ft.weightDecay,
    });
    const batchSeed = ctx.config.seed * 7919 + 17; // same batches for every run
    const trainer = new Trainer({
      model,
      optimizer,
      schedule: { lr: optimizer.lr, warmupSteps: Math.max(1, Math.floor(ft.steps / 10)), decay: 'linear' },
      totalSteps: ft.steps,
      batchAt: (step) =>
        paddedBatch(ctx.train, batchIndicesAt(batchSeed, step, ft.batchSize, ctx.train.length)),
      lossOf: (b) => {
        tokens += b.x.size;
        return model.loss(b.x, b.y, { ignoreIndex: -100 });
      },
      tokensPerBatch: ft.batchSize,
      clipNorm: 1,
      generators: { model: model.generator },
      onStep: (m) => {
        lossCurve.push({ step: m.step, loss: m.loss });
        finalTrainLoss = m.loss;
        ctx.onStep?.(m.step, ft.steps, m.loss);
      },
    });
    await trainer.run();
    optimizerStateBytes = optimizer.stateBytes();
  }
  const seconds = (performance.now() - started) / 1000;
  const valLoss = exampleLoss(model, ctx.dev, ft.batchSize);
  const { scores, samples } = generateAndScore(model, ctx);
  const result: RunResult = {
    ...spec,
    trainableParams: model.numParameters({ trainableOnly: true }),
    totalParams: model.numParameters(),
    optimizerStateBytes,
    steps: trainable.length > 0 ? ft.steps : 0,
    seconds,
    tokensPerSecond: seconds > 0 ? tokens / seconds : 0,
    finalTrainLoss,
    valLoss,
    scores,
    lossCurve,
    samples,
  };
  return { result, model };
}

/** The adapters of a LoRA run as plain arrays: per layer path and slice, A [r, in] and B [out, r]. */
export function adapterArrays(model: GPT): Map<string, { A: T.NDArray; B: T.NDArray; scaling: number }> {
  const out = new Map<string, { A: T.NDArray; B: T.NDArray; scaling: number }>();
  for (const [path, layer] of loraLayers(model)) {
    for (const adapter of layer.adapters.values()) {
      for (const p of adapter.pairs)
        out.set(`${path}.${p.slice.name}`, { A: p.A.value, B: p.B.value, scaling: adapter.scaling });
    }
  }
  return out;
}
