/**
 * Text generation that reads logits with `await data()`, so it runs on every backend. The
 * library's `generate` reads them synchronously (dataSync), which gpu.js on WebGPU cannot do.
 * No key/value cache: the whole window (at most the context length) is recomputed each token,
 * which is cheap at this model size.
 */
import { noGrad } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { type GPT, sampleToken, type Tokenizer } from '@typegrad/transformer';

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
  const context = model.config.n_positions;
  const wasTraining = model.training;
  model.eval(); // no dropout while sampling
  try {
    for (let step = 0; step < options.maxNewTokens; step++) {
      const window = tokens.slice(-context);
      const lastLogits = noGrad(() =>
        T.tidy(() => {
          const ids = T.fromTyped(Int32Array.from(window), [1, window.length]);
          const logits = model.forward(ids).value; // [1, L, V]
          return logits.slice(null, window.length - 1); // [1, V], a view that keeps its storage alive
        }),
      );
      const values = await lastLogits.data();
      lastLogits.dispose();
      tokens.push(sampleToken(values, T.uniformAt(options.seed, step), options));
    }
  } finally {
    model.train(wasTraining);
  }
  return tokenizer.decode(tokens);
}
