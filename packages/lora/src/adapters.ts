import * as T from '@typegrad/tensor';
import type { Module } from '@typegrad/transformer';
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
  const layers = loraLayers(model);
  const before = layers.map(([, l]) => l.disabled);
  for (const [, l] of layers) l.disabled = true;
  try {
    return fn();
  } finally {
    layers.forEach(([, l], i) => {
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
 * sources' A rows, B their (weighted, scaled) B columns, so its rank is the sum of theirs.
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
  for (const [, layer] of loraLayers(model)) {
    const present = sources.map((s, i) => [layer.adapters.get(s), weights[i]] as const).filter(([a]) => a);
    if (present.length === 0) continue;
    const slices = present[0][0]!.pairs.map((p) => p.slice.name);
    const r = present.reduce((n, [a]) => n + a!.options.r, 0);
    const added = layer.addAdapter(name, { r, alpha: r }, layer.slices.length > 1 ? slices : undefined); // scaling 1
    for (const pair of added.pairs) {
      const parts = present
        .map(([a, w]) => a!.pairs.find((p) => p.slice.name === pair.slice.name))
        .map((p, i) => ({ p, w: present[i][1], s: present[i][0]!.scaling }));
      const A = T.concat(
        parts.map(({ p }) => p!.A.value),
        0,
      );
      const B = T.tidy(() =>
        T.concat(
          parts.map(({ p, w, s }) => T.mul(p!.B.value, w * s)),
          1,
        ),
      );
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
