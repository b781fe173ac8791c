import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as T from '@typegrad/tensor';
import { loadSafetensors, openSafetensors, saveSafetensors } from '@typegrad/tensor/node';
import type { GPT } from '@typegrad/transformer';
import { loadGPT2 } from '@typegrad/transformer/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAdaptersDisabled } from '../src/adapters.js';
import { applyLora } from '../src/apply.js';
import { loadLoraStateDict, loraStateDict } from '../src/io/loralib.js';
import { loadAdapter, saveAdapter } from '../src/io/peft-node.js';
import type { LoRALinear } from '../src/layers/lora-linear.js';

/**
 * Adapter files against golden PEFT adapters (scripts/peft_golden.py: PEFT's LoRA math and key
 * names for GPT2LMHeadModel, in float64) for the tiny GPT-2 of the transformer parity test.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, 'fixtures');
const BASE = join(HERE, '../../transformer/test/fixtures/gpt2-tiny');
const RTOL = 1e-10;

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

/** The model parameter a PEFT key names, spelled out here independently of the loader. */
function parameterForPeftKey(model: GPT, key: string) {
  const name = key
    .replace(/^base_model\.model\.transformer\./, '')
    .replace(/\.lora_(A|B)\.weight$/, '.lora_$1.default')
    .replace(/\.lora_magnitude_vector$/, '.lora_magnitude.default');
  const p = new Map(model.namedParameters()).get(name);
  expect(p, `${key} -> ${name}`).toBeDefined();
  return p!;
}

function loraParameters(model: GPT) {
  return [...model.namedParameters()].filter(([n]) => /(^|\.)lora_/.test(n));
}

/** Makes every LoRA B non-zero, so the adapter changes the output. */
function randomizeB(model: GPT, seed: number): void {
  const g = new T.Generator(seed);
  for (const [name, p] of loraParameters(model)) {
    if (/lora_B/.test(name)) p.assign(T.randomNormal(p.shape, { std: 0.3, generator: g, dtype: p.dtype }));
  }
}

const base = () => loadGPT2(BASE, { dtype: 'float64' });

let work: string;
let ids: T.NDArray;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'typegrad-peft-'));
  ids = (await loadSafetensors(join(FIXTURES, 'peft-lora/golden.safetensors'))).tensors.get('ids')!;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('golden PEFT adapters load and give the golden outputs', () => {
  it.each([
    ['peft-lora', 6, true],
    ['peft-dora', 2, true],
    ['peft-embedding-bias', 3, false],
  ])('%s', async (fixture, modules, withGrads) => {
    const dir = join(FIXTURES, fixture);
    const golden = (await loadSafetensors(join(dir, 'golden.safetensors'))).tensors;
    const model = await base();
    const paths = await loadAdapter(dir, model);
    expect(paths.length).toBe(modules);
    const logits = model.forward(golden.get('ids')!);
    expect(relativeError(logits.value, golden.get('logits')!)).toBeLessThan(RTOL);
    if (fixture !== 'peft-embedding-bias') {
      // Disabling the adapter gives the base model back (biases and ln_f were not replaced here).
      const plain = withAdaptersDisabled(model, () => model.forward(golden.get('ids')!));
      expect(relativeError(plain.value, golden.get('base_logits')!)).toBeLessThan(RTOL);
    }
    if (!withGrads) return;
    const loss = model.loss(golden.get('ids')!, golden.get('targets')!);
    const expected = golden.get('loss')!.dataSync()[0];
    expect(Math.abs(loss.item() - expected) / expected).toBeLessThan(1e-12);
    loss.backward();
    const gradKeys = [...golden.keys()].filter((k) => k.startsWith('grad.'));
    expect(gradKeys.length).toBe(loraParameters(model).length);
    for (const k of gradKeys) {
      const p = parameterForPeftKey(model, k.slice(5));
      expect(relativeError(p.grad!.value, golden.get(k)!), k).toBeLessThan(RTOL);
    }
    for (const [name, p] of model.namedParameters()) {
      if (!/(^|\.)lora_/.test(name)) expect(p.grad, name).toBeNull(); // frozen: no gradient
    }
  });
});

describe('save → load', () => {
  it.each(['peft-lora', 'peft-dora', 'peft-embedding-bias'])(
    '%s: writes the keys and config PEFT wrote; loading it back gives identical outputs',
    async (fixture) => {
      const dir = join(FIXTURES, fixture);
      const model = await base();
      await loadAdapter(dir, model);
      const out = join(work, `resaved-${fixture}`);
      await saveAdapter(out, model, 'default', {
        baseModelNameOrPath: 'packages/transformer/test/fixtures/gpt2-tiny',
      });

      const theirs = await openSafetensors(join(dir, 'adapter_model.safetensors'));
      const ours = await openSafetensors(join(out, 'adapter_model.safetensors'));
      expect(ours.names().sort()).toEqual(theirs.names().sort());
      for (const name of ours.names()) expect(ours.info(name).shape).toEqual(theirs.info(name).shape);
      expect(ours.metadata).toEqual({ format: 'pt' });
      await theirs.close();
      await ours.close();
      const theirConfig = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
      const ourConfig = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
      const fields = [
        'peft_type',
        'task_type',
        'r',
        'lora_alpha',
        'target_modules',
        'layers_to_transform',
        'rank_pattern',
        'alpha_pattern',
        'fan_in_fan_out',
        'lora_dropout',
        'bias',
        'use_rslora',
        'use_dora',
        'init_lora_weights',
        'base_model_name_or_path',
        'modules_to_save',
      ];
      // PEFT keeps target_modules as a set: compare without order.
      const sorted = (c: Record<string, unknown>) =>
        Array.isArray(c.target_modules) ? { ...c, target_modules: [...c.target_modules].sort() } : c;
      for (const f of fields) expect(sorted(ourConfig)[f], f).toEqual(sorted(theirConfig)[f]);

      const again = await base();
      await loadAdapter(out, again);
      expect(again.forward(ids).value.dataSync()).toEqual(model.forward(ids).value.dataSync());
    },
  );

  it('an adapter made here is a file PEFT reads: exact keys, and its math checks out from the file alone', async () => {
    const model = await base();
    applyLora(model, { r: 4, alpha: 8, targetModules: ['c_attn', 'c_proj'] });
    randomizeB(model, 1);
    const out = join(work, 'made-here');
    await saveAdapter(out, model);
    const config = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 4,
      lora_alpha: 8,
      target_modules: ['c_attn', 'c_proj'],
      fan_in_fan_out: true,
      bias: 'none',
      use_dora: false,
      use_rslora: false,
      rank_pattern: {},
      alpha_pattern: {},
      modules_to_save: null,
      layers_to_transform: null,
    });
    const { tensors } = await loadSafetensors(join(out, 'adapter_model.safetensors'));
    const expectedKeys = [0, 1].flatMap((i) =>
      ['attn.c_attn', 'attn.c_proj', 'mlp.c_proj'].flatMap((m) =>
        ['lora_A', 'lora_B'].map((ab) => `base_model.model.transformer.h.${i}.${m}.${ab}.weight`),
      ),
    );
    expect([...tensors.keys()].sort()).toEqual(expectedKeys.sort());
    expect(tensors.get('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight')!.shape).toEqual([4, 24]);
    expect(tensors.get('base_model.model.transformer.h.0.attn.c_attn.lora_B.weight')!.shape).toEqual([72, 4]);
    expect(tensors.get('base_model.model.transformer.h.1.mlp.c_proj.lora_A.weight')!.shape).toEqual([4, 96]);

    // Fold W' = W + (alpha/r)·(B·A)ᵀ (Conv1D [in, out]) into a plain model, from the file's tensors.
    const merged = await base();
    const params = new Map(merged.namedParameters());
    for (const [key, A] of tensors) {
      if (!key.endsWith('lora_A.weight')) continue;
      const path = key.replace('base_model.model.transformer.', '').replace('.lora_A.weight', '');
      const B = tensors.get(key.replace('lora_A', 'lora_B'))!;
      const w = params.get(`${path}.weight`)!;
      w.assign(T.tidy(() => T.add(w.value, T.mul(T.matmul(B, A).T, 2))));
    }
    expect(relativeError(model.forward(ids).value, merged.forward(ids).value)).toBeLessThan(RTOL);
  });

  it('names modules by path when short names would pick more (and uses rank/alpha patterns)', async () => {
    const model = await base();
    applyLora(model, {
      r: 4,
      alpha: 8,
      targetModules: ['c_attn', 'attn.c_proj', 'c_fc'],
      rankPattern: { c_attn: 2 },
      alphaPattern: { c_attn: 16 },
    });
    randomizeB(model, 2);
    const out = join(work, 'paths');
    await saveAdapter(out, model);
    const config = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    expect(config.target_modules).toEqual(
      [0, 1].flatMap((i) => ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc'].map((m) => `h.${i}.${m}`)),
    );
    expect(config).toMatchObject({ r: 4, lora_alpha: 8 });
    expect(config.rank_pattern).toEqual({ c_attn: 2 });
    expect(config.alpha_pattern).toEqual({ c_attn: 16 });
    const again = await base();
    expect((await loadAdapter(out, again)).length).toBe(6);
    expect(again.forward(ids).value.dataSync()).toEqual(model.forward(ids).value.dataSync());
  });

  it('per-slice (q|v) adapters round-trip in loralib MergedLinear layout', async () => {
    const model = await base();
    applyLora(model, { r: 4, alpha: 8, targetModules: ['q', 'v', 'c_fc'] });
    randomizeB(model, 3);
    const out = join(work, 'slices');
    await saveAdapter(out, model);
    const config = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
    expect(config.typegrad_format).toBe('loralib_merged');
    expect(config.peft_type).toBeUndefined(); // PEFT must refuse it rather than misread it
    expect(config.modules['transformer.h.0.attn.c_attn']).toMatchObject({
      r: 4,
      lora_alpha: 8,
      enable_lora: [true, false, true],
    });
    expect(config.modules['transformer.h.1.mlp.c_fc']).toMatchObject({ r: 4, lora_alpha: 8 });
    const { tensors } = await loadSafetensors(join(out, 'adapter_model.safetensors'));
    const A = tensors.get('transformer.h.0.attn.c_attn.lora_A')!;
    const B = tensors.get('transformer.h.0.attn.c_attn.lora_B')!;
    expect(A.shape).toEqual([8, 24]); // [r·2, in]: A_q rows, then A_v rows
    expect(B.shape).toEqual([48, 4]); // [C·2, r]: B_q rows, then B_v rows
    const layer = model.getSubmodule('h.0.attn.c_attn') as LoRALinear;
    const [q, v] = layer.getAdapter('default').pairs;
    expect(Array.from(A.slice([0, 4]).contiguous().dataSync())).toEqual(Array.from(q.A.value.dataSync()));
    expect(Array.from(B.slice([24, 48]).contiguous().dataSync())).toEqual(Array.from(v.B.value.dataSync()));
    expect(tensors.get('transformer.h.1.mlp.c_fc.lora_A')!.shape).toEqual([4, 24]);

    const again = await base();
    await loadAdapter(out, again);
    const reloaded = again.getSubmodule('h.0.attn.c_attn') as LoRALinear;
    expect(reloaded.getAdapter('default').pairs.map((p) => p.slice.name)).toEqual(['q', 'v']);
    expect(again.forward(ids).value.dataSync()).toEqual(model.forward(ids).value.dataSync());
  });

  it('loraStateDict / loadLoraStateDict: loralib names, into a model with the same adapters', async () => {
    const model = await base();
    applyLora(model, { r: 2, alpha: 4, targetModules: ['q', 'v'], bias: 'lora_only' });
    randomizeB(model, 4);
    const dict = loraStateDict(model, { bias: 'lora_only' });
    expect([...dict.keys()].sort()).toEqual(
      [0, 1].flatMap((i) => ['lora_A', 'lora_B', 'bias'].map((k) => `h.${i}.attn.c_attn.${k}`)).sort(),
    );
    const other = await base();
    applyLora(other, { r: 2, alpha: 4, targetModules: ['q', 'v'], seed: 9 });
    loadLoraStateDict(other, dict);
    expect(other.forward(ids).value.dataSync()).toEqual(model.forward(ids).value.dataSync());
    const prefixed = new Map([...dict].map(([k, v]) => [`transformer.${k}`, v]));
    expect(() => loadLoraStateDict(other, prefixed)).not.toThrow();
    prefixed.set('h.0.attn.c_attn.lora_C', T.zeros([1]));
    expect(() => loadLoraStateDict(other, prefixed)).toThrow(/unknown keys: h\.0\.attn\.c_attn\.lora_C/);
    prefixed.delete('h.0.attn.c_attn.lora_C');
    prefixed.delete('transformer.h.1.attn.c_attn.lora_B');
    expect(() => loadLoraStateDict(other, prefixed)).toThrow(/missing keys: h\.1\.attn\.c_attn\.lora_B/);
  });
});

describe('adapter files that do not fit give clear errors, and leave the model unchanged', () => {
  /** A copy of the peft-lora fixture with its config and tensors changed. */
  async function variant(
    name: string,
    change: { config?: (c: Record<string, unknown>) => void; tensors?: (t: Map<string, T.NDArray>) => void },
  ): Promise<string> {
    const dir = join(work, name);
    cpSync(join(FIXTURES, 'peft-lora'), dir, { recursive: true });
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
    change.config?.(config);
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify(config));
    const { tensors } = await loadSafetensors(join(dir, 'adapter_model.safetensors'));
    change.tensors?.(tensors);
    await saveSafetensors(join(dir, 'adapter_model.safetensors'), tensors);
    return dir;
  }

  async function expectRefused(dir: string, message: RegExp, model?: GPT) {
    const m = model ?? (await base());
    await expect(loadAdapter(dir, m)).rejects.toThrow(message);
    expect(loraParameters(m)).toEqual([]);
  }

  it('a model of another shape', async () => {
    const dir = join(work, 'wide-model');
    cpSync(BASE, dir, { recursive: true });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, n_embd: 12 }));
    const { tensors } = await loadSafetensors(join(BASE, 'model.safetensors'));
    const small = new Map([...tensors].filter(([k]) => !/\.attn\.(bias|masked_bias)$/.test(k)));
    const shrunk = new Map(
      [...small].map(([k, v]) => {
        const shape = v.shape.map((d) => (d === 24 ? 12 : d === 72 ? 36 : d === 96 ? 48 : d));
        return [k, T.zeros(shape, { dtype: 'float64' })];
      }),
    );
    await saveSafetensors(join(dir, 'model.safetensors'), shrunk);
    const model = await loadGPT2(dir, { dtype: 'float64' });
    await expectRefused(
      join(FIXTURES, 'peft-lora'),
      /adapter_model\.safetensors: does not fit the model\. shape mismatches .*h\.0\.attn\.c_attn\.lora_A\.weight: the model needs \[4, 12\], the file has \[4, 24\]/,
      model,
    );
  });

  it('unknown keys', async () => {
    const dir = await variant('unknown-key', {
      tensors: (t) => t.set('base_model.model.transformer.h.0.attn.c_attn.lora_C.weight', T.zeros([4, 24])),
    });
    await expectRefused(
      dir,
      /unknown keys \(no such module or parameter in the model\): base_model\.model\.transformer\.h\.0\.attn\.c_attn\.lora_C\.weight/,
    );
  });

  it('missing tensors', async () => {
    const dir = await variant('missing-key', {
      tensors: (t) => t.delete('base_model.model.transformer.h.1.mlp.c_proj.lora_B.weight'),
    });
    await expectRefused(dir, /missing keys: h\.1\.mlp\.c_proj\.lora_B\.weight/);
  });

  it('a rank that does not match the tensors', async () => {
    const dir = await variant('rank', { config: (c) => Object.assign(c, { r: 8 }) });
    await expectRefused(dir, /the model needs \[8, 24\], the file has \[4, 24\]/);
  });

  it.each([
    [
      { target_modules: ['q_proj'] },
      /target_modules \["q_proj"\] match no module of the model\. Modules: transformer\.wte/,
    ],
    [{ peft_type: 'IA3' }, /peft_type "IA3" is not supported/],
    [{ init_lora_weights: 'pissa' }, /init_lora_weights "pissa" is not supported/],
    [{ r: 0 }, /r must be a positive integer, got 0/],
    [{ bias: 'some' }, /bias must be "none", "all" or "lora_only"/],
    [{ modules_to_save: ['lm_head'] }, /modules_to_save 'lm_head' matches no module/],
    [{ layer_replication: [[0, 1]] }, /layer_replication .* is not supported/],
  ])('config %j', async (change, message) => {
    const dir = await variant(`config-${Object.keys(change)[0]}`, {
      config: (c) => Object.assign(c, change),
    });
    await expectRefused(dir, message);
    await expectRefused(dir, /adapter_config\.json: /);
  });

  it('keys without the base_model.model. prefix', async () => {
    const dir = await variant('no-prefix', {
      tensors: (t) => {
        const k = 'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight';
        t.set('transformer.h.0.attn.c_attn.lora_A.weight', t.get(k)!);
        t.delete(k);
      },
    });
    await expectRefused(
      dir,
      /keys without PEFT's 'base_model\.model\.' prefix: transformer\.h\.0\.attn\.c_attn\.lora_A\.weight/,
    );
  });

  it('a missing folder, and an adapter name already in use', async () => {
    await expectRefused(join(work, 'nowhere'), /nowhere\/adapter_config\.json': no such file/);
    const model = await base();
    await loadAdapter(join(FIXTURES, 'peft-lora'), model);
    await expect(loadAdapter(join(FIXTURES, 'peft-dora'), model)).rejects.toThrow(
      /'h\.1\.attn\.c_attn' already has adapter 'default'/,
    );
    expect((await loadAdapter(join(FIXTURES, 'peft-dora'), model, 'second')).length).toBe(2);
  });

  it('saving an adapter the model does not have', async () => {
    const model = await base();
    await expect(saveAdapter(join(work, 'none'), model, 'default')).rejects.toThrow(/no adapter 'default'/);
  });
});
