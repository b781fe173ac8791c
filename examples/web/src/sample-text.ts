/**
 * Text generation for the page: the library's generateAsync, which reads each step's logits
 * with `await data()` and so runs on every backend (gpu.js on WebGPU cannot read synchronously),
 * with its key/value cache.
 */
import { type GPT, generateAsync, type Tokenizer } from '@typegrad/transformer';

export interface SampleOptions {
  maxNewTokens: number;
  /** 0 is greedy. */
  temperature: number;
  topK: number;
  /** Seed of the uniform draws, so the same model gives the same text. */
  seed: number;
}

/** Continues `prompt` by up to `maxNewTokens` tokens; returns prompt and continuation decoded. */
export async function sampleText(
  model: GPT,
  tokenizer: Tokenizer,
  prompt: string,
  options: SampleOptions,
): Promise<string> {
  const tokens = tokenizer.encode(prompt);
  const continuation = await generateAsync(model, tokens, options);
  return tokenizer.decode([...tokens, ...continuation]);
}
