import * as T from '@typegrad/tensor';
import { Embedding, Linear, type Module } from '@typegrad/transformer';
import type { LoraInit } from '../layers/adapter.js';
import { LoRAEmbedding } from '../layers/lora-embedding.js';
import { LoRALinear } from '../layers/lora-linear.js';
import type { AdaptedModule } from './bindings.js';

/**
 * PEFT's `adapter_config.json` for LoRA (peft_type "LORA"): reading it, choosing the modules it
 * targets the way PEFT does, and writing one for a typegrad adapter.
 */

/** The fields of a PEFT LoraConfig that typegrad reads, in typegrad's spelling. */
export interface PeftLoraConfig {
  r: number;
  loraAlpha: number;
  /** Names matched as suffixes of module names, or one regular expression (full match). */
  targetModules: readonly string[] | string;
  excludeModules: readonly string[] | string | null;
  layersToTransform: readonly number[] | null;
  layersPattern: readonly string[] | null;
  rankPattern: Record<string, number>;
  alphaPattern: Record<string, number>;
  loraDropout: number;
  bias: 'none' | 'all' | 'lora_only';
  useRslora: boolean;
  useDora: boolean;
  fanInFanOut: boolean;
  modulesToSave: readonly string[] | null;
  init: LoraInit;
  baseModelNameOrPath: string | null;
}

/** What is adapted where, as one applyLora call per module would do it. */
export interface ModuleSpec {
  readonly path: string;
  readonly kind: 'linear' | 'embedding';
  readonly r: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly useRslora: boolean;
  readonly useDora: boolean;
  readonly init: LoraInit;
  /** loralib's MergedLinear: the enabled q|k|v slices of a fused projection; absent = all outputs. */
  readonly slices?: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const show = (v: unknown) => (v === undefined ? 'missing' : JSON.stringify(v));

/** Field readers that throw with the file and field named. */
export function fieldReader(raw: Record<string, unknown>, source: string) {
  const fail = (message: string): never => {
    throw new T.ArgumentError(`${source}: ${message}`);
  };
  const positiveInt = (key: string, v: unknown = raw[key]) =>
    typeof v === 'number' && Number.isInteger(v) && v > 0
      ? v
      : fail(`${key} must be a positive integer, got ${show(v)}`);
  const positive = (key: string, v: unknown = raw[key]) =>
    typeof v === 'number' && v > 0 && Number.isFinite(v)
      ? v
      : fail(`${key} must be a positive number, got ${show(v)}`);
  const probability = (key: string, v: unknown = raw[key] ?? 0) =>
    typeof v === 'number' && v >= 0 && v < 1 ? v : fail(`${key} must be a number in [0, 1), got ${show(v)}`);
  const flag = (key: string, v: unknown = raw[key] ?? false) =>
    typeof v === 'boolean' ? v : fail(`${key} must be true or false, got ${show(v)}`);
  const bias = (v: unknown = raw.bias ?? 'none') =>
    v === 'none' || v === 'all' || v === 'lora_only'
      ? v
      : fail(`bias must be "none", "all" or "lora_only", got ${show(v)}`);
  const names = (key: string, v: unknown = raw[key]): string[] | null => {
    if (v === undefined || v === null) return null;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    return fail(`${key} must be a list of module names, got ${show(v)}`);
  };
  const numbers = (key: string): Record<string, number> => {
    const v = raw[key] ?? {};
    if (!isRecord(v) || Object.values(v).some((x) => typeof x !== 'number' || !(x > 0)))
      fail(`${key} must map module names to positive numbers, got ${show(v)}`);
    return v as Record<string, number>;
  };
  return { fail, positiveInt, positive, probability, flag, bias, names, numbers };
}

/** Settings PEFT has that change the math typegrad implements: refused rather than ignored. */
const UNSUPPORTED: [string, (v: unknown) => boolean][] = [
  ['layer_replication', (v) => v !== null && v !== undefined],
  ['lora_bias', (v) => v === true],
  ['use_qalora', (v) => v === true],
  ['trainable_token_indices', (v) => v !== null && v !== undefined],
  ['alora_invocation_tokens', (v) => v !== null && v !== undefined],
  ['target_parameters', (v) => Array.isArray(v) && v.length > 0],
  ['use_bdlora', (v) => v !== null && v !== undefined && v !== false],
];

/** Reads a PEFT LoRA adapter_config.json (text or object), with errors naming `source` and the field. */
export function parsePeftConfig(json: unknown, source = 'adapter_config.json'): PeftLoraConfig {
  let raw = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch (err) {
      throw new T.ArgumentError(`${source}: not valid JSON (${(err as Error).message})`);
    }
  }
  if (!isRecord(raw)) throw new T.ArgumentError(`${source}: expected a JSON object, got ${show(raw)}`);
  const f = fieldReader(raw, source);
  if (raw.peft_type !== 'LORA') f.fail(`peft_type ${show(raw.peft_type)} is not supported (only "LORA")`);
  for (const [key, used] of UNSUPPORTED)
    if (used(raw[key])) f.fail(`${key} ${show(raw[key])} is not supported`);
  const target = raw.target_modules;
  const targetModules =
    typeof target === 'string' ? target : (f.names('target_modules') ?? f.fail('target_modules is missing'));
  const exclude = raw.exclude_modules;
  const layers = raw.layers_to_transform;
  let layersToTransform: number[] | null = null;
  if (typeof layers === 'number') layersToTransform = [layers];
  else if (Array.isArray(layers) && layers.every((x) => Number.isInteger(x) && x >= 0))
    layersToTransform = layers as number[];
  else if (layers !== null && layers !== undefined)
    f.fail(`layers_to_transform must be a layer index or a list of them, got ${show(layers)}`);
  const pattern = raw.layers_pattern;
  const layersPattern = typeof pattern === 'string' ? [pattern] : f.names('layers_pattern', pattern);
  const init = raw.init_lora_weights ?? true;
  if (init !== true && init !== false && init !== 'gaussian') {
    f.fail(
      `init_lora_weights ${show(init)} is not supported: it changes the base weights or needs data (convert the adapter to plain LoRA first)`,
    );
  }
  return {
    r: f.positiveInt('r'),
    loraAlpha: f.positive('lora_alpha'),
    targetModules,
    excludeModules: typeof exclude === 'string' ? exclude : f.names('exclude_modules', exclude),
    layersToTransform: layersToTransform && layersToTransform.length > 0 ? layersToTransform : null,
    layersPattern: layersPattern && layersPattern.length > 0 ? layersPattern : null,
    rankPattern: f.numbers('rank_pattern'),
    alphaPattern: f.numbers('alpha_pattern'),
    loraDropout: f.probability('lora_dropout'),
    bias: f.bias(),
    useRslora: f.flag('use_rslora'),
    useDora: f.flag('use_dora'),
    fanInFanOut: f.flag('fan_in_fan_out'),
    modulesToSave: f.names('modules_to_save'),
    init: init === 'gaussian' ? 'gaussian' : 'kaiming',
    baseModelNameOrPath: typeof raw.base_model_name_or_path === 'string' ? raw.base_model_name_or_path : null,
  };
}

/** Modules a LoRA adapter can sit on, with their paths. */
export function adaptableModules(model: Module): [string, Module][] {
  return [...model.namedModules()].filter(
    ([path, m]) =>
      path !== '' &&
      (m instanceof Linear ||
        m instanceof LoRALinear ||
        m instanceof Embedding ||
        m instanceof LoRAEmbedding),
  );
}

function fullMatch(pattern: string, name: string): boolean {
  return new RegExp(`^(?:${pattern})$`).test(name);
}

/** PEFT's rank_pattern / alpha_pattern lookup: the first key that is the name or a dotted suffix of it (a regex). */
export function patternValue(pattern: Record<string, number>, name: string, fallback: number): number {
  for (const [key, value] of Object.entries(pattern)) {
    if (key === name || new RegExp(`^(.*\\.)?(?:${key})$`).test(name)) return value;
  }
  return fallback;
}

/** The block index PEFT reads from a module name (`transformer.h.3.attn.c_attn` → 3). */
function layerIndex(name: string, patterns: readonly string[] | null): number | null {
  const regexes = patterns
    ? patterns.map((p) => new RegExp(`.*\\.${p}\\.(\\d+)\\.`))
    : [/.*\.[^.]*\.(\d+)\./];
  for (const re of regexes) {
    const m = re.exec(name);
    if (m) return Number(m[1]);
  }
  return null;
}

/**
 * The modules a PEFT config targets in `model`, following PEFT's check_target_module_exists
 * over module names `modulePrefix + path` (GPT2LMHeadModel's `transformer.`): excluded names
 * first; a string is a regex that must match the whole name; a list matches a name exactly or
 * as a dotted suffix, and only suffix matches are filtered by layers_to_transform. Throws when
 * nothing matches, listing the module names.
 */
export function resolvePeftTargets(
  model: Module,
  config: PeftLoraConfig,
  options: { modulePrefix: string; source: string },
): ModuleSpec[] {
  const { modulePrefix, source } = options;
  const candidates = adaptableModules(model);
  const excluded = (name: string) => {
    const ex = config.excludeModules;
    if (ex === null) return false;
    if (typeof ex === 'string') return fullMatch(ex, name);
    return ex.some((e) => name === e || name.endsWith(`.${e}`));
  };
  const targeted = (name: string): boolean => {
    const t = config.targetModules;
    if (typeof t === 'string') return fullMatch(t, name);
    if (t.includes(name)) return true;
    if (!t.some((key) => name.endsWith(`.${key}`))) return false;
    if (config.layersToTransform === null) return true;
    const index = layerIndex(name, config.layersPattern);
    return index !== null && config.layersToTransform.includes(index);
  };
  const specs: ModuleSpec[] = [];
  for (const [path, m] of candidates) {
    const name = `${modulePrefix}${path}`;
    if (excluded(name) || !targeted(name)) continue;
    const kind = m instanceof Embedding || m instanceof LoRAEmbedding ? 'embedding' : 'linear';
    if (kind === 'embedding' && (config.useDora || config.useRslora)) {
      throw new T.ArgumentError(
        `${source}: ${config.useDora ? 'use_dora' : 'use_rslora'} on the embedding '${name}' is not supported`,
      );
    }
    specs.push({
      path,
      kind,
      r: patternValue(config.rankPattern, name, config.r),
      alpha: patternValue(config.alphaPattern, name, config.loraAlpha),
      dropout: config.loraDropout,
      useRslora: config.useRslora,
      useDora: config.useDora,
      init: config.init,
    });
  }
  if (specs.length === 0) {
    throw new T.ArgumentError(
      `${source}: target_modules ${JSON.stringify(config.targetModules)} match no module of the model. Modules: ${candidates
        .map(([p]) => `${modulePrefix}${p}`)
        .join(', ')}`,
    );
  }
  return specs;
}

/** The setting of one adapted module (rank, alpha, ...) as PEFT describes it. */
export function moduleSettings(m: AdaptedModule): Omit<ModuleSpec, 'path' | 'kind' | 'slices'> {
  if (m.kind === 'embedding') {
    const r = m.layer.A.shape[0];
    return { r, alpha: m.layer.scaling * r, dropout: 0, useRslora: false, useDora: false, init: 'kaiming' };
  }
  const o = m.adapter.options;
  return {
    r: o.r,
    alpha: o.alpha,
    dropout: o.dropout,
    useRslora: o.useRslora,
    useDora: o.useDora,
    init: o.init,
  };
}

function mostCommon<V>(values: readonly V[]): V {
  const counts = new Map<V, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0][0];
}

const lastName = (path: string) => path.slice(path.lastIndexOf('.') + 1);

/**
 * PEFT's target_modules (and layers_to_transform) for exactly `paths`: the short module names
 * when they pick exactly these modules (optionally restricted to some blocks), else the paths.
 */
function describeTargets(
  model: Module,
  paths: readonly string[],
): { targetModules: string[]; layersToTransform: number[] | null } {
  const all = adaptableModules(model).map(([p]) => p);
  const chosen = new Set(paths);
  const short = [...new Set(paths.map(lastName))].sort();
  const matched = all.filter((p) => short.includes(lastName(p)));
  const same = (xs: string[]) => xs.length === chosen.size && xs.every((p) => chosen.has(p));
  if (same(matched)) return { targetModules: short, layersToTransform: null };
  const index = (p: string) => layerIndex(`.${p}`, null);
  const layers = [...new Set(paths.map(index))];
  if (!layers.includes(null)) {
    const inLayers = matched.filter((p) => layers.includes(index(p)));
    if (same(inLayers))
      return { targetModules: short, layersToTransform: (layers as number[]).sort((a, b) => a - b) };
  }
  return { targetModules: [...paths], layersToTransform: null };
}

/** rank_pattern / alpha_pattern entries for modules whose value differs from `common`. */
function patternFor(modules: readonly AdaptedModule[], value: (m: AdaptedModule) => number, common: number) {
  const pattern: Record<string, number> = {};
  const byShort = new Map<string, AdaptedModule[]>();
  for (const m of modules) byShort.set(lastName(m.path), [...(byShort.get(lastName(m.path)) ?? []), m]);
  for (const [short, group] of byShort) {
    const values = new Set(group.map(value));
    const [only] = values;
    if (values.size === 1 && only !== common) pattern[short] = only;
    else if (values.size > 1) for (const m of group) if (value(m) !== common) pattern[m.path] = value(m);
  }
  return pattern;
}

/** One value shared by every module, or an error naming the setting. */
function shared<V>(modules: readonly AdaptedModule[], key: string, value: (m: AdaptedModule) => V): V {
  const values = [...new Set(modules.map(value))];
  if (values.length > 1)
    throw new T.ArgumentError(
      `PEFT format: ${key} differs between adapted modules (${values.join(', ')}); PEFT has one value`,
    );
  return values[0];
}

/** adapter_config.json for an adapter whose modules all have PEFT's form. */
export function buildPeftConfig(
  model: Module,
  modules: readonly AdaptedModule[],
  extras: {
    bias: 'none' | 'all' | 'lora_only';
    modulesToSave: readonly string[] | null;
    baseModelNameOrPath: string | null;
  },
): Record<string, unknown> {
  const settings = new Map(modules.map((m) => [m, moduleSettings(m)]));
  const get = (m: AdaptedModule) => settings.get(m)!;
  const linear = modules.filter((m) => m.kind === 'linear');
  const embeddings = modules.filter((m) => m.kind === 'embedding');
  const useRslora = linear.length ? shared(linear, 'use_rslora', (m) => get(m).useRslora) : false;
  const useDora = linear.length ? shared(linear, 'use_dora', (m) => get(m).useDora) : false;
  if ((useRslora || useDora) && embeddings.length > 0) {
    throw new T.ArgumentError(
      `PEFT format: ${useDora ? 'use_dora' : 'use_rslora'} would also apply to the embedding '${embeddings[0].path}', which does not use it`,
    );
  }
  const r = mostCommon(modules.map((m) => get(m).r));
  const alpha = mostCommon(modules.map((m) => get(m).alpha));
  const { targetModules, layersToTransform } = describeTargets(
    model,
    modules.map((m) => m.path),
  );
  const init = mostCommon(modules.map((m) => get(m).init));
  const conv1d = linear.some((m) => m.kind === 'linear' && m.layer.base.layout === 'conv1d');
  return {
    alpha_pattern: patternFor(modules, (m) => get(m).alpha, alpha),
    auto_mapping: null,
    base_model_name_or_path: extras.baseModelNameOrPath,
    bias: extras.bias,
    fan_in_fan_out: conv1d,
    inference_mode: true,
    init_lora_weights: init === 'kaiming' ? true : init,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: layersToTransform,
    lora_alpha: alpha,
    lora_dropout: linear.length ? shared(linear, 'lora_dropout', (m) => get(m).dropout) : 0,
    modules_to_save:
      extras.modulesToSave && extras.modulesToSave.length > 0 ? [...extras.modulesToSave] : null,
    peft_type: 'LORA',
    r,
    rank_pattern: patternFor(modules, (m) => get(m).r, r),
    revision: null,
    target_modules: targetModules,
    task_type: 'CAUSAL_LM',
    use_dora: useDora,
    use_rslora: useRslora,
  };
}
