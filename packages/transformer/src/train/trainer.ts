import type { Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import type { Module } from '../nn/module.js';
import { clipGradNorm } from './clip.js';
import type { Optimizer } from './optimizer.js';
import { learningRateAt, type ScheduleOptions } from './schedule.js';

/** One line of training metrics (also what the JSONL log holds). */
export interface StepMetrics {
  step: number;
  loss: number;
  lr: number;
  gradNorm?: number;
  tokensPerSecond: number;
  elapsedSeconds: number;
  etaSeconds: number;
  valLoss?: number;
}

/** Everything a checkpoint holds to continue a run exactly where it stopped. */
export interface TrainingState {
  step: number;
  model: Map<string, T.NDArray>;
  optimizer: ReturnType<Optimizer['stateDict']>;
  /** Counters of generators (dropout masks) by name. */
  generators: Record<string, number>;
}

export interface TrainerOptions<B> {
  model: Module;
  optimizer: Optimizer;
  schedule: Omit<ScheduleOptions, 'totalSteps'>;
  totalSteps: number;
  /** Batch for a step: a pure function of the step, so a resumed run sees the same batches. */
  batchAt: (step: number, microStep: number) => B;
  /** Mean loss of one (micro-)batch. */
  lossOf: (batch: B) => Tensor;
  /** Tokens in one micro-batch (for tokens/s). */
  tokensPerBatch: number;
  gradientAccumulation?: number;
  /** Clip the global gradient norm to this. */
  clipNorm?: number;
  /** Validation loss, run every `evalEvery` steps and at the end. */
  evaluate?: () => number;
  evalEvery?: number;
  /** Persist state every `checkpointEvery` steps (and at the end). */
  checkpointEvery?: number;
  saveCheckpoint?: (state: TrainingState) => void | Promise<void>;
  /** Generators whose counters belong to the state (dropout), by name. */
  generators?: Record<string, T.Generator>;
  /** Called after every step (progress display, JSONL log). */
  onStep?: (metrics: StepMetrics) => void;
  /** Polled between steps; true stops the run after checkpointing. */
  shouldStop?: () => boolean;
}

/**
 * The training loop: schedule → forward/backward (with gradient accumulation) → clip → step,
 * with evaluation, checkpoints and a resumable state. Everything is synchronous and in-process;
 * file output is the caller's (see node.ts).
 */
export class Trainer<B> {
  step = 0;
  constructor(readonly options: TrainerOptions<B>) {}

  /** Restores a saved state; the next `run` continues with step `state.step`. */
  restore(state: TrainingState): void {
    this.options.model.loadStateDict(state.model, { strict: false });
    this.options.optimizer.loadStateDict(state.optimizer);
    for (const [name, counter] of Object.entries(state.generators)) {
      const g = this.options.generators?.[name];
      if (g) g.counter = counter;
    }
    this.step = state.step;
  }

  state(): TrainingState {
    const generators = Object.fromEntries(
      Object.entries(this.options.generators ?? {}).map(([k, g]) => [k, g.counter]),
    );
    const model = new Map(
      [...this.options.model.namedParameters()]
        .filter(([, p]) => p.requiresGrad)
        .map(([k, p]) => [k, p.value]),
    );
    return { step: this.step, model, optimizer: this.options.optimizer.stateDict(), generators };
  }

  /** Runs until `totalSteps` (or `shouldStop`); returns the metrics of the last step. */
  async run(): Promise<StepMetrics | undefined> {
    const o = this.options;
    const accumulation = o.gradientAccumulation ?? 1;
    const started = performance.now();
    const startStep = this.step;
    let last: StepMetrics | undefined;
    o.model.train();
    while (this.step < o.totalSteps) {
      const lr = learningRateAt(this.step, { ...o.schedule, totalSteps: o.totalSteps });
      o.optimizer.lr = lr;
      let loss = 0;
      let gradNorm: number | undefined;
      T.tidy(() => {
        o.optimizer.zeroGrad();
        for (let micro = 0; micro < accumulation; micro++) {
          const l = o.lossOf(o.batchAt(this.step, micro));
          // Each micro-batch contributes 1/accumulation of the mean gradient.
          (accumulation > 1 ? l.mul(1 / accumulation) : l).backward();
          loss += l.item() / accumulation;
        }
        if (o.clipNorm !== undefined) gradNorm = clipGradNorm(o.optimizer.params(), o.clipNorm);
        o.optimizer.step();
      });
      this.step++;
      const elapsed = (performance.now() - started) / 1000;
      const done = this.step - startStep;
      last = {
        step: this.step,
        loss,
        lr,
        gradNorm,
        tokensPerSecond: (done * accumulation * o.tokensPerBatch) / elapsed,
        elapsedSeconds: elapsed,
        etaSeconds: (elapsed / done) * (o.totalSteps - this.step),
      };
      const finished = this.step === o.totalSteps;
      if (o.evaluate && ((o.evalEvery && this.step % o.evalEvery === 0) || finished)) {
        o.model.eval();
        last.valLoss = o.evaluate();
        o.model.train();
      }
      o.onStep?.(last);
      const stop = o.shouldStop?.() ?? false;
      if (
        o.saveCheckpoint &&
        ((o.checkpointEvery && this.step % o.checkpointEvery === 0) || finished || stop)
      ) {
        await o.saveCheckpoint(this.state());
      }
      if (stop) break;
      // Let signal handlers and progress output run between steps.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
    return last;
  }
}
