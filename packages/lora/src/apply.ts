import * as T from '@typegrad/tensor';
import { Embedding, Linear, type Module } from '@typegrad/transformer';
import { DEFAULT_ADAPTER, type LoraConfig } from './config.js';
import type { OutputSlice } from './layers/adapter.js';
import { LoRAEmbedding } from './layers/lora-embedding.js';
import { LoRALinear } from './layers/lora-linear.js';

const ROLE_SLICES = ['q', 'k', 'v'] as const;

/** One adapted place: a module path and, inside a fused qkv, which slices. */
interface Target {
  path: string;
  slices?: string[];
}

function blockIndex(path: string): number | null {
  const m = /(?:^|\.)h\.(\d+)\./.exec(path);
  return m ? Number(m[1]) : null;
}

function matchesName(path: string, name: string): boolean {
  return path === name || path.endsWith(`.${name}`);
}

/** Resolves target names to module paths; throws listing the module names when one matches nothing. */
export function resolveTargets(model: Module, config: LoraConfig): Target[] {
  const modules = [...model.namedModules()].filter(
    ([, m]) => m instanceof Linear || m instanceof LoRALinear || m instanceof Embedding,
  );
  const inLayers = (path: string) => {
    if (!config.layersToTransform) return true;
    const i = blockIndex(path);
    return i !== null && config.layersToTransform.includes(i);
  };
  const targets = new Map<string, Target>();
  const add = (path: string, slice?: string) => {
    const t = targets.get(path) ?? { path };
    if (slice) t.slices = [...(t.slices ?? []), slice];
    targets.set(path, t);
  };
  if (config.targetModules instanceof RegExp) {
    const re = config.targetModules;
    for (const [path] of modules) if (re.test(path) && inLayers(path)) add(path);
  } else {
    for (const name of config.targetModules) {
      let found = 0;
      for (const [path] of modules) {
        if (!inLayers(path)) continue;
        if ((ROLE_SLICES as readonly string[]).includes(name) && path.endsWith('attn.c_attn'))
          add(path, name);
        else if (name === 'o' && path.endsWith('attn.c_proj')) add(path);
        else if (matchesName(path, name)) add(path);
        else continue;
        found++;
      }
      if (found === 0) {
        throw new T.ArgumentError(
          `applyLora: target '${name}' matches no module. Modules: ${modules.map(([p]) => p).join(', ')}`,
        );
      }
    }
  }
  if (targets.size === 0)
    throw new T.ArgumentError(`applyLora: targets ${String(config.targetModules)} match no module`);
  return [...targets.values()];
}

function patternValue(pattern: Record<string, number> | undefined, path: string, fallback: number): number {
  for (const [key, value] of Object.entries(pattern ?? {})) {
    if (matchesName(path, key) || new RegExp(`^${key}$`).test(path)) return value;
  }
  return fallback;
}

/** The q|k|v slices of a fused projection with 3·C outputs. */
function qkvSlices(out: number): OutputSlice[] {
  const c = out / 3;
  return ROLE_SLICES.map((name, i) => ({ name, start: i * c, end: (i + 1) * c }));
}

/**
 * Freezes `model` and adds adapter `adapterName` to the targets: Linear layers become
 * LoRALinear (GPT-2's c_attn gets q|k|v slices), Embeddings become LoRAEmbedding. Only adapter
 * parameters (plus the biases and modules the config names) keep requiresGrad.
 */
export function applyLora(
  model: Module,
  config: LoraConfig,
  adapterName = DEFAULT_ADAPTER,
): Map<string, LoRALinear | LoRAEmbedding> {
  const targets = resolveTargets(model, config);
  model.requiresGrad(false);
  const adapted = new Map<string, LoRALinear | LoRAEmbedding>();
  targets.forEach((target, i) => {
    const r = patternValue(config.rankPattern, target.path, config.r);
    const alpha = patternValue(config.alphaPattern, target.path, config.alpha);
    const seed = (config.seed ?? 0) * 1000 + i;
    const existing = model.getSubmodule(target.path);
    if (existing instanceof Embedding) {
      const layer = new LoRAEmbedding(existing, { r, alpha, seed });
      model.setSubmodule(target.path, layer);
      adapted.set(target.path, layer);
      return;
    }
    let layer: LoRALinear;
    if (existing instanceof LoRALinear) layer = existing;
    else {
      const linear = existing as Linear;
      const fused = target.path.endsWith('attn.c_attn') && linear.outFeatures % 3 === 0;
      layer = new LoRALinear(linear, { slices: fused ? qkvSlices(linear.outFeatures) : undefined, seed });
      model.setSubmodule(target.path, layer);
    }
    layer.addAdapter(
      adapterName,
      {
        r,
        alpha,
        dropout: config.dropout,
        useRslora: config.useRslora,
        init: config.init,
        useDora: config.useDora,
        seed,
      },
      // No role slices: one pair over the whole projection (PEFT's LoRA on a fused c_attn).
      target.slices,
    );
    adapted.set(target.path, layer);
  });
  markTrainable(model, config, adapted);
  return adapted;
}

function markTrainable(model: Module, config: LoraConfig, adapted: Map<string, Module>): void {
  for (const [name, p] of model.namedParameters()) {
    const isLora = /\.lora_(A|B|magnitude|embedding_A|embedding_B)(\.|$)/.test(name);
    const isBias = name.endsWith('.bias');
    const owner = name.slice(0, name.lastIndexOf('.'));
    const bias = config.bias ?? 'none';
    const trainBias = isBias && (bias === 'all' || (bias === 'lora_only' && adapted.has(owner)));
    const saved = (config.modulesToSave ?? []).some(
      (m) => matchesName(owner, m) || owner.startsWith(`${m}.`),
    );
    if (isLora || trainBias || saved) p.requiresGrad = true;
  }
}
