import cliProgress from 'cli-progress';
import type { StepMetrics } from './trainer.js';

/** A terminal progress bar: steps, loss, validation loss, learning rate, tokens/s, ETA. */
export class TrainingProgress {
  private readonly bar: cliProgress.SingleBar;

  constructor(totalSteps: number, startStep: number, label = 'train') {
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label} {bar} {value}/{total} | loss {loss} | val {val} | lr {lr} | {tps} tok/s | ETA {eta_formatted}`,
        hideCursor: true,
        noTTYOutput: true,
        notTTYSchedule: 10_000,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(totalSteps, startStep, { loss: '-', val: '-', lr: '-', tps: '-' });
  }

  update(m: StepMetrics): void {
    this.bar.update(m.step, {
      loss: m.loss.toFixed(4),
      val: m.valLoss === undefined ? '-' : m.valLoss.toFixed(4),
      lr: m.lr.toExponential(2),
      tps: m.tokensPerSecond.toFixed(0),
    });
  }

  stop(): void {
    this.bar.stop();
  }
}
