/**
 * LoRA (r=4 on q and v, alpha 8) against full fine-tuning on the transformer issue's reference
 * model: training-step tokens/s (typegrad, and the same model in tfjs-wasm), optimizer-state
 * bytes, trainable parameters and peak training memory (typegrad), and the latency of a
 * [1, 64] forward pass for the base model and for the adapted model unmerged and merged.
 */
import './lib/detach-probe.js'; // first: must see every WebAssembly instantiation

import { noGrad } from '@typegrad/autograd';
import { mergeAdapters, trainableReport } from '@typegrad/lora';
import * as T from '@typegrad/tensor';
import type { GPT } from '@typegrad/transformer';
import type { BenchArgs } from './lib/cli.js';
import type { BenchCase, Contender, Row } from './lib/harness.js';
import { liveBytes, megabytes, settleGarbage } from './lib/memory-probe.js';
import type { SummaryLine } from './lib/report.js';
import { isMainModule, main, type Suite } from './lib/suite.js';
import {
  BATCH,
  CONTEXT,
  referenceModel,
  referenceOptimizer,
  TOKENS_PER_STEP,
  type TokenBatch,
  tfjsTrainContender,
  tokenBatches,
  typegradBatches,
  typegradTrainContender,
  typegradTrainStep,
  weightMapOf,
} from './lib/train-workload.js';
import { cpuOptionsAvailable, setTypegradCpuOptions } from './lib/typegrad-cpu.js';

const TRAIN_SHAPE = `${BATCH}x${CONTEXT}`;
const INFERENCE_SHAPE = `1x${CONTEXT}`;
const FULL = 'full fine-tuning';
const LORA = 'LoRA r=4 q,v';
/** Training steps the memory probe watches (quick: 1; the optimizer state is made in the first). */
const MEMORY_STEPS = { full: 2, quick: 1 };

/** What one training setting holds in memory (typegrad, 1 thread). */
interface TrainingMemory {
  trainable: number;
  total: number;
  optimizerStateBytes: number;
  /** Highest live bytes above the pre-model baseline, sampled after forward, backward and update. */
  peakBytes: number;
  /** Bytes of all parameters (float32). */
  weightBytes: number;
}

/**
 * Peak live memory of `steps` training steps, above a baseline taken before the model
 * exists: weights, gradients, optimizer state and the activations the graph keeps.
 */
function measureTrainingMemory(lora: boolean, batch: TokenBatch, steps: number): TrainingMemory {
  // The fast kernels keep large arrays in their WebAssembly memory, which process.memoryUsage()
  // sees only as the memory's size (it never shrinks); the reference kernels use plain typed
  // arrays of the same shapes, which it counts one by one.
  setTypegradCpuOptions({ threads: 1, fast: false });
  const [data] = typegradBatches([batch]);
  const baseline = liveBytes();
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, liveBytes() - baseline);
  };
  const model = referenceModel(lora);
  const optimizer = referenceOptimizer(model);
  for (let step = 0; step < steps; step++) {
    typegradTrainStep(model, optimizer, data.ids, data.targets, sample);
    sample();
  }
  const { trainable, total } = trainableReport(model);
  const result = {
    trainable,
    total,
    optimizerStateBytes: optimizer.stateBytes(),
    peakBytes: peak,
    weightBytes: 4 * total,
  };
  data.ids.dispose();
  data.targets.dispose();
  setTypegradCpuOptions({ threads: 1, fast: true });
  return result;
}

/** The LoRA model with small random B (a fresh B is zero, which would make merging a no-op). */
function adaptedModel(): GPT {
  const model = referenceModel(true);
  let seed = 100;
  for (const [name, p] of model.namedParameters()) {
    if (name.includes('.lora_B.'))
      p.assign(T.randomUniform([...p.shape], { seed: seed++, low: -0.05, high: 0.05 }));
  }
  return model.eval();
}

function logitsOf(model: GPT, ids: T.NDArray): Float32Array {
  return T.tidy(() => Float32Array.from(noGrad(() => model.forward(ids)).value.dataSync() as Float32Array));
}

/** A [1, 64] forward pass without gradients on a model `make` builds (in eval mode). */
function inferenceContender(make: () => GPT, ids: Int32Array): Contender {
  return {
    impl: 'typegrad:cpu',
    threads: 1,
    async prepare() {
      setTypegradCpuOptions({ threads: 1, fast: true });
      const model = make();
      await settleGarbage(); // the training rows leave much garbage; a 7 ms call must not pay for it
      const input = T.fromTyped(ids.slice(), [1, CONTEXT]);
      return {
        run: () => T.tidy(() => void noGrad(() => model.forward(input))),
        output: () => logitsOf(model, input),
        dispose: () => input.dispose(),
      };
    },
  };
}

/** Merged and unmerged adapters must give the same logits, or the latency comparison means nothing. */
function checkMergeAgrees(ids: Int32Array): void {
  const input = T.fromTyped(ids.slice(), [1, CONTEXT]);
  const unmerged = logitsOf(adaptedModel(), input);
  const mergedModel = adaptedModel();
  mergeAdapters(mergedModel);
  const merged = logitsOf(mergedModel, input);
  input.dispose();
  for (let i = 0; i < merged.length; i++) {
    if (!(Math.abs(merged[i] - unmerged[i]) <= 1e-4 + 1e-3 * Math.abs(unmerged[i]))) {
      throw new Error(
        `bench: merged LoRA logits differ from unmerged at ${i}: ${merged[i]} vs ${unmerged[i]}`,
      );
    }
  }
}

/** Filled by `cases`, read by `summarize` (memory is not a timed row). */
const memory: { full?: TrainingMemory; lora?: TrainingMemory } = {};

function ratioLine(
  check: string,
  shape: string,
  ratio: number | null,
  target: number,
): Omit<SummaryLine, 'suite'> {
  return { check, shape, ratio, target, pass: ratio === null ? null : ratio >= target };
}

export function summarizeLora(rows: readonly Row[]): Omit<SummaryLine, 'suite'>[] {
  const find = (impl: string, op: string, layout: string) =>
    rows.find((r) => r.impl === impl && r.op === op && r.layout === layout);
  const speedup = (impl: string) => {
    const full = find(impl, 'train step', FULL);
    const lora = find(impl, 'train step', LORA);
    return full && lora ? full.medianMs / lora.medianMs : null;
  };
  const base = find('typegrad:cpu', 'inference', 'base');
  const merged = find('typegrad:cpu', 'inference', `${LORA} merged`);
  const { full, lora } = memory;
  return [
    ratioLine(
      'tokens/s LoRA / full, typegrad:cpu 1t (paper: ~1.25 on GPT-3)',
      TRAIN_SHAPE,
      speedup('typegrad:cpu'),
      1.25,
    ),
    ratioLine(
      'tokens/s LoRA / full, tfjs-wasm 1t (issue: ~2.2 = 1400/630)',
      TRAIN_SHAPE,
      speedup('tfjs-wasm'),
      1.25,
    ),
    ratioLine(
      'peak training memory full / LoRA, typegrad (paper: ~3 on GPT-3)',
      TRAIN_SHAPE,
      full && lora ? full.peakBytes / lora.peakBytes : null,
      3,
    ),
    ratioLine(
      'optimizer state full / LoRA, typegrad',
      TRAIN_SHAPE,
      full && lora ? full.optimizerStateBytes / lora.optimizerStateBytes : null,
      3,
    ),
    ratioLine(
      'inference ms base / LoRA merged (paper: no added latency; within 10%)',
      INFERENCE_SHAPE,
      base && merged ? base.medianMs / merged.medianMs : null,
      0.9,
    ),
  ];
}

function memoryNote(label: string, m: TrainingMemory): string {
  return (
    `${label}: trainable ${m.trainable.toLocaleString('en-US')} of ${m.total.toLocaleString('en-US')} params ` +
    `(${((100 * m.trainable) / m.total).toFixed(2)}%), optimizer state ${m.optimizerStateBytes.toLocaleString('en-US')} B ` +
    `(${megabytes(m.optimizerStateBytes)}), peak training memory ${megabytes(m.peakBytes)} ` +
    `(weights ${megabytes(m.weightBytes)}, gradients ${megabytes(4 * m.trainable)}, optimizer state ${megabytes(m.optimizerStateBytes)}, ` +
    `activations and other step arrays ~${megabytes(m.peakBytes - m.weightBytes - 4 * m.trainable - m.optimizerStateBytes)})`
  );
}

export const suite: Suite = {
  name: 'lora',
  cases(args: BenchArgs, notes: string[]): BenchCase[] {
    if (!cpuOptionsAvailable) throw new Error('bench: lora needs setCpuOptions from @typegrad/tensor');
    const batches = tokenBatches();
    const memorySteps = args.quick ? MEMORY_STEPS.quick : MEMORY_STEPS.full;
    memory.full = measureTrainingMemory(false, batches[0], memorySteps);
    memory.lora = measureTrainingMemory(true, batches[0], memorySteps);
    const inferenceIds = batches[0].ids.slice(0, CONTEXT);
    checkMergeAgrees(inferenceIds);
    notes.push(
      memoryNote(FULL, memory.full),
      memoryNote(LORA, memory.lora),
      `peak training memory: the highest heapUsed + arrayBuffers (after two forced full GCs) above a baseline taken ` +
        `before the model was built, sampled after forward, backward and update over ${memorySteps} step(s), ` +
        'with the reference kernels (fast: false: every array a plain typed array that process.memoryUsage() counts; ' +
        'the fast kernels keep the same arrays inside their WebAssembly memory, which it sees only as a whole); ' +
        'it includes weights, gradients, optimizer state and every array the step made (the tidy scope keeps them to its end); ' +
        'sampled, not a count over live arrays',
      'train step: as in the train-step suite (batch 16 x 64, AdamW lr 1e-3; LoRA trains only the adapters, ' +
        'optimizer over model.trainableParameters()); tfjs-wasm: the same model and adapters in tfjs ops, ' +
        'gradients only for its trainable variables',
      'inference: one forward of [1, 64] ids under noGrad in eval mode, logits read back; the LoRA model has random ' +
        'nonzero B; merged = mergeAdapters (checked to give the same logits as unmerged)',
      "the issue's tfjs-wasm figures (1 thread): LoRA r=4 q,v about 1,400 tokens/s, full fine-tuning about 630; " +
        "the LoRA paper (GPT-3 175B): ~25% higher training throughput and 3x less VRAM; targets above are the paper's, not acceptance criteria",
    );
    if (args.shapes) notes.push('--shapes applies to matmul only');
    const fullWeights = weightMapOf(referenceModel(false));
    const loraWeights = weightMapOf(referenceModel(true));
    const trainCase = (layout: string, lora: boolean): BenchCase => ({
      op: 'train step',
      shape: TRAIN_SHAPE,
      layout,
      tokens: TOKENS_PER_STEP,
      tolerance: { rtol: 2e-3, atol: 1e-4 },
      contenders: [
        typegradTrainContender('typegrad:cpu', 1, lora, batches),
        tfjsTrainContender('wasm', lora, lora ? loraWeights : fullWeights, batches),
      ],
    });
    const inferenceCase = (layout: string, make: () => GPT): BenchCase => ({
      op: 'inference',
      shape: INFERENCE_SHAPE,
      layout,
      tolerance: { rtol: 1e-5, atol: 1e-6 },
      contenders: [inferenceContender(make, inferenceIds)],
    });
    return [
      trainCase(FULL, false),
      trainCase(LORA, true),
      inferenceCase('base', () => referenceModel(false).eval()),
      inferenceCase(`${LORA} unmerged`, adaptedModel),
      inferenceCase(`${LORA} merged`, () => {
        const model = adaptedModel();
        mergeAdapters(model);
        return model;
      }),
    ];
  },
  summarize: summarizeLora,
};

if (isMainModule(import.meta.url)) await main([suite]);
