import { ArgumentError } from '@typegrad/tensor';
import type { Tokenizer } from '../tokenizers/tokenizer.js';

/** Encodes a whole corpus into the int32 token stream that batching reads. */
export function encodeCorpus(tokenizer: Tokenizer, text: string): Int32Array {
  return Int32Array.from(tokenizer.encode(text));
}

/**
 * Splits a token stream into a leading training part and a trailing validation part of
 * `round(n * valFraction)` tokens (nanoGPT's contiguous split: no window straddles the two).
 * Both are views of `tokens`, not copies.
 */
export function splitTrainVal(
  tokens: Int32Array,
  valFraction: number,
): { train: Int32Array; val: Int32Array } {
  if (!(valFraction >= 0 && valFraction < 1)) {
    throw new ArgumentError(`splitTrainVal: valFraction must be in [0, 1), got ${valFraction}`);
  }
  const valLength = Math.round(tokens.length * valFraction);
  const cut = tokens.length - valLength;
  return { train: tokens.subarray(0, cut), val: tokens.subarray(cut) };
}
