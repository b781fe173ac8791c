/**
 * The reference model's training step (forward + backward + AdamW) on a gpujs backend. The
 * model is built on cpu from the same seed as every other row and its parameters are moved to
 * the device; autograd and the optimizer run unchanged, with the gpujs backend as the default
 * backend during a step (arrays an op makes itself, such as positions, land there too). A step
 * ends with `await loss.data()`, so the device work of the step is counted.
 */
import { noGrad } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import type { AdamW, GPT } from '@typegrad/transformer';
import { type GpujsTarget, implOf, withDefaultBackend } from './gpujs-backends.js';
import { type CheckLedger, conformanceTolerance, withCpuReferenceKernels } from './gpujs-check.js';
import type { Contender } from './harness.js';
import { settleGarbage } from './memory-probe.js';
import {
  BATCH,
  CONTEXT,
  referenceModel,
  referenceOptimizer,
  type TokenBatch,
  typegradTrainStep,
} from './train-workload.js';

/** The batches as int32 arrays on `backend`. */
function batchesOn(
  batches: readonly TokenBatch[],
  backend: string,
): { ids: T.NDArray; targets: T.NDArray }[] {
  return batches.map((b) => ({
    ids: T.fromTyped(b.ids.slice(), [BATCH, CONTEXT], backend),
    targets: T.fromTyped(b.targets.slice(), [BATCH, CONTEXT], backend),
  }));
}

/** One step as typegradTrainStep does it, ending in a read-back of the loss instead of item(). */
async function deviceStep(
  backend: string,
  model: GPT,
  optimizer: AdamW,
  batch: { ids: T.NDArray; targets: T.NDArray },
): Promise<number> {
  const loss = withDefaultBackend(backend, () =>
    T.tidy(() => {
      optimizer.zeroGrad();
      const value = model.loss(batch.ids, batch.targets);
      value.backward();
      optimizer.step();
      return value.value;
    }),
  );
  try {
    return (await loss.data())[0];
  } finally {
    loss.dispose();
  }
}

/** The loss on `batch` without recording a graph, read back. */
async function deviceLoss(
  backend: string,
  model: GPT,
  batch: { ids: T.NDArray; targets: T.NDArray },
): Promise<number> {
  const loss = withDefaultBackend(backend, () =>
    T.tidy(() => noGrad(() => model.loss(batch.ids, batch.targets).value)),
  );
  try {
    return (await loss.data())[0];
  } finally {
    loss.dispose();
  }
}

/** Frees the device copies of a model's parameters and its optimizer's state. */
function disposeTraining(model: GPT, optimizer: AdamW): void {
  for (const x of Object.values(optimizer.stateDict().state)) x.dispose();
  for (const p of model.parameters()) p.dispose();
}

/**
 * The cross-check values of the cpu reference kernels: the loss of one step on batch 0 and the
 * loss after that update, computed once and shared by every gpujs row.
 */
function lazyCpuLosses(batches: readonly TokenBatch[]): () => Float32Array {
  let values: Float32Array | null = null;
  return () => {
    values ??= withCpuReferenceKernels(() => {
      const model = referenceModel(false);
      const optimizer = referenceOptimizer(model);
      const [batch] = batchesOn(batches.slice(0, 1), 'cpu');
      try {
        const first = typegradTrainStep(model, optimizer, batch.ids, batch.targets);
        const after = T.tidy(() => noGrad(() => model.loss(batch.ids, batch.targets).item()));
        return Float32Array.of(first, after);
      } finally {
        batch.ids.dispose();
        batch.targets.dispose();
        disposeTraining(model, optimizer);
      }
    });
    return values;
  };
}

/**
 * One training-step contender per loaded gpujs backend. The output checked before timing is
 * the same pair of losses as the other rows give; it must match the cpu reference kernels
 * within the conformance suite's `composite` tolerance of that backend.
 */
export function gpujsTrainContenders(
  targets: readonly GpujsTarget[],
  batches: readonly TokenBatch[],
  caseName: string,
  ledger: CheckLedger,
): Contender[] {
  const reference = lazyCpuLosses(batches);
  return targets.map((target) => ({
    impl: implOf(target),
    threads: target.threads,
    async: true,
    async prepare() {
      await settleGarbage(); // no row pays for the garbage of the row before it
      const model = referenceModel(false);
      for (const p of model.parameters()) p.assign(p.value.to(target.name));
      const optimizer = referenceOptimizer(model);
      const data = batchesOn(batches, target.name);
      let next = 0;
      return {
        async run() {
          await deviceStep(target.name, model, optimizer, data[next]);
          next = (next + 1) % data.length;
        },
        async output() {
          const first = await deviceStep(target.name, model, optimizer, data[0]);
          const got = Float32Array.of(first, await deviceLoss(target.name, model, data[0]));
          ledger.check(
            implOf(target),
            caseName,
            got,
            reference(),
            conformanceTolerance(target.name, { tol: 'composite' }),
          );
          return got;
        },
        dispose() {
          for (const b of data) {
            b.ids.dispose();
            b.targets.dispose();
          }
          disposeTraining(model, optimizer);
        },
      };
    },
  }));
}
