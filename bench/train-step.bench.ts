/**
 * One training step (forward + backward + AdamW) of the transformer issue's reference model on a
 * batch of 16 x 64 tokens: typegrad at 1 and 2 threads against the same model written with
 * tfjs (bench/lib/tfjs-gpt.ts) on its cpu and wasm backends, all started from the same weights.
 * With `--backends` typegrad also runs the step on gpujs backends (lib/gpujs-train.ts).
 */
import './lib/detach-probe.js'; // first: must see every WebAssembly instantiation

import type { BenchArgs } from './lib/cli.js';
import { describeGpujsTargets, loadGpujsTargets } from './lib/gpujs-backends.js';
import { CheckLedger } from './lib/gpujs-check.js';
import { gpujsTrainContenders } from './lib/gpujs-train.js';
import type { BenchCase, Row } from './lib/harness.js';
import type { SummaryLine } from './lib/report.js';
import { isMainModule, main, type Suite } from './lib/suite.js';
import {
  BATCH,
  CONTEXT,
  REFERENCE,
  referenceModel,
  TOKENS_PER_STEP,
  tfjsTrainContender,
  tokenBatches,
  trainStepFlops,
  typegradTrainContender,
  weightMapOf,
} from './lib/train-workload.js';
import { cpuOptionsAvailable } from './lib/typegrad-cpu.js';

const SHAPE = `${BATCH}x${CONTEXT}`;
/** The target: typegrad at least 2x tfjs-wasm's tokens/s, one thread each. */
const TARGET_OVER_TFJS_WASM = 2;

export function summarizeTrainStep(rows: readonly Row[]): Omit<SummaryLine, 'suite'>[] {
  const ours = rows.find((r) => r.impl === 'typegrad:cpu' && r.threads === 1);
  const peer = rows.find((r) => r.impl === 'tfjs-wasm');
  const ratio = ours && peer ? peer.medianMs / ours.medianMs : null;
  return [
    {
      check: 'train step: tokens/s typegrad:cpu 1t / tfjs-wasm 1t',
      shape: SHAPE,
      ratio,
      target: TARGET_OVER_TFJS_WASM,
      pass: ratio === null ? null : ratio >= TARGET_OVER_TFJS_WASM,
    },
  ];
}

export const suite: Suite = {
  name: 'train-step',
  async cases(args: BenchArgs, notes: string[]): Promise<BenchCase[]> {
    if (!cpuOptionsAvailable) throw new Error('bench: train-step needs setCpuOptions from @typegrad/tensor');
    const gpujs = await loadGpujsTargets(args.backends, notes);
    const withCpu = args.backends.includes('cpu');
    const batches = tokenBatches();
    const weights = weightMapOf(referenceModel(false));
    const c = REFERENCE;
    notes.push(
      `model: vocab ${c.vocab_size}, context ${c.n_positions}, ${c.n_layer} layers, ${c.n_head} heads, ` +
        `d_model ${c.n_embd}, MLP ${c.n_inner}, no dropout; batch ${BATCH}; AdamW lr 1e-3, weight decay 0.01 on every parameter`,
      'one call = zeroGrad + forward + mean cross entropy + backward + AdamW update + reading the loss; ' +
        'batches cycle through 8 fixed random token batches (seeded)',
      'GFLOP/s counts 3x the forward matmul FLOPs (attention over all L x L scores): ' +
        `${(trainStepFlops() / 1e9).toFixed(2)} GFLOP a step`,
      "cross-check: every row starts from typegrad's initial weights and must agree on the loss of one step " +
        'and the loss after its update (rtol 2e-3)',
      'tfjs: the same model in tfjs ops (bench/lib/tfjs-gpt.ts), gradients by tf.variableGrads, the same AdamW; ' +
        'tfjs-wasm embeds tokens by a one-hot matmul (it has no gather gradient), tfjs-cpu by gather',
      "the issue's figures for this model: tfjs-cpu about 140 tokens/s, tfjs-wasm (1 thread) about 630; " +
        'target typegrad >= 2x tfjs-wasm on one core',
    );
    // tfjs-cpu takes 7-15 s a step: quick mode (a smoke test under a minute) leaves it out.
    if (args.quick) notes.push('quick mode: no tfjs-cpu row (7-15 s a step); run without --quick for it');
    if (args.shapes)
      notes.push('--shapes applies to matmul only; the training step ran on the reference model');
    if (gpujs.length > 0) {
      notes.push(
        ...describeGpujsTargets(gpujs),
        'gpujs rows: the same step with the model moved to the device (autograd and AdamW unchanged, the gpujs ' +
          'backend as default backend during the step); a call ends with await loss.data(), so all device work of the step is counted',
      );
    }
    return [
      {
        op: 'train step',
        shape: SHAPE,
        flops: trainStepFlops(),
        tokens: TOKENS_PER_STEP,
        tolerance: { rtol: 2e-3, atol: 1e-4 },
        contenders: [
          ...(withCpu
            ? [
                typegradTrainContender('typegrad:cpu', 1, false, batches),
                typegradTrainContender('typegrad:cpu', 2, false, batches),
              ]
            : []),
          ...gpujsTrainContenders(gpujs, batches, `train step ${SHAPE}`, new CheckLedger(notes)),
          ...(args.quick ? [] : [tfjsTrainContender('cpu', false, weights, batches)]),
          tfjsTrainContender('wasm', false, weights, batches),
        ],
      },
    ];
  },
  summarize: summarizeTrainStep,
};

if (isMainModule(import.meta.url)) await main([suite]);
