import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '@typegrad/tensor';
import { loadSafetensors, openSafetensors, saveSafetensors } from '@typegrad/tensor/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, generateAsync } from '../src/generate/generate.js';
import { resolveConfig } from '../src/gpt/config.js';
import type { GPT } from '../src/gpt/gpt.js';
import { loadHFStateDict, parseGPT2Config, planHFLoad, toHFStateDict } from '../src/gpt/hf.js';
import { loadGPT2, saveGPT2 } from '../src/gpt/hf-node.js';

/**
 * Parity with an independent PyTorch GPT-2 (scripts/gpt2_golden.py, HF GPT2LMHeadModel math in
 * float64): logits, loss, every parameter gradient and greedy decoding; then the HF checkpoint
 * conventions (prefix, buffers, tied head, half precision) and the errors for bad folders.
 */

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const TINY = join(FIXTURES, 'gpt2-tiny');
const RTOL = 1e-10;

/** max|a - b| / max|b|: the error relative to the tensor's scale. */
function relativeError(actual: T.NDArray, expected: T.NDArray): number {
  expect(actual.shape).toEqual(expected.shape);
  const a = T.tidy(() => T.cast(actual, 'float64').dataSync());
  const b = T.tidy(() => T.cast(expected, 'float64').dataSync());
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

function ints(x: T.NDArray): number[] {
  return Array.from(x.dataSync(), Number);
}

let work: string;
let golden: Map<string, T.NDArray>;
let model: GPT;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'typegrad-gpt2-'));
  golden = (await loadSafetensors(join(TINY, 'golden.safetensors'))).tensors;
  model = await loadGPT2(TINY, { dtype: 'float64' });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the tiny fixture folder whose weights are `tensors` (and config `config`). */
async function folderWith(
  name: string,
  tensors: Map<string, T.NDArray>,
  config = readFileSync(join(TINY, 'config.json'), 'utf8'),
): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), config);
  await saveSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  return dir;
}

async function fixtureTensors(): Promise<Map<string, T.NDArray>> {
  return (await loadSafetensors(join(TINY, 'model.safetensors'))).tensors;
}

describe('GPT-2 parity with the PyTorch reference (float64)', () => {
  it('loads the fixture as float64 in eval mode', () => {
    expect(model.wte.weight.dtype).toBe('float64');
    expect(model.training).toBe(false);
    expect(model.config).toMatchObject({
      vocab_size: 53,
      n_positions: 16,
      n_embd: 24,
      n_layer: 2,
      n_head: 3,
    });
  });

  it('gives the golden logits', () => {
    const logits = model.forward(golden.get('ids')!);
    expect(relativeError(logits.value, golden.get('logits')!)).toBeLessThan(RTOL);
  });

  it('gives the golden loss and every parameter gradient', () => {
    for (const p of model.parameters()) p.zeroGrad();
    const loss = model.loss(golden.get('ids')!, golden.get('targets')!);
    const expected = golden.get('loss')!.dataSync()[0];
    expect(Math.abs(loss.item() - expected) / expected).toBeLessThan(1e-12);
    loss.backward();
    const names = [...model.namedParameters()].map(([n]) => n).sort();
    const goldenNames = [...golden.keys()]
      .filter((k) => k.startsWith('grad.'))
      .map((k) => k.slice(5))
      .sort();
    expect(names).toEqual(goldenNames);
    for (const [name, p] of model.namedParameters()) {
      expect(p.grad, name).not.toBeNull();
      const err = relativeError(p.grad!.value, golden.get(`grad.${name}`)!);
      expect(err, name).toBeLessThan(RTOL);
    }
  });

  it('decodes the golden tokens greedily, with and without the KV cache', () => {
    const prompt = ints(golden.get('greedy_prompt')!);
    const expected = ints(golden.get('greedy_tokens')!);
    expect(generate(model, prompt, { maxNewTokens: 8, temperature: 0 })).toEqual(expected);
    expect(generate(model, prompt, { maxNewTokens: 8, temperature: 0, useCache: false })).toEqual(expected);
  });

  it('decodes the same golden tokens with generateAsync', async () => {
    const prompt = ints(golden.get('greedy_prompt')!);
    const expected = ints(golden.get('greedy_tokens')!);
    expect(await generateAsync(model, prompt, { maxNewTokens: 8, temperature: 0 })).toEqual(expected);
  });

  it('loads as float32 by default, close to the float64 reference', async () => {
    const m32 = await loadGPT2(TINY);
    expect(m32.wte.weight.dtype).toBe('float32');
    expect(relativeError(m32.forward(golden.get('ids')!).value, golden.get('logits')!)).toBeLessThan(1e-5);
  });

  it.each([
    ['gpt2-half-f16', 'F16'],
    ['gpt2-half-bf16', 'BF16'],
  ])('%s: %s weights widen exactly (float64 logits of the rounded weights)', async (name, dtype) => {
    const dir = join(FIXTURES, name);
    const file = await openSafetensors(join(dir, 'model.safetensors'));
    expect(file.info('wte.weight').dtype).toBe(dtype);
    await file.close();
    const g = (await loadSafetensors(join(dir, 'golden.safetensors'))).tensors;
    const half64 = await loadGPT2(dir, { dtype: 'float64' });
    expect(relativeError(half64.forward(g.get('ids')!).value, g.get('logits')!)).toBeLessThan(RTOL);
    const half32 = await loadGPT2(dir);
    expect(half32.wte.weight.dtype).toBe('float32');
    expect(relativeError(half32.forward(g.get('ids')!).value, g.get('logits')!)).toBeLessThan(1e-5);
  });
});

describe('HuggingFace checkpoint conventions', () => {
  it('skips the attention buffers h.N.attn.bias / h.N.attn.masked_bias', async () => {
    const file = await openSafetensors(join(TINY, 'model.safetensors'));
    const entries = file.header.tensors.map((t) => ({ name: t.name, shape: t.shape }));
    await file.close();
    const expected = new Map([...model.namedParameters()].map(([n, p]) => [n, p.shape]));
    const plan = planHFLoad(expected, entries);
    expect(plan.ignored.sort()).toEqual([
      'h.0.attn.bias',
      'h.0.attn.masked_bias',
      'h.1.attn.bias',
      'h.1.attn.masked_bias',
    ]);
    expect(plan.load.size).toBe(expected.size);
  });

  it('loads names with the transformer. prefix and a tied lm_head.weight identically', async () => {
    const tensors = await fixtureTensors();
    const prefixed = new Map([...tensors].map(([k, v]) => [`transformer.${k}`, v]));
    prefixed.set('lm_head.weight', tensors.get('wte.weight')!);
    const dir = await folderWith('prefixed', prefixed);
    const m = await loadGPT2(dir, { dtype: 'float64' });
    const ids = golden.get('ids')!;
    expect(m.forward(ids).value.dataSync()).toEqual(model.forward(ids).value.dataSync());
  });

  it('refuses an lm_head.weight that differs from wte.weight', async () => {
    const tensors = await fixtureTensors();
    tensors.set('lm_head.weight', T.add(tensors.get('wte.weight')!, 1e-3));
    const dir = await folderWith('untied', tensors);
    await expect(loadGPT2(dir)).rejects.toThrow(
      /model\.safetensors: lm_head\.weight differs from wte\.weight/,
    );
  });

  it('refuses a tensor given both with and without the prefix', async () => {
    const tensors = await fixtureTensors();
    tensors.set('transformer.ln_f.bias', tensors.get('ln_f.bias')!);
    const dir = await folderWith('duplicate', tensors);
    await expect(loadGPT2(dir)).rejects.toThrow(/given twice.*ln_f\.bias and transformer\.ln_f\.bias/);
  });

  it('saveGPT2 writes GPT2LMHeadModel names and config.json; loading it back is exact', async () => {
    const dir = join(work, 'saved');
    await saveGPT2(dir, model);
    const file = await openSafetensors(join(dir, 'model.safetensors'));
    const names = file.names();
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.info('transformer.h.0.attn.c_attn.weight')).toMatchObject({ dtype: 'F64', shape: [24, 72] });
    await file.close();
    expect(names.every((n) => n.startsWith('transformer.'))).toBe(true);
    expect(names).not.toContain('lm_head.weight');
    expect(names.length).toBe([...model.namedParameters()].length);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_embd: 24 });
    expect(resolveConfig(parseGPT2Config(config))).toEqual(model.config);
    const back = await loadGPT2(dir, { dtype: 'float64' });
    const ids = golden.get('ids')!;
    expect(back.forward(ids).value.dataSync()).toEqual(model.forward(ids).value.dataSync());
  });

  it('loadHFStateDict and toHFStateDict map names in memory', async () => {
    const m = await loadGPT2(TINY);
    const dict = toHFStateDict(model, { prefix: '' });
    expect([...dict.keys()]).toContain('h.1.mlp.c_fc.weight');
    const plan = loadHFStateDict(m, dict);
    expect(plan.missing).toEqual([]);
    expect(m.wte.weight.dtype).toBe('float32'); // cast to the parameter's dtype
  });
});

describe('config.json parsing', () => {
  const base = { model_type: 'gpt2', vocab_size: 10, n_positions: 8, n_embd: 8, n_layer: 1, n_head: 2 };

  it('reads old configs (n_ctx) and gelu_pytorch_tanh', () => {
    const { n_positions, ...old } = base;
    expect(parseGPT2Config({ ...old, n_ctx: 8, activation_function: 'gelu_pytorch_tanh' })).toMatchObject({
      n_positions: 8,
      activation_function: 'gelu_new',
    });
  });

  it.each([
    [{ ...base, n_embd: 9 }, /n_embd \(9\) must be divisible by n_head \(2\)/],
    [{ ...base, n_positions: 0 }, /n_positions must be a positive integer, got 0/],
    [{ ...base, n_layer: '2' }, /n_layer must be a positive integer, got "2"/],
    [{ ...base, vocab_size: undefined }, /vocab_size must be a positive integer, got missing/],
    [{ ...base, model_type: 'llama' }, /model_type "llama" is not GPT-2/],
    [{ ...base, activation_function: 'relu' }, /activation_function "relu" is not supported/],
    [{ ...base, tie_word_embeddings: false }, /tie_word_embeddings is false/],
    [{ ...base, scale_attn_by_inverse_layer_idx: true }, /per-layer attention scaling/],
    [{ ...base, attn_pdrop: 1 }, /attn_pdrop must be a number in \[0, 1\)/],
    [{ ...base, layer_norm_epsilon: -1 }, /layer_norm_epsilon must be a positive number/],
    [[1, 2], /expected a JSON object/],
  ])('refuses %j', (json, message) => {
    expect(() => parseGPT2Config(json, 'my/config.json')).toThrow(message);
    expect(() => parseGPT2Config(json, 'my/config.json')).toThrow(/^my\/config\.json: /);
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseGPT2Config('{"n_embd": ', 'x/config.json')).toThrow(/x\/config\.json: not valid JSON/);
  });
});

describe('bad model folders give clear errors', () => {
  it('a missing folder or config.json names the file', async () => {
    await expect(loadGPT2(join(work, 'nowhere'))).rejects.toThrow(/nowhere\/config\.json': no such file/);
  });

  it('a missing model.safetensors names the file', async () => {
    const dir = join(work, 'no-weights');
    mkdirSync(dir);
    copyFileSync(join(TINY, 'config.json'), join(dir, 'config.json'));
    await expect(loadGPT2(dir)).rejects.toThrow(/no-weights\/model\.safetensors/);
  });

  it('a checkpoint whose shapes do not match the config lists them, with the config', async () => {
    const config = { ...JSON.parse(readFileSync(join(TINY, 'config.json'), 'utf8')), n_embd: 30 };
    const dir = await folderWith('bigger-config', await fixtureTensors(), JSON.stringify(config));
    const error = await loadGPT2(dir).catch((e: Error) => e);
    expect(error).toBeInstanceOf(T.ShapeError);
    expect((error as Error).message).toMatch(/bigger-config\/model\.safetensors: does not match the model/);
    expect((error as Error).message).toMatch(/n_embd=30/);
    expect((error as Error).message).toMatch(/wte\.weight: expected \[53, 30\], got \[53, 24\]/);
  });

  it('missing and unexpected tensors are listed; strict: false loads the rest', async () => {
    const tensors = await fixtureTensors();
    tensors.delete('h.1.ln_2.bias');
    tensors.set('h.0.attn.extra', T.zeros([2]));
    const dir = await folderWith('missing', tensors);
    await expect(loadGPT2(dir)).rejects.toThrow(
      /missing keys: h\.1\.ln_2\.bias\. unexpected keys: h\.0\.attn\.extra/,
    );
    const lenient = await loadGPT2(dir, { strict: false, dtype: 'float64' });
    expect(lenient.getSubmodule('h.0.ln_1').stateDict().get('weight')!.dataSync()).toEqual(
      tensors.get('h.0.ln_1.weight')!.dataSync(),
    );
  });

  it('a truncated (corrupt) model.safetensors names the file and the problem', async () => {
    const dir = join(work, 'corrupt');
    mkdirSync(dir);
    copyFileSync(join(TINY, 'config.json'), join(dir, 'config.json'));
    const bytes = readFileSync(join(TINY, 'model.safetensors'));
    writeFileSync(join(dir, 'model.safetensors'), bytes.subarray(0, bytes.length - 100));
    await expect(loadGPT2(dir)).rejects.toThrow(/corrupt\/model\.safetensors: .*(truncated|past the end)/);
  });

  it('a corrupt config.json names the file', async () => {
    const dir = join(work, 'bad-config');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), '{"vocab_size": 53,');
    await expect(loadGPT2(dir)).rejects.toThrow(/bad-config\/config\.json: not valid JSON/);
  });
});
