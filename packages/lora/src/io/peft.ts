import * as T from '@typegrad/tensor';
import { type Embedding, Linear, type Module } from '@typegrad/transformer';
import { applyLora } from '../apply.js';
import { DEFAULT_ADAPTER } from '../config.js';
import { LoRAEmbedding } from '../layers/lora-embedding.js';
import { LoRALinear } from '../layers/lora-linear.js';
import {
  adaptedModules,
  adapterBindings,
  type Binding,
  isWholeLayer,
  type KeyStyle,
  modelParameterBindings,
} from './bindings.js';
import {
  type BiasMode,
  extraBindings,
  inferBias,
  inferModulesToSave,
  markExtrasTrainable,
  resolveModulesToSave,
} from './extras.js';
import { loralibModuleConfig, loralibSpecs } from './loralib.js';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  canonicalKeys,
  GPT2_MODULE_PREFIX,
  LORALIB_MERGED_FORMAT,
  PEFT_PREFIX,
  showShape,
} from './names.js';
import { buildPeftConfig, type ModuleSpec, parsePeftConfig, resolvePeftTargets } from './peft-config.js';

/**
 * Adapter files (browser-safe: tensors and JSON in memory; see peft-node.ts for folders).
 *
 * An adapter is saved as `adapter_config.json` + `adapter_model.safetensors`:
 * - PEFT's format when every adapted module has one pair over all its outputs: keys
 *   `base_model.model.transformer.<path>.lora_A.weight` [r, in] and `.lora_B.weight` [out, r]
 *   (GPT2LMHeadModel's module names), `.lora_magnitude_vector` for DoRA, `.lora_embedding_A` /
 *   `.lora_embedding_B` for embeddings, biases of adapted layers as `<path>.base_layer.bias`;
 *   the config is PEFT's LoraConfig, so PEFT loads it for a HF GPT-2 and the other way round.
 * - loralib's layout when some layer has per-slice pairs (MergedLinear, q|k|v of c_attn), which
 *   PEFT cannot represent: keys `transformer.<path>.lora_A` [r·nEnabled, in] and `.lora_B`
 *   [outEnabled, r], and a config with `"typegrad_format": "loralib_merged"` that lists each
 *   module's rank, alpha and enable_lora (no peft_type: PEFT does not take it for a LoRA adapter).
 */

export interface AdapterFileOptions {
  /** Prefix of module paths in the saved names; default `transformer.` (GPT2LMHeadModel). */
  modulePrefix?: string;
  /** Recorded as base_model_name_or_path. */
  baseModelNameOrPath?: string | null;
  /** Which biases are saved with the adapter; default: inferred from which biases are trainable. */
  bias?: BiasMode;
  /** Modules saved in full (PEFT's modules_to_save); default: non-LoRA modules with trainable weights. */
  modulesToSave?: readonly string[];
}

/** The two files of an adapter, in memory. */
export interface AdapterFiles {
  config: Record<string, unknown>;
  tensors: Map<string, T.NDArray>;
  /** Arrays made for `tensors` (stacked slices) that the caller disposes after writing. */
  owned: T.NDArray[];
}

/**
 * The files for adapter `adapterName` of `model`: PEFT's format, or loralib's layout when a
 * layer has per-slice pairs (see the file comment). Values are the live parameters (plus the
 * `owned` stacked arrays); write them before training on.
 */
export function adapterFiles(
  model: Module,
  adapterName = DEFAULT_ADAPTER,
  options: AdapterFileOptions = {},
): AdapterFiles {
  const modules = adaptedModules(model, adapterName);
  if (modules.length === 0) {
    const names = new Set(
      [...model.namedModules()].flatMap(([, m]) => (m instanceof LoRALinear ? [...m.adapters.keys()] : [])),
    );
    throw new T.ArgumentError(
      `saveAdapter: the model has no adapter '${adapterName}' (adapters: ${[...names].join(', ') || 'none'})`,
    );
  }
  const modulePrefix = options.modulePrefix ?? GPT2_MODULE_PREFIX;
  const adapted = new Set(modules.map((m) => m.path));
  const modulesToSave = options.modulesToSave ?? inferModulesToSave(model, adapted);
  const bias = options.bias ?? inferBias(model, adapted, modulesToSave);
  const style: KeyStyle = modules.every(isWholeLayer) ? 'peft' : 'loralib';
  const bindings = [
    ...modules.flatMap((m) => adapterBindings(m, style)),
    ...extraBindings(model, adapted, style, bias, modulesToSave),
  ];
  const prefix = style === 'peft' ? `${PEFT_PREFIX}${modulePrefix}` : modulePrefix;
  const tensors = new Map<string, T.NDArray>();
  const owned: T.NDArray[] = [];
  for (const b of bindings) {
    const { array, owned: isOwned } = b.read();
    tensors.set(`${prefix}${b.key}`, array);
    if (isOwned) owned.push(array);
  }
  const baseModelNameOrPath = options.baseModelNameOrPath ?? null;
  // Module paths without the prefix: PEFT matches them as name suffixes, with or without `transformer.`.
  const saved = modulesToSave.length > 0 ? [...modulesToSave] : null;
  const config =
    style === 'peft'
      ? buildPeftConfig(model, modules, { bias, modulesToSave: saved, baseModelNameOrPath })
      : {
          typegrad_format: LORALIB_MERGED_FORMAT,
          task_type: 'CAUSAL_LM',
          base_model_name_or_path: baseModelNameOrPath,
          bias,
          fan_in_fan_out: modules.some((m) => m.kind === 'linear' && m.layer.base.layout === 'conv1d'),
          modules_to_save: saved,
          modules: Object.fromEntries(
            modules.map((m) => [`${modulePrefix}${m.path}`, loralibModuleConfig(m)]),
          ),
        };
  return { config, tensors, owned };
}

/** A fused q|k|v projection: enable_lora refers to its three equal slices. */
function isFusedQkv(path: string, m: Module): boolean {
  const out = m instanceof LoRALinear ? m.outFeatures : m instanceof Linear ? m.outFeatures : 0;
  return path.endsWith('attn.c_attn') && out % 3 === 0;
}

/** Expected tensors (prefix-free key → shape) of the adapter `specs` describe, before applying it. */
function expectedAdapterKeys(
  model: Module,
  specs: readonly ModuleSpec[],
  style: KeyStyle,
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const spec of specs) {
    const m = model.getSubmodule(spec.path);
    const at = (suffix: string) => `${spec.path}.${suffix}`;
    if (spec.kind === 'embedding') {
      const base = m instanceof LoRAEmbedding ? m.base : (m as Embedding);
      out.set(at(style === 'peft' ? 'lora_embedding_A' : 'lora_A'), [spec.r, base.num]);
      out.set(at(style === 'peft' ? 'lora_embedding_B' : 'lora_B'), [base.dim, spec.r]);
      continue;
    }
    const layer = m as Linear | LoRALinear;
    const enabled = spec.slices ? spec.slices.length : 0;
    const rows = spec.slices ? (layer.outFeatures / 3) * enabled : layer.outFeatures;
    out.set(at(style === 'peft' ? 'lora_A.weight' : 'lora_A'), [spec.r * (enabled || 1), layer.inFeatures]);
    out.set(at(style === 'peft' ? 'lora_B.weight' : 'lora_B'), [rows, spec.r]);
    if (spec.useDora) out.set(at('lora_magnitude_vector'), [layer.outFeatures]);
  }
  return out;
}

/** Checks a file's tensors against what the model and config expect, before the model changes. */
function checkKeys(
  model: Module,
  specs: readonly ModuleSpec[],
  style: KeyStyle,
  files: Map<string, { original: string; shape: readonly number[] }>,
  source: string,
): void {
  const adapterKeys = expectedAdapterKeys(model, specs, style);
  const wrapped = new Set(specs.map((s) => s.path));
  const own = modelParameterBindings(model, wrapped, { style, bothNames: true });
  const unexpected: string[] = [];
  const misshaped: string[] = [];
  for (const [key, { original, shape }] of files) {
    const expected = adapterKeys.get(key) ?? own.get(key)?.shape;
    if (!expected) unexpected.push(original);
    else if (expected.length !== shape.length || expected.some((d, i) => d !== shape[i]))
      misshaped.push(`${original}: the model needs ${showShape(expected)}, the file has ${showShape(shape)}`);
  }
  const missing = [...adapterKeys.keys()].filter((k) => !files.has(k));
  if (unexpected.length || misshaped.length || missing.length) {
    const parts = [
      misshaped.length
        ? `shape mismatches (an adapter for a model of another shape?): ${misshaped.join('; ')}`
        : '',
      unexpected.length
        ? `unknown keys (no such module or parameter in the model): ${unexpected.join(', ')}`
        : '',
      missing.length ? `missing keys: ${missing.join(', ')}` : '',
    ].filter(Boolean);
    const Err = misshaped.length ? T.ShapeError : T.ArgumentError;
    throw new Err(`${source}: does not fit the model. ${parts.join('. ')}`);
  }
}

/** Refuses to reuse an adapter name on a layer that has it (or a LoRA embedding, which holds one). */
function checkFree(model: Module, specs: readonly ModuleSpec[], adapterName: string, source: string): void {
  for (const spec of specs) {
    const m = model.getSubmodule(spec.path);
    if ((m instanceof LoRALinear && m.adapters.has(adapterName)) || m instanceof LoRAEmbedding) {
      throw new T.ArgumentError(`${source}: '${spec.path}' already has adapter '${adapterName}'`);
    }
    if (spec.slices && !isFusedQkv(spec.path, m)) {
      throw new T.ArgumentError(
        `${source}: enable_lora on '${spec.path}', which is not a fused q|k|v projection`,
      );
    }
  }
}

/**
 * Adds adapter `adapterName` to `model` from the files' contents: the config is applied with
 * applyLora (the targets, ranks and alphas it names; everything else frozen) and the tensors are
 * loaded into it (cast to the model's dtype; biases and modules_to_save overwrite the model's).
 * Every key must belong to the adapter or the model and every adapter tensor must be present
 * with the shape the model needs; this is checked before the model is changed, with errors
 * naming the files. Returns the adapted module paths.
 */
export function applyAdapterFiles(
  model: Module,
  configJson: unknown,
  tensors: ReadonlyMap<string, T.NDArray>,
  adapterName = DEFAULT_ADAPTER,
  options: { configSource?: string; weightsSource?: string } = {},
): string[] {
  const configSource = options.configSource ?? ADAPTER_CONFIG_FILE;
  const weightsSource = options.weightsSource ?? ADAPTER_WEIGHTS_FILE;
  let raw = configJson;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch (err) {
      throw new T.ArgumentError(`${configSource}: not valid JSON (${(err as Error).message})`);
    }
  }
  const isLoralib =
    typeof raw === 'object' &&
    raw !== null &&
    (raw as Record<string, unknown>).typegrad_format === LORALIB_MERGED_FORMAT;
  const style: KeyStyle = isLoralib ? 'loralib' : 'peft';
  const { keys, modulePrefix } = canonicalKeys(tensors, !isLoralib, weightsSource);
  let specs: ModuleSpec[];
  let bias: BiasMode;
  let modulesToSave: string[];
  if (isLoralib) {
    ({ specs, bias, modulesToSave } = loralibSpecs(model, raw as Record<string, unknown>, configSource));
  } else {
    const config = parsePeftConfig(raw, configSource);
    specs = resolvePeftTargets(model, config, { modulePrefix, source: configSource });
    bias = config.bias;
    modulesToSave = resolveModulesToSave(model, config.modulesToSave, modulePrefix, configSource);
  }
  checkFree(model, specs, adapterName, configSource);
  checkKeys(model, specs, style, keys, weightsSource);

  for (const spec of specs) {
    // One call per module keeps each module's own rank, alpha and slices exact.
    applyLora(
      model,
      {
        r: spec.r,
        alpha: spec.alpha,
        dropout: spec.dropout,
        useRslora: spec.useRslora,
        useDora: spec.useDora,
        init: spec.init,
        targetModules: spec.slices ?? [spec.path],
        layersToTransform: spec.slices
          ? [Number(/(?:^|\.)h\.(\d+)\./.exec(spec.path)?.[1] ?? -1)]
          : undefined,
      },
      adapterName,
    );
  }
  const adapted = new Set(specs.map((s) => s.path));
  markExtrasTrainable(model, bias, modulesToSave, adapted);

  const bindings = new Map<string, Binding>();
  for (const m of adaptedModules(model, adapterName).filter((x) => adapted.has(x.path))) {
    if (m.kind === 'linear') {
      const spec = specs.find((s) => s.path === m.path)!;
      const got = m.adapter.pairs.map((p) => p.slice.name);
      if (spec.slices ? got.join() !== spec.slices.join() : !isWholeLayer(m)) {
        throw new T.ArgumentError(
          `${configSource}: '${m.path}' got pairs ${got.join(', ')} instead of ${spec.slices?.join(', ') ?? 'all'}`,
        );
      }
    }
    for (const b of adapterBindings(m, style)) bindings.set(b.key, b);
  }
  const own = modelParameterBindings(model, adapted, { style, bothNames: true });
  for (const [key, { original }] of keys) (bindings.get(key) ?? own.get(key)!).write(tensors.get(original)!);
  return specs.map((s) => s.path);
}
