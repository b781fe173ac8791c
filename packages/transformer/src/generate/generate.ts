import { noGrad } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import type { LayerCache } from '../gpt/attention.js';
import type { GPT } from '../gpt/gpt.js';
import { type SamplingOptions, sampleToken } from './sample.js';

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Generation stops after emitting any of these (the stop token is included). */
  stopTokens?: readonly number[];
  seed?: number;
  /** Reuse keys/values of earlier positions (default true); false recomputes the whole window each step. */
  useCache?: boolean;
}

/** Logits of the last position of a forward pass, as a plain array. */
export function lastLogits(model: GPT, ids: T.NDArray, cache?: LayerCache[]): Float32Array | Float64Array {
  const before = (cache ?? []).flatMap((layer) => [layer.k, layer.v]);
  // The extended caches are part of tidy's result, so they outlive this step; the ones they replaced do not.
  const { logits } = T.tidy(() => {
    const all = model.forward(ids, { cache }); // [B, L, V]
    const last = all.value.slice(null, all.shape[1] - 1).dataSync() as Float32Array; // [B, V] flattened
    return { logits: last, caches: (cache ?? []).map((layer) => [layer.k?.value, layer.v?.value]) };
  });
  for (const old of before) old?.value.dispose();
  return logits;
}

/**
 * Autoregressive sampling (greedy when temperature is 0). Returns the new tokens only.
 * When the context fills up, the window slides and the cache is rebuilt from it.
 */
export function generate(model: GPT, prompt: readonly number[], options: GenerateOptions): number[] {
  const { maxNewTokens, stopTokens = [], seed = 0, useCache = true } = options;
  if (prompt.length === 0) throw new T.ArgumentError('generate: the prompt needs at least one token');
  const ctx = model.config.n_positions;
  const wasTraining = model.training;
  model.eval();
  const tokens = [...prompt];
  const out: number[] = [];
  try {
    noGrad(() => {
      let cache: LayerCache[] | undefined;
      let fed = 0; // tokens already in the cache
      for (let step = 0; step < maxNewTokens; step++) {
        if (!useCache || !cache || tokens.length > ctx) {
          disposeCache(cache);
          cache = useCache ? model.newCache() : undefined;
          fed = Math.max(0, tokens.length - ctx);
        }
        const window = tokens.slice(fed);
        const ids = T.fromTyped(Int32Array.from(window), [1, window.length]);
        const logits = lastLogits(model, ids, cache);
        ids.dispose();
        fed = useCache ? tokens.length : fed;
        const next = sampleToken(logits, T.uniformAt(seed, step), options);
        tokens.push(next);
        out.push(next);
        if (stopTokens.includes(next)) break;
      }
      disposeCache(cache);
    });
  } finally {
    model.train(wasTraining);
  }
  return out;
}

export function disposeCache(cache: LayerCache[] | undefined): void {
  for (const layer of cache ?? []) {
    layer.k?.value.dispose();
    layer.v?.value.dispose();
  }
}
