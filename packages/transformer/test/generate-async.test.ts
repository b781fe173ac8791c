import * as T from '@typegrad/tensor';
import { registerGpujsBackend } from '@typegrad/tensor/gpujs';
import { afterEach, describe, expect, it } from 'vitest';
import { GPT, generate, generateAsync } from '../src/index.js';

const CONFIG = { vocab_size: 23, n_positions: 12, n_embd: 16, n_layer: 2, n_head: 2 };
const PROMPT = [3, 1, 4, 1, 5];

describe('generateAsync', () => {
  afterEach(() => T.setDefaultBackend('cpu'));

  it('samples exactly what generate samples (cache or not, stop tokens, sliding window)', async () => {
    const model = new GPT(CONFIG, { seed: 7 });
    for (const options of [
      { maxNewTokens: 16, temperature: 0.9, topK: 5, seed: 3 }, // 21 tokens: the window slides past 12
      { maxNewTokens: 16, temperature: 0.9, seed: 3, useCache: false },
      { maxNewTokens: 10, temperature: 0 },
      { maxNewTokens: 16, temperature: 1.2, seed: 11, stopTokens: [2, 9] },
      { maxNewTokens: 0, temperature: 0 },
    ]) {
      const before = T.memory().arrays;
      const tokens = await generateAsync(model, PROMPT, options);
      expect(tokens).toEqual(generate(model, PROMPT, options));
      expect(T.memory().arrays).toBe(before); // caches and logits are freed
    }
  });

  it('refuses an empty prompt as generate does', async () => {
    const model = new GPT(CONFIG, { seed: 7 });
    await expect(generateAsync(model, [], { maxNewTokens: 2, temperature: 0 })).rejects.toThrow(
      /at least one token/,
    );
  });

  it('runs where logits can only be read asynchronously (gpujs:webgpu)', async (ctx) => {
    const webgpu = await registerGpujsBackend({ mode: 'webgpu' }).catch((err: Error) => err);
    if (webgpu instanceof Error) {
      ctx.skip();
      return;
    }
    const onCpu = generate(new GPT(CONFIG, { seed: 7 }), PROMPT, { maxNewTokens: 8, temperature: 0 });
    T.setDefaultBackend(webgpu.name);
    const model = new GPT(CONFIG, { seed: 7 }); // the same weights, made on the device
    expect(() => generate(model, PROMPT, { maxNewTokens: 2, temperature: 0 })).toThrow(
      /use await x\.data\(\)/,
    );
    // greedy decoding of the same weights: float32 rounding differs, the argmax of these logits does not
    expect(await generateAsync(model, PROMPT, { maxNewTokens: 8, temperature: 0 })).toEqual(onCpu);
  });
});
