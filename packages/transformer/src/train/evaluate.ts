import { noGrad } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { sequentialBatches } from '../data/batches.js';
import type { GPT } from '../gpt/gpt.js';

/** Mean next-token loss over the first `maxBatches` sequential windows of `tokens`, weighted by tokens. */
export function evaluateLoss(
  model: GPT,
  tokens: Int32Array,
  o: { batchSize: number; blockSize: number; maxBatches: number },
): number {
  const wasTraining = model.training;
  model.eval();
  let total = 0;
  let count = 0;
  try {
    for (const batch of sequentialBatches(tokens, o)) {
      const n = batch.x.size;
      total += T.tidy(() => noGrad(() => model.loss(batch.x, batch.y).item())) * n;
      count += n;
      batch.x.dispose();
      batch.y.dispose();
    }
  } finally {
    model.train(wasTraining);
  }
  return count === 0 ? Number.NaN : total / count;
}
