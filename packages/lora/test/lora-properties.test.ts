import { gradcheck, Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { AdamW, Embedding, GPT, type GPTConfig, Linear, Module } from '@typegrad/transformer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adapterNames,
  addWeightedAdapter,
  deleteAdapter,
  loraLayers,
  mergeAdapters,
  setActiveAdapters,
  trainableReport,
  unmergeAdapters,
  withAdaptersDisabled,
} from '../src/adapters.js';
import { applyLora } from '../src/apply.js';
import type { LoraConfig } from '../src/config.js';
import type { LoraInit, LowRankPair } from '../src/layers/adapter.js';
import { LoRAEmbedding } from '../src/layers/lora-embedding.js';
import { LoRALinear } from '../src/layers/lora-linear.js';

/** Seed of every property here: CI and local runs see the same cases. */
const SEED = 0x10a4;

// ---- helpers ----

type Layout = 'linear' | 'conv1d';

/** A Linear with a random (non-zero) bias, so bias handling is exercised. */
function makeLinear(
  inF: number,
  outF: number,
  layout: Layout,
  seed: number,
  dtype: T.DType = 'float32',
): Linear {
  const linear = new Linear(inF, outF, { generator: new T.Generator(seed), layout, dtype });
  linear.bias?.assign(T.randomNormal([outF], { seed: seed + 1, dtype }));
  return linear;
}

const qkvSlices = (width: number) =>
  ['q', 'k', 'v'].map((name, i) => ({ name, start: i * width, end: (i + 1) * width }));

/** The same numbers, element by element (=== on each value). */
function expectIdentical(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++)
    if (actual[i] !== expected[i]) throw new Error(`element ${i}: ${actual[i]} !== ${expected[i]}`);
}

/** The same bytes. */
function expectSameBits(actual: T.TypedArray, expected: T.TypedArray): void {
  const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = new Uint8Array(expected.buffer, expected.byteOffset, expected.byteLength);
  expect(Buffer.compare(a, b)).toBe(0);
}

function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  rtol = 1e-4,
): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++)
    if (!(Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i])))
      throw new Error(`element ${i}: ${actual[i]} vs ${expected[i]} (atol ${atol}, rtol ${rtol})`);
}

const maxAbs = (xs: ArrayLike<number>) => Array.from(xs).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Gives every B of adapter `name` random values, so the adapter is no longer a no-op. */
function randomizeB(layer: LoRALinear, name: string, seed: number): void {
  layer.getAdapter(name).pairs.forEach((p, i) => {
    p.B.assign(T.randomNormal(p.B.shape, { seed: seed + i, dtype: p.B.dtype, std: 0.5 }));
  });
}

/** W as row-major [out, in] float64, whatever the layout. */
function weightOutIn(layer: { weight: Tensor }, layout: Layout): Float64Array {
  const w = layout === 'linear' ? layer.weight.value : layer.weight.value.T;
  return Float64Array.from(w.dataSync());
}

/** y = x·W0ᵀ + b + Σ_pairs scaling·(x·Aᵀ)·Bᵀ on each pair's output slice, in float64. */
function referenceForward(
  x: T.NDArray,
  w0: Float64Array,
  bias: T.NDArray | null,
  pairs: readonly LowRankPair[],
  scaling: number,
): Float64Array {
  const inF = x.shape[x.shape.length - 1];
  const outF = w0.length / inF;
  const xs = x.dataSync();
  const b = bias?.dataSync();
  const rows = xs.length / inF;
  const y = new Float64Array(rows * outF);
  for (let n = 0; n < rows; n++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += xs[n * inF + i] * w0[o * inF + i];
      y[n * outF + o] = s;
    }
    for (const p of pairs) {
      const A = p.A.dataSync();
      const B = p.B.dataSync();
      const r = p.A.shape[0];
      for (let k = 0; k < r; k++) {
        let xa = 0;
        for (let i = 0; i < inF; i++) xa += xs[n * inF + i] * A[k * inF + i];
        for (let o = p.slice.start; o < p.slice.end; o++)
          y[n * outF + o] += scaling * xa * B[(o - p.slice.start) * r + k];
      }
    }
  }
  return y;
}

interface LayerCase {
  layout: Layout;
  init: 'kaiming' | 'gaussian';
  sliced: boolean;
  width: number;
  inF: number;
  r: number;
  alpha: number;
  rslora: boolean;
  dropout: number;
  lead: number[];
  seed: number;
}

const layerCase: fc.Arbitrary<LayerCase> = fc.record({
  layout: fc.constantFrom<Layout>('linear', 'conv1d'),
  init: fc.constantFrom<'kaiming' | 'gaussian'>('kaiming', 'gaussian'),
  sliced: fc.boolean(),
  width: fc.integer({ min: 1, max: 4 }),
  inF: fc.integer({ min: 1, max: 7 }),
  r: fc.integer({ min: 1, max: 4 }),
  alpha: fc.integer({ min: 1, max: 32 }),
  rslora: fc.boolean(),
  dropout: fc.constantFrom(0, 0.3),
  lead: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
  seed: fc.nat(1_000_000),
});

/** A LoRALinear over a fresh Linear ([3·width] outputs; adapter on q|v or on all outputs) and an input. */
function buildLayer(c: LayerCase, dtype: T.DType = 'float32', init: LoraInit = c.init) {
  const base = makeLinear(c.inF, 3 * c.width, c.layout, c.seed, dtype);
  const x = T.randomNormal([...c.lead, c.inF], { seed: c.seed + 7, dtype });
  const baseOutput = base.forward(new Tensor(x)).dataSync();
  const layer = new LoRALinear(
    base,
    c.sliced ? { slices: qkvSlices(c.width), seed: c.seed } : { seed: c.seed },
  );
  const options = { r: c.r, alpha: c.alpha, useRslora: c.rslora, dropout: c.dropout, init, seed: c.seed + 3 };
  const adapter = layer.addAdapter('default', options, c.sliced ? ['q', 'v'] : undefined);
  return { base, layer, adapter, x, baseOutput };
}

function checkProperty<V>(arb: fc.Arbitrary<V>, predicate: (v: V) => void, numRuns: number): void {
  fc.assert(
    fc.property(arb, (v) => {
      T.tidy(() => predicate(v));
    }),
    { seed: SEED, numRuns },
  );
}

/** For gradcheck: runs `fn` with each pair's A and B replaced by the given tensors, then restores them. */
function withPairTensors<R>(pairs: readonly LowRankPair[], values: readonly Tensor[], fn: () => R): R {
  const saved = pairs.map((p) => [p.A, p.B] as const);
  pairs.forEach((p, i) => {
    p.A = values[2 * i];
    p.B = values[2 * i + 1];
  });
  try {
    return fn();
  } finally {
    pairs.forEach((p, i) => {
      [p.A, p.B] = saved[i];
    });
  }
}

// ---- LoRALinear ----

describe('LoRALinear properties', () => {
  it('a fresh adapter is an exact no-op (kaiming and gaussian, both layouts, whole and q|v, dropout in training)', () => {
    checkProperty(
      layerCase,
      (c) => {
        const { layer, adapter, x, baseOutput } = buildLayer(c);
        expect(layer.training).toBe(true);
        expect(adapter.pairs.map((p) => p.slice.name)).toEqual(c.sliced ? ['q', 'v'] : ['all']);
        // the adapter is real: A is random, only B is zero
        expect(maxAbs(adapter.pairs[0].A.dataSync())).toBeGreaterThan(0);
        expectIdentical(layer.forward(x).dataSync(), baseOutput);
      },
      40,
    );
  });

  it('forward = x·(W0 + scaling·B·A)ᵀ + b, with scaling α/r or α/√r (rsLoRA)', () => {
    checkProperty(
      layerCase,
      (c) => {
        const { layer, adapter, x } = buildLayer({ ...c, dropout: 0 });
        expect(adapter.scaling).toBe(c.rslora ? c.alpha / Math.sqrt(c.r) : c.alpha / c.r);
        randomizeB(layer, 'default', c.seed);
        const w0 = weightOutIn(layer, c.layout);
        const expected = referenceForward(x, w0, layer.bias?.value ?? null, adapter.pairs, adapter.scaling);
        expectClose(layer.forward(x).dataSync(), expected, 1e-4 * (1 + maxAbs(expected)));
      },
      30,
    );
  });

  it('merged equals unmerged within float32 tolerance, and unmerge restores W0 bit for bit', () => {
    checkProperty(
      layerCase,
      (c) => {
        const { layer, x } = buildLayer({ ...c, dropout: 0 });
        randomizeB(layer, 'default', c.seed);
        const original = layer.weight.value;
        const w0 = original.dataSync();
        const unmerged = layer.forward(x).dataSync();
        layer.merge();
        expect(layer.merged).toBe(true);
        expect(maxAbs(T.sub(layer.weight.value, original).dataSync())).toBeGreaterThan(0);
        expectClose(layer.forward(x).dataSync(), unmerged, 1e-5 * (1 + maxAbs(unmerged)));
        layer.unmerge();
        expect(layer.weight.value).toBe(original);
        expectSameBits(layer.weight.value.dataSync(), w0);
        expectIdentical(layer.forward(x).dataSync(), unmerged);
      },
      30,
    );
  });

  it("loralib's merge-on-eval: eval() merges, train() unmerges to the exact W0", () => {
    const { layer, x } = buildLayer({ ...FIXED_CASE, dropout: 0 });
    randomizeB(layer, 'default', 1);
    const w0 = layer.weight.value.dataSync();
    const trained = layer.forward(x).dataSync();
    layer.mergeOnEval = true;
    layer.eval();
    expect(layer.merged).toBe(true);
    expectClose(layer.forward(x).dataSync(), trained, 1e-5);
    layer.train();
    expect(layer.merged).toBe(false);
    expectSameBits(layer.weight.value.dataSync(), w0);
  });

  it('dropout acts in training only: eval forwards agree with the dropout-free output', () => {
    checkProperty(
      layerCase,
      (c) => {
        const { layer, adapter, x } = buildLayer({ ...c, dropout: 0.5, inF: c.inF + 6 });
        randomizeB(layer, 'default', c.seed);
        const w0 = weightOutIn(layer, c.layout);
        const clean = referenceForward(x, w0, layer.bias?.value ?? null, adapter.pairs, adapter.scaling);
        const train1 = layer.forward(x).dataSync();
        const train2 = layer.forward(x).dataSync();
        expect(Array.from(train1)).not.toEqual(Array.from(train2));
        layer.eval();
        const eval1 = layer.forward(x).dataSync();
        expectIdentical(layer.forward(x).dataSync(), eval1);
        expectClose(eval1, clean, 1e-4 * (1 + maxAbs(clean)));
      },
      15,
    );
  });

  it('an adapter added while the layer is in eval mode starts with its dropout off', () => {
    const base = makeLinear(6, 6, 'linear', 5);
    const layer = new LoRALinear(base).eval();
    layer.addAdapter('late', { r: 2, alpha: 2, dropout: 0.5, seed: 1 });
    randomizeB(layer, 'late', 2);
    const x = T.randomNormal([4, 6], { seed: 3 });
    expectIdentical(layer.forward(x).dataSync(), layer.forward(x).dataSync());
  });

  it('gradcheck (float64) through LoRALinear: both layouts, q|v slices and whole', () => {
    checkProperty(
      layerCase,
      (c) => {
        const { layer, adapter, x } = buildLayer({ ...c, dropout: 0, lead: [2] }, 'float64');
        randomizeB(layer, 'default', c.seed);
        const pairs = adapter.pairs;
        const params = pairs.flatMap((p) => [p.A.value, p.B.value]);
        const result = gradcheck(
          (input, ...ab) => withPairTensors(pairs, ab, () => layer.forward(input)),
          [x, ...params],
        );
        expect(result.ok, JSON.stringify(result.worst)).toBe(true);
      },
      8,
    );
  });
});

const FIXED_CASE: LayerCase = {
  layout: 'conv1d',
  init: 'kaiming',
  sliced: true,
  width: 3,
  inF: 5,
  r: 2,
  alpha: 8,
  rslora: false,
  dropout: 0,
  lead: [2, 3],
  seed: 11,
};

// ---- PiSSA and DoRA ----

describe('init variants', () => {
  it('PiSSA: output unchanged at init, scaling·B·A is the rank-r truncation of each slice of W0', () => {
    checkProperty(
      layerCase.filter((c) => c.r <= Math.min(c.width, c.inF)),
      (c) => {
        const outF = 3 * c.width;
        // the same seed builds the same Linear: its weight is W0 before PiSSA
        const w0OutIn = T.fromTyped(weightOutIn(makeLinear(c.inF, outF, c.layout, c.seed), c.layout), [
          outF,
          c.inF,
        ]);
        const { layer, adapter, x, baseOutput } = buildLayer({ ...c, dropout: 0 }, 'float32', 'pissa');
        expectClose(layer.forward(x).dataSync(), baseOutput, 1e-5 * (1 + maxAbs(baseOutput)));
        for (const p of adapter.pairs) {
          const slice = w0OutIn.slice([p.slice.start, p.slice.end]);
          const { U, S, Vh } = T.linalg.svd(slice);
          const truncation = T.matmul(
            T.mul(U.slice(null, [0, c.r]), S.slice([0, c.r]).reshape([1, c.r])),
            Vh.slice([0, c.r]),
          );
          const principal = T.mul(
            T.matmul(T.cast(p.B.value, 'float64'), T.cast(p.A.value, 'float64')),
            adapter.scaling,
          );
          const scale = 1 + maxAbs(slice.dataSync());
          expectClose(principal.dataSync(), truncation.dataSync(), 1e-5 * scale);
          // W0 now holds the residual there: residual + principal = the original W0
          const residual = T.cast(
            T.tidy(() => {
              const w = layer.weightOutIn();
              return w.slice([p.slice.start, p.slice.end]).contiguous();
            }),
            'float64',
          );
          expectClose(T.add(residual, principal).dataSync(), slice.dataSync(), 1e-6 * scale);
        }
        // rows outside the adapted slices are untouched
        if (c.sliced) {
          const k = layer
            .weightOutIn()
            .slice([c.width, 2 * c.width])
            .contiguous();
          expectIdentical(k.dataSync(), T.cast(w0OutIn.slice([c.width, 2 * c.width]), 'float32').dataSync());
        }
      },
      25,
    );
  });

  it('PiSSA refuses a rank above min(out, in) of a slice', () => {
    const layer = new LoRALinear(makeLinear(4, 6, 'linear', 1), { slices: qkvSlices(2) });
    expect(() => layer.addAdapter('p', { r: 3, alpha: 3, init: 'pissa' }, ['q'])).toThrow(
      /rank 3 exceeds min/,
    );
  });

  it('DoRA: output equals the base output at init; merged equals unmerged after training-like changes', () => {
    for (const layout of ['linear', 'conv1d'] as const) {
      const base = makeLinear(6, 9, layout, 21);
      const x = T.randomNormal([3, 6], { seed: 22 });
      const baseOutput = base.forward(new Tensor(x)).dataSync();
      const layer = new LoRALinear(base);
      const adapter = layer.addAdapter('dora', { r: 2, alpha: 4, useDora: true, seed: 23 });
      expect(adapter.magnitude?.shape).toEqual([9]);
      expectClose(layer.forward(x).dataSync(), baseOutput, 1e-6);
      randomizeB(layer, 'dora', 24);
      adapter.magnitude?.assign(T.randomUniform([9], { seed: 25, low: 0.5, high: 2 }));
      const unmerged = layer.forward(x).dataSync();
      expect(maxAbs(T.sub(T.fromTyped(unmerged), T.fromTyped(baseOutput)).dataSync())).toBeGreaterThan(1e-3);
      layer.merge();
      expectClose(layer.forward(x).dataSync(), unmerged, 1e-5);
      layer.unmerge();
    }
    const fused = new LoRALinear(makeLinear(4, 6, 'linear', 1), { slices: qkvSlices(2) });
    expect(() => fused.addAdapter('d', { r: 1, alpha: 1, useDora: true }, ['q'])).toThrow(
      /DoRA needs one adapter/,
    );
  });
});

// ---- whole models ----

const TINY: GPTConfig = {
  vocab_size: 16,
  n_positions: 8,
  n_embd: 8,
  n_layer: 2,
  n_head: 2,
  resid_pdrop: 0,
  embd_pdrop: 0,
  attn_pdrop: 0,
};

const ids = () =>
  T.fromArray(
    [
      [1, 5, 9, 2, 7, 3],
      [4, 4, 0, 15, 8, 11],
    ],
    { dtype: 'int32' },
  );
const targets = () =>
  T.fromArray(
    [
      [5, 9, 2, 7, 3, 1],
      [4, 0, 15, 8, 11, 6],
    ],
    { dtype: 'int32' },
  );

const LORA_NAME = /\.lora_(A|B|magnitude|embedding_A|embedding_B)\./;
const isLoraName = (name: string) => LORA_NAME.test(`${name}.`);

function tinyGpt(dtype: T.DType = 'float32', seed = 1): GPT {
  return new GPT(TINY, { seed, dtype });
}

/** Every pair of every adapter of the model, in a fixed order. */
const allPairs = (model: Module) =>
  loraLayers(model).flatMap(([, l]) => [...l.adapters.values()].flatMap((a) => a.pairs));

describe('applyLora on a GPT', () => {
  const d = TINY.n_embd;
  const L = TINY.n_layer;
  const r = 3;
  const cases: [string, Partial<LoraConfig>, number][] = [
    ['q, v (2·L·d·r per matrix pair)', { targetModules: ['q', 'v'] }, 2 * (2 * L) * d * r],
    ['q, k, v', { targetModules: ['q', 'k', 'v'] }, 2 * (3 * L) * d * r],
    ['whole c_attn (PEFT): A [r, d] + B [3d, r]', { targetModules: ['c_attn'] }, L * (r * d + 3 * d * r)],
    ['o = attn.c_proj', { targetModules: ['o'] }, L * 2 * d * r],
    ['mlp.c_fc: A [r, d] + B [4d, r]', { targetModules: ['c_fc'] }, L * (r * d + 4 * d * r)],
    ['q, v in layer 1 only', { targetModules: ['q', 'v'], layersToTransform: [1] }, 2 * 2 * d * r],
    [
      'q, v with rank 5 in layer 1',
      { targetModules: ['q', 'v'], rankPattern: { 'h.1.attn.c_attn': 5 } },
      2 * 2 * d * r + 2 * 2 * d * 5,
    ],
    [
      'q, v and lora_only biases',
      { targetModules: ['q', 'v'], bias: 'lora_only' },
      2 * (2 * L) * d * r + L * 3 * d,
    ],
    [
      'c_attn regex and modulesToSave ln_f',
      { targetModules: /attn\.c_attn$/, modulesToSave: ['ln_f'] },
      L * 4 * d * r + 2 * d,
    ],
  ];
  for (const [title, config, expected] of cases) {
    it(`trainable count: ${title}`, () => {
      const model = tinyGpt();
      const total = model.numParameters();
      applyLora(model, { r, alpha: 2 * r, targetModules: [], ...config });
      const report = trainableReport(model);
      expect(report.trainable).toBe(expected);
      expect(model.trainableParameters().reduce((n, p) => n + p.size, 0)).toBe(expected);
      expect(report.total).toBe(total + loraCount(model));
      expect(report.text).toContain(`trainable params: ${expected.toLocaleString('en-US')}`);
    });
  }

  it("bias 'all' trains every bias, LayerNorm's included (as PEFT)", () => {
    const model = tinyGpt();
    const biases = [...model.namedParameters()]
      .filter(([n]) => n.endsWith('.bias'))
      .reduce((s, [, p]) => s + p.size, 0);
    applyLora(model, { r, alpha: r, targetModules: ['q', 'v'], bias: 'all' });
    expect(model.numParameters({ trainableOnly: true })).toBe(2 * (2 * L) * d * r + biases);
  });

  it('whole c_attn gets one pair over all outputs; q, v get one pair per slice', () => {
    const whole = tinyGpt();
    applyLora(whole, { r, alpha: r, targetModules: ['c_attn'] });
    const wholeNames = [...whole.namedParameters()].map(([n]) => n).filter(isLoraName);
    expect(wholeNames.slice(0, 2)).toEqual([
      'h.0.attn.c_attn.lora_A.default',
      'h.0.attn.c_attn.lora_B.default',
    ]);
    expect(allPairs(whole)[0].B.shape).toEqual([3 * d, r]);
    const sliced = tinyGpt();
    applyLora(sliced, { r, alpha: r, targetModules: ['q', 'v'] });
    const slicedNames = [...sliced.namedParameters()].map(([n]) => n).filter(isLoraName);
    expect(slicedNames.slice(0, 4)).toEqual([
      'h.0.attn.c_attn.lora_A.default.q',
      'h.0.attn.c_attn.lora_B.default.q',
      'h.0.attn.c_attn.lora_A.default.v',
      'h.0.attn.c_attn.lora_B.default.v',
    ]);
  });

  it('a fresh LoRA model gives the base logits exactly, for every init but PiSSA', () => {
    for (const init of ['kaiming', 'gaussian'] as const) {
      const model = tinyGpt();
      const before = model.forward(ids()).dataSync();
      applyLora(model, { r: 2, alpha: 4, targetModules: ['q', 'v', 'o', 'c_fc'], init, dropout: 0.2 });
      expectIdentical(model.forward(ids()).dataSync(), before);
    }
    const pissa = tinyGpt();
    const before = pissa.forward(ids()).dataSync();
    applyLora(pissa, { r: 2, alpha: 4, targetModules: ['q', 'v'], init: 'pissa' });
    expectClose(pissa.forward(ids()).dataSync(), before, 1e-5);
  });

  it('a target that matches nothing is an error that lists the module names', () => {
    const model = tinyGpt();
    expect(() => applyLora(model, { r: 2, alpha: 2, targetModules: ['q', 'q_proj'] })).toThrow(
      /target 'q_proj' matches no module\. Modules: .*h\.0\.attn\.c_attn.*h\.1\.mlp\.c_fc/,
    );
    expect(() => applyLora(model, { r: 2, alpha: 2, targetModules: /nothing/ })).toThrow(/match no module/);
  });

  it('training with AdamW: only LoRA parameters get gradients and state; base weights stay bit-identical', () => {
    const model = tinyGpt();
    applyLora(model, { r: 2, alpha: 4, targetModules: ['q', 'v'] });
    const frozen = [...model.namedParameters()].filter(([n]) => !isLoraName(n));
    const snapshot = new Map(frozen.map(([n, p]) => [n, p.value.dataSync()]));
    const trainable = model.trainableParameters();
    const trainableCount = trainable.reduce((n, p) => n + p.size, 0);
    expect(trainableCount).toBe(2 * (2 * L) * d * 2);
    expect(() => new AdamW(model.parameters(), { lr: 1e-2 })).toThrow(/does not require grad/);
    const optimizer = new AdamW(trainable, { lr: 1e-2, weightDecay: 0.1 });
    const losses: number[] = [];
    for (let step = 0; step < 4; step++) {
      optimizer.zeroGrad();
      const loss = model.loss(ids(), targets());
      losses.push(loss.item());
      loss.backward();
      for (const [name, p] of model.namedParameters()) {
        if (isLoraName(name)) expect(p.grad, name).not.toBeNull();
        else expect(p.grad, name).toBeNull();
      }
      optimizer.step();
    }
    expect(optimizer.stateBytes()).toBe(2 * 4 * trainableCount);
    for (const [name, p] of frozen) expectSameBits(p.value.dataSync(), snapshot.get(name)!);
    // the adapters did train: B left zero and the loss moved
    expect(maxAbs(allPairs(model)[0].B.dataSync())).toBeGreaterThan(0);
    expect(losses[3]).toBeLessThan(losses[0]);
  });

  it('gradcheck (float64) through a whole tiny GPT with LoRA on q, v and o', () => {
    const model = tinyGpt('float64', 3);
    applyLora(model, { r: 2, alpha: 4, targetModules: ['q', 'v', 'o'], rankPattern: { 'attn.c_proj': 1 } });
    for (const [, layer] of loraLayers(model)) randomizeB(layer, 'default', 5);
    const pairs = allPairs(model);
    expect(pairs.length).toBe(3 * TINY.n_layer);
    const result = gradcheck(
      (...ab) => withPairTensors(pairs, ab, () => model.loss(ids(), targets())),
      pairs.flatMap((p) => [p.A.value, p.B.value]),
    );
    expect(result.ok, JSON.stringify(result.worst)).toBe(true);
  });
});

describe('named adapters', () => {
  /** A tiny GPT with adapters 'a' (q, v), 'b' (q, v) and 'c' (q only), every B random. */
  function threeAdapters() {
    const model = tinyGpt();
    const base = model.forward(ids()).dataSync();
    applyLora(model, { r: 2, alpha: 4, targetModules: ['q', 'v'], seed: 1 }, 'a');
    applyLora(model, { r: 3, alpha: 3, targetModules: ['q', 'v'], seed: 2, useRslora: true }, 'b');
    applyLora(model, { r: 1, alpha: 2, targetModules: ['q'], seed: 3 }, 'c');
    for (const [, layer] of loraLayers(model))
      for (const name of ['a', 'b', 'c']) randomizeB(layer, name, 10);
    return { model, base };
  }
  const logits = (model: GPT) => model.forward(ids()).dataSync();

  it('setActiveAdapters switches, withAdaptersDisabled gives the base model, deleteAdapter removes', () => {
    const { model, base } = threeAdapters();
    expect(adapterNames(model)).toEqual(['a', 'b', 'c']);
    setActiveAdapters(model, 'a');
    const a = logits(model);
    setActiveAdapters(model, ['b']);
    const b = logits(model);
    expect(maxAbs(T.sub(T.fromTyped(a), T.fromTyped(b)).dataSync())).toBeGreaterThan(1e-4);
    expectIdentical(
      withAdaptersDisabled(model, () => logits(model)),
      base,
    );
    expectIdentical(logits(model), b); // enabled again afterwards
    expect(() =>
      withAdaptersDisabled(model, () => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expectIdentical(logits(model), b);
    setActiveAdapters(model, ['a', 'b']);
    const ab = logits(model);
    mergeAdapters(model);
    expectClose(logits(model), ab, 1e-5);
    unmergeAdapters(model);
    deleteAdapter(model, 'a');
    expect(adapterNames(model)).toEqual(['b', 'c']);
    expect([...model.namedParameters()].some(([n]) => n.includes('.a.') || n.endsWith('.a'))).toBe(false);
    expectIdentical(logits(model), b); // only b is left active
    expect(() => deleteAdapter(model, 'a')).toThrow(/no adapter 'a'/);
    expect(() => setActiveAdapters(model, 'a')).toThrow(/no adapter 'a' \(have: b, c\)/);
  });

  it("addWeightedAdapter's ΔW equals Σ wᵢ·ΔWᵢ (also where a source lacks a slice) and so do the logits", () => {
    const { model } = threeAdapters();
    const weights = [0.5, -2, 3];
    addWeightedAdapter(model, ['a', 'b', 'c'], weights, 'mix');
    for (const [, layer] of loraLayers(model)) {
      const expected = ['a', 'b', 'c'].reduce(
        (sum, name, i) => T.add(sum, layer.deltaWeight(name, weights[i])),
        T.zeros([layer.outFeatures, layer.inFeatures]),
      );
      expectClose(layer.deltaWeight('mix').dataSync(), expected.dataSync(), 1e-5);
      expect(layer.getAdapter('mix').options.r).toBe(2 + 3 + 1);
    }
    setActiveAdapters(model, 'mix');
    const mixed = logits(model);
    setActiveAdapters(model, ['a', 'b', 'c'], weights);
    expectClose(mixed, logits(model), 1e-5);
  });

  it('addWeightedAdapter refuses mixing a whole-layer adapter with per-slice ones', () => {
    const model = tinyGpt();
    applyLora(model, { r: 2, alpha: 2, targetModules: ['q'] }, 'sliced');
    applyLora(model, { r: 2, alpha: 2, targetModules: ['c_attn'] }, 'whole');
    expect(() => addWeightedAdapter(model, ['sliced', 'whole'], [1, 1], 'mix')).toThrow(
      /mix whole-layer and per-slice/,
    );
  });
});

describe('LoRAEmbedding', () => {
  it('starts as an exact no-op; merge/unmerge round-trips; withAdaptersDisabled turns it off', () => {
    const base = new Embedding(10, 6, { generator: new T.Generator(1) });
    const tokens = T.fromArray([[1, 3, 3, 9]], { dtype: 'int32' });
    const before = base.forward(tokens).dataSync();
    const layer = new LoRAEmbedding(base, { r: 2, alpha: 4, seed: 2 });
    expectIdentical(layer.forward(tokens).dataSync(), before);
    layer.A.assign(T.randomNormal([2, 10], { seed: 3 }));
    const adapted = layer.forward(tokens).dataSync();
    expect(maxAbs(T.sub(T.fromTyped(adapted), T.fromTyped(before)).dataSync())).toBeGreaterThan(1e-3);
    const holder = new Holder(layer);
    expectIdentical(
      withAdaptersDisabled(holder, () => layer.forward(tokens).dataSync()),
      before,
    );
    const w0 = layer.weight.value.dataSync();
    layer.merge();
    expectClose(layer.forward(tokens).dataSync(), adapted, 1e-5);
    layer.unmerge();
    expectSameBits(layer.weight.value.dataSync(), w0);
  });
});

/** A model made of one child module. */
class Holder extends Module {
  constructor(child: Module) {
    super();
    this.registerModule('child', child);
  }
}

/** Elements of LoRA parameters only (A, B, magnitudes). */
function loraCount(model: Module): number {
  return [...model.namedParameters()].filter(([n]) => isLoraName(n)).reduce((s, [, p]) => s + p.size, 0);
}
