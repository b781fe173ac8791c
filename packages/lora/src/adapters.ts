import * as T from '@typegrad/tensor';
import type { Module } from '@typegrad/transformer';
import type { Adapter } from './layers/adapter.js';
import { LoRAEmbedding } from './layers/lora-embedding.js';
import { LoRALinear } from './layers/lora-linear.js';

/** Every LoRA layer of a model with its path. */
export function loraLayers(model: Module): [string, LoRALinear][] {
  return [...model.namedModules()].filter((e): e is [string, LoRALinear] => e[1] instanceof LoRALinear);
}

function mergeable(model: Module): (LoRALinear | LoRAEmbedding)[] {
  return [...model.namedModules()]
    .map(([, m]) => m)
    .filter((m) => m instanceof LoRALinear || m instanceof LoRAEmbedding);
}

/** Names of the adapters present on any layer. */
export function adapterNames(model: Module): string[] {
  return [...new Set(loraLayers(model).flatMap(([, l]) => [...l.adapters.keys()]))];
}

/** Activates adapters on every layer that has them (optionally mixed with weights). */
export function setActiveAdapters(
  model: Module,
  names: string | readonly string[],
  weights?: readonly number[],
): void {
  const list = typeof names === 'string' ? [names] : names;
  const known = adapterNames(model);
  for (const n of list)
    if (!known.includes(n))
      throw new T.ArgumentError(`setActiveAdapters: no adapter '${n}' (have: ${known.join(', ') || 'none'})`);
  for (const [, layer] of loraLayers(model)) {
    const here = list.map((n, i) => [n, weights?.[i] ?? 1] as const).filter(([n]) => layer.adapters.has(n));
    layer.setActive(
      here.map(([n]) => n),
      here.map(([, w]) => w),
    );
  }
}

/** Runs `fn` with every adapter switched off (the frozen base model), then switches them back. */
export function withAdaptersDisabled<R>(model: Module, fn: () => R): R {
  const layers = mergeable(model);
  const before = layers.map((l) => l.disabled);
  for (const l of layers) l.disabled = true;
  try {
    return fn();
  } finally {
    layers.forEach((l, i) => {
      l.disabled = before[i];
    });
  }
}

export function deleteAdapter(model: Module, name: string): void {
  const layers = loraLayers(model).filter(([, l]) => l.adapters.has(name));
  if (layers.length === 0) throw new T.ArgumentError(`deleteAdapter: no adapter '${name}'`);
  for (const [, l] of layers) l.deleteAdapter(name);
}

export function mergeAdapters(model: Module): void {
  for (const l of mergeable(model)) l.merge();
}

export function unmergeAdapters(model: Module): void {
  for (const l of mergeable(model)) l.unmerge();
}

/** loralib's merge_weights: eval() merges, train() unmerges. */
export function setMergeOnEval(model: Module, on: boolean): void {
  for (const [, l] of loraLayers(model)) l.mergeOnEval = on;
}

/**
 * A new adapter equal to Σ wᵢ·ΔWᵢ exactly, by concatenation (PEFT's 'cat'): A stacks the
 * sources' A rows, B their (weighted, scaled) B columns, so its rank is the sum of theirs. A
 * source without a pair on some slice contributes zero rows/columns there. Sources must all be
 * whole-layer or all per-slice on a layer, and not DoRA (a magnitude does not add linearly).
 */
export function addWeightedAdapter(
  model: Module,
  sources: readonly string[],
  weights: readonly number[],
  name: string,
): void {
  if (sources.length !== weights.length || sources.length === 0) {
    throw new T.ArgumentError(`addWeightedAdapter: ${sources.length} sources but ${weights.length} weights`);
  }
  for (const [path, layer] of loraLayers(model)) {
    const present = sources
      .map((s, i) => ({ adapter: layer.adapters.get(s), weight: weights[i] }))
      .filter((x): x is { adapter: Adapter; weight: number } => x.adapter !== undefined);
    if (present.length === 0) continue;
    const dora = present.find(({ adapter }) => adapter.magnitude);
    if (dora) throw new T.ArgumentError(`addWeightedAdapter: '${dora.adapter.name}' on '${path}' is DoRA`);
    const isWhole = (a: Adapter) => a.pairs.length === 1 && layer.pairKey(a, a.pairs[0].slice) === a.name;
    const wholeCount = present.filter(({ adapter }) => isWhole(adapter)).length;
    if (wholeCount !== 0 && wholeCount !== present.length) {
      throw new T.ArgumentError(
        `addWeightedAdapter: on '${path}', adapters ${sources.join(', ')} mix whole-layer and per-slice pairs`,
      );
    }
    const sliceNames =
      wholeCount > 0
        ? undefined
        : layer.slices
            .map((s) => s.name)
            .filter((n) => present.some(({ adapter }) => adapter.pairs.some((p) => p.slice.name === n)));
    const r = present.reduce((n, { adapter }) => n + adapter.options.r, 0);
    const added = layer.addAdapter(name, { r, alpha: r }, sliceNames); // scaling 1
    const dtype = layer.weight.dtype;
    for (const pair of added.pairs) {
      const { A, B } = T.tidy(() => {
        const parts = present.map(({ adapter, weight }) => {
          const p = sliceNames
            ? adapter.pairs.find((q) => q.slice.name === pair.slice.name)
            : adapter.pairs[0];
          const rows = adapter.options.r;
          const out = pair.slice.end - pair.slice.start;
          return p
            ? { A: p.A.value, B: T.mul(p.B.value, weight * adapter.scaling) }
            : { A: T.zeros([rows, layer.inFeatures], { dtype }), B: T.zeros([out, rows], { dtype }) };
        });
        return {
          A: T.concat(
            parts.map((x) => x.A),
            0,
          ),
          B: T.concat(
            parts.map((x) => x.B),
            1,
          ),
        };
      });
      pair.A.assign(A);
      pair.B.assign(B);
    }
  }
}

/** Trainable versus total parameters, as PEFT's print_trainable_parameters. */
export function trainableReport(model: Module): {
  trainable: number;
  total: number;
  percent: number;
  text: string;
} {
  const total = model.numParameters();
  const trainable = model.numParameters({ trainableOnly: true });
  const percent = total === 0 ? 0 : (100 * trainable) / total;
  return {
    trainable,
    total,
    percent,
    text: `trainable params: ${trainable.toLocaleString('en-US')} || all params: ${total.toLocaleString('en-US')} || trainable%: ${percent.toFixed(4)}`,
  };
}
