import * as T from '@typegrad/tensor';
import { Embedding, type Module } from '@typegrad/transformer';
import { DEFAULT_ADAPTER } from '../config.js';
import { LoRAEmbedding } from '../layers/lora-embedding.js';
import {
  type AdaptedModule,
  adaptedModules,
  adapterBindings,
  enabledSlices,
  isWholeLayer,
  modelParameterBindings,
} from './bindings.js';
import { type BiasMode, extraBindings, resolveModulesToSave } from './extras.js';
import { canonicalKeys, GPT2_MODULE_PREFIX, showShape } from './names.js';
import { adaptableModules, fieldReader, type ModuleSpec, moduleSettings } from './peft-config.js';

/**
 * loralib's layout (microsoft/LoRA): `<path>.lora_A` / `<path>.lora_B` per adapted module, with a
 * MergedLinear's enabled q|k|v slices stacked (A rows [r·nEnabled, in], B rows [outEnabled, r]).
 * Used for per-slice adapters, which PEFT cannot represent, and for `lora_state_dict`.
 */

/** loralib_merged's per-module description. */
export function loralibModuleConfig(m: AdaptedModule): Record<string, unknown> {
  const s = moduleSettings(m);
  const entry: Record<string, unknown> = {
    kind: m.kind,
    r: s.r,
    lora_alpha: s.alpha,
    lora_dropout: s.dropout,
    use_rslora: s.useRslora,
    use_dora: s.useDora,
  };
  if (m.kind === 'linear' && !isWholeLayer(m)) entry.enable_lora = enabledSlices(m);
  return entry;
}

/** Reads loralib_merged's config into module specs. */
export function loralibSpecs(
  model: Module,
  raw: Record<string, unknown>,
  source: string,
): { specs: ModuleSpec[]; bias: BiasMode; modulesToSave: string[] } {
  const f = fieldReader(raw, source);
  const modules = raw.modules;
  if (
    typeof modules !== 'object' ||
    modules === null ||
    Array.isArray(modules) ||
    Object.keys(modules).length === 0
  )
    f.fail('modules must map module names to their settings');
  const known = new Map(adaptableModules(model));
  const specs = Object.entries(modules as Record<string, unknown>).map(([name, value]): ModuleSpec => {
    const path = name.startsWith(GPT2_MODULE_PREFIX) ? name.slice(GPT2_MODULE_PREFIX.length) : name;
    const m = known.get(path) ?? f.fail(`module '${name}' is not a linear layer or embedding of the model`);
    if (typeof value !== 'object' || value === null) return f.fail(`modules['${name}'] must be an object`);
    const g = fieldReader(value as Record<string, unknown>, `${source}: modules['${name}']`);
    const v = value as Record<string, unknown>;
    const kind = m instanceof Embedding || m instanceof LoRAEmbedding ? 'embedding' : 'linear';
    if ((v.kind ?? kind) !== kind) g.fail(`kind ${JSON.stringify(v.kind)} but the model has a ${kind} there`);
    let slices: string[] | undefined;
    if (v.enable_lora !== undefined) {
      const e = v.enable_lora;
      if (!Array.isArray(e) || e.length !== 3 || !e.every((x) => typeof x === 'boolean') || !e.some(Boolean))
        g.fail(`enable_lora must be 3 booleans (q, k, v), at least one true, got ${JSON.stringify(e)}`);
      slices = ['q', 'k', 'v'].filter((_, i) => (e as boolean[])[i]);
    }
    return {
      path,
      kind,
      r: g.positiveInt('r'),
      alpha: g.positive('lora_alpha'),
      dropout: g.probability('lora_dropout'),
      useRslora: g.flag('use_rslora'),
      useDora: g.flag('use_dora'),
      init: 'kaiming',
      slices,
    };
  });
  const modulesToSave = resolveModulesToSave(model, f.names('modules_to_save'), GPT2_MODULE_PREFIX, source);
  return { specs, bias: f.bias(), modulesToSave };
}

/**
 * loralib's `lora_state_dict`: the LoRA tensors of adapter `adapterName` under the model's own
 * names (`h.0.attn.c_attn.lora_A`, stacked per-slice pairs as MergedLinear), plus biases by
 * `bias` mode ('all': every bias; 'lora_only': those of adapted layers). Values are live
 * parameters except stacked ones (new arrays).
 */
export function loraStateDict(
  model: Module,
  options: { bias?: BiasMode; adapterName?: string; prefix?: string } = {},
): Map<string, T.NDArray> {
  const name = options.adapterName ?? DEFAULT_ADAPTER;
  const modules = adaptedModules(model, name);
  const adapted = new Set(modules.map((m) => m.path));
  const prefix = options.prefix ?? '';
  const out = new Map<string, T.NDArray>();
  for (const b of [
    ...modules.flatMap((m) => adapterBindings(m, 'loralib')),
    ...extraBindings(model, adapted, 'loralib', options.bias ?? 'none', []),
  ])
    out.set(`${prefix}${b.key}`, b.read().array);
  return out;
}

/**
 * Loads a loralib-style state dict into the model's existing adapter `adapterName` (as loralib's
 * `model.load_state_dict(lora_state_dict, strict=False)` after building the LoRA model). Keys
 * may carry a `transformer.` prefix. Unknown keys are an error; missing LoRA tensors too unless
 * `strict: false`. Returns the missing keys.
 */
export function loadLoraStateDict(
  model: Module,
  dict: ReadonlyMap<string, T.NDArray> | Readonly<Record<string, T.NDArray>>,
  options: { adapterName?: string; strict?: boolean; source?: string } = {},
): { missing: string[] } {
  const source = options.source ?? 'loadLoraStateDict';
  const map: ReadonlyMap<string, T.NDArray> =
    dict instanceof Map ? dict : new Map(Object.entries(dict as Record<string, T.NDArray>));
  const modules = adaptedModules(model, options.adapterName ?? DEFAULT_ADAPTER);
  const adapted = new Set(modules.map((m) => m.path));
  const lora = new Map(modules.flatMap((m) => adapterBindings(m, 'loralib')).map((b) => [b.key, b]));
  const own = modelParameterBindings(model, adapted, { style: 'loralib' });
  const { keys } = canonicalKeys(map, false, source);
  const unexpected: string[] = [];
  const misshaped: string[] = [];
  for (const [key, { original, shape }] of keys) {
    const b = lora.get(key) ?? own.get(key);
    if (!b) unexpected.push(original);
    else if (b.shape.length !== shape.length || b.shape.some((d, i) => d !== shape[i]))
      misshaped.push(`${original}: the model needs ${showShape(b.shape)}, got ${showShape(shape)}`);
  }
  const missing = [...lora.keys()].filter((k) => !keys.has(k));
  const strict = options.strict ?? true;
  if (unexpected.length || misshaped.length || (strict && missing.length)) {
    const parts = [
      misshaped.length ? `shape mismatches: ${misshaped.join('; ')}` : '',
      unexpected.length ? `unknown keys: ${unexpected.join(', ')}` : '',
      strict && missing.length ? `missing keys: ${missing.join(', ')}` : '',
    ].filter(Boolean);
    throw new (misshaped.length ? T.ShapeError : T.ArgumentError)(`${source}: ${parts.join('. ')}`);
  }
  for (const [key, { original }] of keys) (lora.get(key) ?? own.get(key)!).write(map.get(original)!);
  return { missing };
}
