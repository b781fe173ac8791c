/**
 * An async training loop that gives the page back to the browser between steps, so the loss
 * curve repaints while the model trains. Reads each loss with `await data()`, which works on
 * every backend (gpu.js on WebGPU cannot read back synchronously).
 */
import type { Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { AdamW, type Batch, type GPT } from '@typegrad/transformer';

export interface TrainLoopOptions {
  steps: number;
  learningRate: number;
  /** Called after every step with its index and loss. */
  onStep(step: number, loss: number): void;
}

/** Runs `steps` AdamW steps on `parameters` over `batches`; returns the losses. */
export async function trainLoop(
  model: GPT,
  parameters: Tensor[],
  batches: Iterator<Batch>,
  options: TrainLoopOptions,
): Promise<number[]> {
  const optimizer = new AdamW(parameters, { lr: options.learningRate, weightDecay: 0 });
  const losses: number[] = [];
  for (let step = 0; step < options.steps; step++) {
    // Everything the step makes is freed when tidy returns, except the loss value it hands out.
    const lossValue = T.tidy(() => {
      const { x, y } = batches.next().value as Batch;
      const loss = model.loss(x, y);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.value;
    });
    const [loss] = await lossValue.data();
    lossValue.dispose();
    if (!Number.isFinite(loss)) throw new Error(`training step ${step}: the loss is ${loss}`);
    losses.push(loss);
    options.onStep(step, loss);
    await yieldToBrowser();
  }
  return losses;
}

/** Lets the browser handle input and paint before the next step. */
export function yieldToBrowser(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
