import * as T from '@typegrad/tensor';
import { buildTrainingExample, type TextEncoderLike } from './e2e/prompt.js';

/** One training sequence: inputs and next-token targets, -100 where no loss is taken (prompt). */
export interface EncodedExample {
  input: Int32Array;
  target: Int32Array;
}

export const IGNORE = -100;

/**
 * Tokenises (MR, reference) pairs as `prompt sep reference eos` with the loss on the reference
 * only; examples longer than `maxLength` + 1 tokens are dropped (and counted).
 */
export function encodeExamples(
  pairs: readonly { mr: string; ref: string }[],
  tokenizer: TextEncoderLike,
  maxLength: number,
): { examples: EncodedExample[]; dropped: number } {
  const examples: EncodedExample[] = [];
  let dropped = 0;
  for (const { mr, ref } of pairs) {
    const ex = buildTrainingExample(mr, ref, tokenizer);
    if (ex.ids.length - 1 > maxLength) {
      dropped++;
      continue;
    }
    const n = ex.ids.length - 1;
    const input = Int32Array.from(ex.ids.slice(0, n));
    const target = Int32Array.from(ex.ids.slice(1), (id, i) => (ex.lossMask[i + 1] ? id : IGNORE));
    examples.push({ input, target });
  }
  return { examples, dropped };
}

/** Right-pads a batch to its longest example: inputs with 0, targets with IGNORE (causal attention never looks right). */
export function paddedBatch(
  examples: readonly EncodedExample[],
  indices: readonly number[],
): { x: T.NDArray; y: T.NDArray } {
  const L = Math.max(...indices.map((i) => examples[i].input.length));
  const x = new Int32Array(indices.length * L);
  const y = new Int32Array(indices.length * L).fill(IGNORE);
  indices.forEach((i, row) => {
    x.set(examples[i].input, row * L);
    y.set(examples[i].target, row * L);
  });
  return { x: T.fromTyped(x, [indices.length, L]), y: T.fromTyped(y, [indices.length, L]) };
}

/** Example indices of training step `step`: a pure function of (seed, step). */
export function batchIndicesAt(seed: number, step: number, batchSize: number, count: number): number[] {
  return Array.from({ length: batchSize }, (_, b) =>
    Math.floor(T.uniformAt(seed, step * batchSize + b) * count),
  );
}

/** Number of loss-carrying tokens in a target array. */
export function lossTokens(target: Int32Array): number {
  let n = 0;
  for (const t of target) if (t !== IGNORE) n++;
  return n;
}
