import { appendFileSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { randomBatches } from '../data/batches.js';
import { encodeCorpus, splitTrainVal } from '../data/corpus.js';
import { type GPTConfig, resolveConfig } from '../gpt/config.js';
import { GPT } from '../gpt/gpt.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from './checkpoint.js';
import { evaluateLoss } from './evaluate.js';
import { TrainingProgress } from './node-progress.js';
import { AdamW } from './optimizer.js';
import { type StepMetrics, Trainer } from './trainer.js';

export interface PretrainOptions {
  text: string;
  tokenizer: Tokenizer;
  model: Omit<GPTConfig, 'vocab_size'>;
  outDir: string;
  steps: number;
  batchSize: number;
  lr: number;
  warmupSteps?: number;
  weightDecay?: number;
  clipNorm?: number;
  seed?: number;
  valFraction?: number;
  evalEvery?: number;
  evalBatches?: number;
  checkpointEvery?: number;
  /** Continue the run saved in outDir. */
  resume?: boolean;
  /** Replace an existing run in outDir. */
  force?: boolean;
  /** Stop (and checkpoint) after this many seconds. */
  maxSeconds?: number;
  quiet?: boolean;
}

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/** Writes a small file atomically (temp file in the same folder, then rename). */
export function writeFileAtomic(path: string, content: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, content);
  renameSync(temp, path);
}

/**
 * Pretrains a GPT on a text corpus: a run folder with config.json, metrics.jsonl and an atomic
 * checkpoint; Ctrl-C (SIGINT) or the time budget stops after the current step and checkpoints;
 * `resume` continues to the identical state.
 */
export async function pretrain(
  o: PretrainOptions,
): Promise<{ model: GPT; last?: StepMetrics; valLoss: number; seconds: number }> {
  const checkpointPath = join(o.outDir, CHECKPOINT_FILE);
  if (existsSync(o.outDir) && readdirSync(o.outDir).length > 0 && !o.resume && !o.force) {
    throw new T.ArgumentError(
      `pretrain: ${o.outDir} already holds a run; resume it (--resume) or replace it (--force)`,
    );
  }
  if (o.resume && !existsSync(checkpointPath))
    throw new T.ArgumentError(`pretrain: nothing to resume: ${checkpointPath} does not exist`);
  mkdirSync(o.outDir, { recursive: true });
  const tokens = encodeCorpus(o.tokenizer, o.text);
  const { train, val } = splitTrainVal(tokens, o.valFraction ?? 0.1);
  const config = resolveConfig({ ...o.model, vocab_size: o.tokenizer.vocabSize });
  const seed = o.seed ?? 0;
  const model = new GPT(config, { seed });
  const optimizer = new AdamW(groupsForDecay(model), {
    lr: o.lr,
    weightDecay: o.weightDecay ?? 0.1,
    betas: [0.9, 0.95],
  });
  const blockSize = config.n_positions;
  const batches = randomBatches(train, { batchSize: o.batchSize, blockSize, seed });
  const evalOptions = { batchSize: o.batchSize, blockSize, maxBatches: o.evalBatches ?? 8 };
  const extra = {
    config,
    tokenizer: o.tokenizer.toJSON(),
    options: { ...o, text: undefined, tokenizer: undefined },
  };
  writeFileAtomic(join(o.outDir, 'config.json'), `${JSON.stringify(extra, null, 2)}\n`);
  const started = performance.now();
  let stopRequested = false;
  const onSignal = () => {
    stopRequested = true;
  };
  process.once('SIGINT', onSignal);
  const trainer = new Trainer({
    model,
    optimizer,
    schedule: {
      lr: o.lr,
      warmupSteps: o.warmupSteps ?? Math.min(100, Math.floor(o.steps / 10)),
      decay: 'cosine',
      minLrRatio: 0.1,
    },
    totalSteps: o.steps,
    batchAt: (step) => batches.batchAt(step),
    lossOf: (b) => model.loss(b.x, b.y),
    tokensPerBatch: o.batchSize * blockSize,
    clipNorm: o.clipNorm ?? 1,
    evaluate: () => evaluateLoss(model, val, evalOptions),
    evalEvery: o.evalEvery ?? 100,
    checkpointEvery: o.checkpointEvery ?? 100,
    saveCheckpoint: (state) => saveTrainingCheckpoint(checkpointPath, state, extra),
    generators: { model: model.generator },
    shouldStop: () =>
      stopRequested || (o.maxSeconds !== undefined && (performance.now() - started) / 1000 > o.maxSeconds),
  });
  if (o.resume) trainer.restore((await loadTrainingCheckpoint(checkpointPath)).state);
  const progress = o.quiet ? null : new TrainingProgress(o.steps, trainer.step, 'pretrain');
  const metricsPath = join(o.outDir, 'metrics.jsonl');
  trainer.options.onStep = (m) => {
    appendFileSync(metricsPath, `${JSON.stringify(m)}\n`);
    progress?.update(m);
  };
  let last: StepMetrics | undefined;
  try {
    last = await trainer.run();
  } finally {
    progress?.stop();
    process.removeListener('SIGINT', onSignal);
  }
  const valLoss = last?.valLoss ?? evaluateLoss(model, val, evalOptions);
  return { model, last, valLoss, seconds: (performance.now() - started) / 1000 };
}

/** AdamW groups as GPT-2 training does: no weight decay on biases, LayerNorm and embeddings' 1-D params. */
export function groupsForDecay(model: GPT) {
  const decay: Tensor[] = [];
  const noDecay: Tensor[] = [];
  for (const [, p] of model.namedParameters()) {
    if (!p.requiresGrad) continue;
    (p.shape.length >= 2 ? decay : noDecay).push(p);
  }
  return [{ params: decay }, { params: noDecay, weightDecay: 0 }];
}
