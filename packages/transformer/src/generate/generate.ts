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

/** The last position's logits of a forward pass, [B, V], left on the model's backend. */
function forwardLast(model: GPT, ids: T.NDArray, cache?: LayerCache[]): T.NDArray {
  const before = (cache ?? []).flatMap((layer) => [layer.k, layer.v]);
  // The extended caches are part of tidy's result, so they outlive this step; the ones they replaced do not.
  const { logits } = noGrad(() =>
    T.tidy(() => {
      const all = model.forward(ids, { cache }); // [B, L, V]
      return {
        logits: all.value.slice(null, all.shape[1] - 1), // [B, V], a view that keeps its storage alive
        caches: (cache ?? []).map((layer) => [layer.k?.value, layer.v?.value]),
      };
    }),
  );
  for (const old of before) old?.value.dispose();
  return logits;
}

/** Logits of the last position of a forward pass, as a plain array (a synchronous read). */
export function lastLogits(model: GPT, ids: T.NDArray, cache?: LayerCache[]): Float32Array | Float64Array {
  const logits = forwardLast(model, ids, cache);
  try {
    return logits.dataSync() as Float32Array | Float64Array; // [B, V] flattened
  } finally {
    logits.dispose();
  }
}

/**
 * The sampling loop of generate and generateAsync, a step at a time: `forward()` runs the next
 * step's forward pass and leaves its logits on the device, the caller reads them back (at once,
 * or awaiting the device), and `sample()` draws the next token from them.
 */
class Sampler {
  readonly tokens: number[];
  readonly out: number[] = [];
  private readonly wasTraining: boolean;
  private cache: LayerCache[] | undefined;
  private fed = 0; // tokens already in the cache
  private finished = false;

  constructor(
    private readonly model: GPT,
    prompt: readonly number[],
    private readonly options: GenerateOptions,
  ) {
    if (prompt.length === 0) throw new T.ArgumentError('generate: the prompt needs at least one token');
    this.tokens = [...prompt];
    this.wasTraining = model.training;
    model.eval();
  }

  /** The next step's logits ([1, V], to be disposed by the caller), or null when generation is over. */
  forward(): T.NDArray | null {
    const { maxNewTokens, useCache = true } = this.options;
    if (this.finished || this.out.length >= maxNewTokens) return null;
    const ctx = this.model.config.n_positions;
    if (!useCache || !this.cache || this.tokens.length > ctx) {
      disposeCache(this.cache);
      this.cache = useCache ? this.model.newCache() : undefined;
      this.fed = Math.max(0, this.tokens.length - ctx);
    }
    const window = this.tokens.slice(this.fed);
    const ids = T.fromTyped(Int32Array.from(window), [1, window.length]);
    try {
      return forwardLast(this.model, ids, this.cache);
    } finally {
      ids.dispose();
      this.fed = useCache ? this.tokens.length : this.fed;
    }
  }

  /** Draws the next token from the logits `forward()` gave, read back. */
  sample(logits: ArrayLike<number>): void {
    const next = sampleToken(logits, T.uniformAt(this.options.seed ?? 0, this.out.length), this.options);
    this.tokens.push(next);
    this.out.push(next);
    if (this.options.stopTokens?.includes(next)) this.finished = true;
  }

  close(): void {
    disposeCache(this.cache);
    this.cache = undefined;
    this.model.train(this.wasTraining);
  }
}

/**
 * Autoregressive sampling (greedy when temperature is 0). Returns the new tokens only.
 * When the context fills up, the window slides and the cache is rebuilt from it. Reads the
 * logits synchronously, so on a backend that cannot (gpu.js on WebGPU) use generateAsync.
 */
export function generate(model: GPT, prompt: readonly number[], options: GenerateOptions): number[] {
  const sampler = new Sampler(model, prompt, options);
  try {
    for (let logits = sampler.forward(); logits; logits = sampler.forward()) {
      try {
        sampler.sample(logits.dataSync());
      } finally {
        logits.dispose();
      }
    }
  } finally {
    sampler.close();
  }
  return sampler.out;
}

/** generate, reading each step's logits with `await data()`: runs on every backend, WebGPU included. */
export async function generateAsync(
  model: GPT,
  prompt: readonly number[],
  options: GenerateOptions,
): Promise<number[]> {
  const sampler = new Sampler(model, prompt, options);
  try {
    for (let logits = sampler.forward(); logits; logits = sampler.forward()) {
      try {
        sampler.sample(await logits.data());
      } finally {
        logits.dispose();
      }
    }
  } finally {
    sampler.close();
  }
  return sampler.out;
}

export function disposeCache(cache: LayerCache[] | undefined): void {
  for (const layer of cache ?? []) {
    layer.k?.value.dispose();
    layer.v?.value.dispose();
  }
}
