import * as T from '@typegrad/tensor';
import type { Module } from '../nn/module.js';
import { type GPTConfig, resolveConfig } from './config.js';

/**
 * HuggingFace GPT-2 interchange without file access (browser-safe): `config.json` to and from a
 * GPTConfig, and the mapping between a checkpoint's tensor names and a GPT's parameters.
 *
 * Checkpoint names follow GPT2LMHeadModel: `wte.weight`, `h.0.attn.c_attn.weight` (Conv1D, [in,
 * out]) and so on, with or without the `transformer.` prefix. Old checkpoints also carry the
 * attention buffers `h.N.attn.bias` / `h.N.attn.masked_bias` (a causal mask and a constant, not
 * parameters), which are skipped, and may carry `lm_head.weight`, which must equal `wte.weight`
 * because typegrad's GPT ties the head to the token embedding.
 */

/** The prefix GPT2LMHeadModel puts before the GPT2Model parameter names. */
export const HF_GPT2_PREFIX = 'transformer.';

const ATTENTION_BUFFER = /^h\.\d+\.attn\.(bias|masked_bias)$/;
const LM_HEAD = 'lm_head.weight';
/** Parameters an adapter adds to a model (LoRA); they are not part of a GPT-2 checkpoint. */
const ADAPTER_PARAMETER = /(^|\.)lora_/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}

/**
 * Reads a GPT-2 `config.json` (text or parsed object) into a GPTConfig, refusing what typegrad's
 * GPT cannot represent (another model_type, untied embeddings, unscaled or layer-scaled
 * attention, cross attention, an unknown activation) and impossible values, with a message that
 * names `source` and the field. `n_ctx` stands in for a missing `n_positions` (old configs);
 * `gelu_pytorch_tanh` is the same function as `gelu_new`.
 */
export function parseGPT2Config(json: string | unknown, source = 'config.json'): GPTConfig {
  let raw: unknown = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch (err) {
      throw new T.ArgumentError(`${source}: not valid JSON (${(err as Error).message})`);
    }
  }
  if (!isRecord(raw)) throw new T.ArgumentError(`${source}: expected a JSON object, got ${show(raw)}`);
  const fail = (message: string): never => {
    throw new T.ArgumentError(`${source}: ${message}`);
  };
  if (raw.model_type !== undefined && raw.model_type !== 'gpt2') {
    fail(`model_type ${show(raw.model_type)} is not GPT-2 (expected "gpt2")`);
  }
  const positiveInt = (key: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
      fail(`${key} must be a positive integer, got ${show(value)}`);
    return value as number;
  };
  const probability = (key: string): number | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !(v >= 0 && v < 1))
      fail(`${key} must be a number in [0, 1), got ${show(v)}`);
    return v as number;
  };
  const config: GPTConfig = {
    vocab_size: positiveInt('vocab_size', raw.vocab_size),
    n_positions: positiveInt(
      raw.n_positions === undefined ? 'n_ctx' : 'n_positions',
      raw.n_positions ?? raw.n_ctx,
    ),
    n_embd: positiveInt('n_embd', raw.n_embd),
    n_layer: positiveInt('n_layer', raw.n_layer),
    n_head: positiveInt('n_head', raw.n_head),
  };
  if (raw.n_inner !== undefined && raw.n_inner !== null) config.n_inner = positiveInt('n_inner', raw.n_inner);
  const activation = raw.activation_function ?? 'gelu_new';
  if (activation === 'gelu_new' || activation === 'gelu_pytorch_tanh')
    config.activation_function = 'gelu_new';
  else if (activation === 'gelu') config.activation_function = 'gelu';
  else fail(`activation_function ${show(activation)} is not supported (gelu_new, gelu_pytorch_tanh, gelu)`);
  if (raw.layer_norm_epsilon !== undefined) {
    const eps = raw.layer_norm_epsilon;
    if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps))
      fail(`layer_norm_epsilon must be a positive number, got ${show(eps)}`);
    config.layer_norm_epsilon = eps as number;
  }
  for (const key of ['resid_pdrop', 'embd_pdrop', 'attn_pdrop'] as const) {
    const p = probability(key);
    if (p !== undefined) config[key] = p;
  }
  if (raw.tie_word_embeddings === false)
    fail('tie_word_embeddings is false, but typegrad GPT ties lm_head to wte');
  if (raw.scale_attn_weights === false)
    fail('scale_attn_weights is false: unscaled attention is not supported');
  if (raw.scale_attn_by_inverse_layer_idx === true)
    fail('scale_attn_by_inverse_layer_idx is true: per-layer attention scaling is not supported');
  if (raw.add_cross_attention === true) fail('add_cross_attention is true: cross attention is not supported');
  try {
    resolveConfig(config);
  } catch (err) {
    throw new T.ArgumentError(`${source}: ${(err as Error).message}`);
  }
  return config;
}

/** A config.json object for `config`, with the fields GPT2Config.save_pretrained writes. */
export function gpt2ConfigJson(
  config: GPTConfig,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const c = resolveConfig(config);
  return {
    activation_function: c.activation_function,
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: c.attn_pdrop,
    embd_pdrop: c.embd_pdrop,
    layer_norm_epsilon: c.layer_norm_epsilon,
    model_type: 'gpt2',
    n_ctx: c.n_positions,
    n_embd: c.n_embd,
    n_head: c.n_head,
    n_inner: config.n_inner ?? null,
    n_layer: c.n_layer,
    n_positions: c.n_positions,
    resid_pdrop: c.resid_pdrop,
    scale_attn_by_inverse_layer_idx: false,
    scale_attn_weights: true,
    tie_word_embeddings: true,
    vocab_size: c.vocab_size,
    ...extra,
  };
}

/** A tensor in a checkpoint: its name and shape (data not needed to plan a load). */
export interface CheckpointEntry {
  readonly name: string;
  readonly shape: readonly number[];
}

/** How a checkpoint's tensors map onto a model's parameters. */
export interface HFLoadPlan {
  /** Checkpoint name → parameter name, for every tensor that loads. */
  readonly load: Map<string, string>;
  /** Checkpoint names skipped on purpose (the attention buffers). */
  readonly ignored: string[];
  /** The checkpoint's `lm_head.weight` name, which must equal the embedding; null if absent. */
  readonly lmHead: string | null;
  /** Parameters the checkpoint lacks. */
  readonly missing: string[];
  /** Checkpoint names that match no parameter. */
  readonly unexpected: string[];
  /** `name: expected [..], got [..]` for tensors whose shape differs from the parameter's. */
  readonly misshaped: string[];
}

/** The parameters of `model` a GPT-2 checkpoint holds (adapter parameters excluded), with shapes. */
export function checkpointParameters(model: Module): Map<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  for (const [name, p] of model.namedParameters()) if (!ADAPTER_PARAMETER.test(name)) out.set(name, p.shape);
  return out;
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);
const showShape = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * Matches checkpoint tensor names and shapes to `expected` parameters (name → shape). Strict
 * (default) throws one error naming `source` and listing every missing, unexpected and
 * mis-shaped key; otherwise the lists are returned and what fits is planned.
 */
export function planHFLoad(
  expected: ReadonlyMap<string, readonly number[]>,
  entries: Iterable<CheckpointEntry>,
  options: { strict?: boolean; source?: string; hint?: string } = {},
): HFLoadPlan {
  const source = options.source ?? 'checkpoint';
  const load = new Map<string, string>();
  const loadedBy = new Map<string, string>();
  const ignored: string[] = [];
  const unexpected: string[] = [];
  const misshaped: string[] = [];
  const duplicates: string[] = [];
  let lmHead: string | null = null;
  const embedding = expected.get('wte.weight');
  for (const { name, shape } of entries) {
    const key = name.startsWith(HF_GPT2_PREFIX) ? name.slice(HF_GPT2_PREFIX.length) : name;
    if (ATTENTION_BUFFER.test(key) && !expected.has(key)) {
      ignored.push(name);
    } else if (name === LM_HEAD) {
      lmHead = name;
      if (embedding && !sameShape(shape, embedding))
        misshaped.push(
          `${name}: expected ${showShape(embedding)} (tied to wte.weight), got ${showShape(shape)}`,
        );
    } else if (!expected.has(key)) {
      unexpected.push(name);
    } else if (loadedBy.has(key)) {
      duplicates.push(`${loadedBy.get(key)} and ${name}`);
    } else if (!sameShape(shape, expected.get(key)!)) {
      misshaped.push(`${name}: expected ${showShape(expected.get(key)!)}, got ${showShape(shape)}`);
      loadedBy.set(key, name);
    } else {
      load.set(name, key);
      loadedBy.set(key, name);
    }
  }
  const missing = [...expected.keys()].filter((k) => !loadedBy.has(k));
  if (duplicates.length > 0) {
    throw new T.ArgumentError(
      `${source}: tensors given twice (with and without '${HF_GPT2_PREFIX}'): ${duplicates.join('; ')}`,
    );
  }
  const strict = options.strict ?? true;
  if (strict && (missing.length || unexpected.length || misshaped.length)) {
    const parts = [
      misshaped.length ? `shape mismatches: ${misshaped.join('; ')}` : '',
      missing.length ? `missing keys: ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : '',
    ].filter(Boolean);
    const hint = options.hint ? ` (${options.hint})` : '';
    throw new T.ShapeError(`${source}: does not match the model${hint}. ${parts.join('. ')}`);
  }
  return { load, ignored, lmHead, missing, unexpected, misshaped };
}

/** A one-line summary of a config for error messages. */
export function describeConfig(config: GPTConfig): string {
  const { vocab_size, n_positions, n_embd, n_layer, n_head } = config;
  return `config: vocab_size=${vocab_size}, n_positions=${n_positions}, n_embd=${n_embd}, n_layer=${n_layer}, n_head=${n_head}`;
}

/** Throws unless the checkpoint's `lm_head.weight` equals its `wte.weight` element for element. */
export function checkTiedHead(lmHead: T.NDArray, embedding: T.NDArray, source: string): void {
  if (!sameShape(lmHead.shape, embedding.shape)) {
    throw new T.ShapeError(
      `${source}: lm_head.weight ${showShape(lmHead.shape)} differs in shape from wte.weight ${showShape(embedding.shape)}`,
    );
  }
  const a = T.tidy(() => T.cast(lmHead, 'float64').dataSync());
  const b = T.tidy(() => T.cast(embedding, 'float64').dataSync());
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
      throw new T.ArgumentError(
        `${source}: lm_head.weight differs from wte.weight (element ${i}: ${a[i]} vs ${b[i]}); typegrad's GPT ties the head to the token embedding, so an untied head cannot be loaded`,
      );
    }
  }
}

/**
 * Loads GPT-2 checkpoint tensors (HF names, with or without `transformer.`) into `model`'s
 * parameters, casting to each parameter's dtype. Strict by default (see planHFLoad); the
 * attention buffers are skipped, and `lm_head.weight`, if present, must equal `wte.weight`.
 */
export function loadHFStateDict(
  model: Module,
  tensors: ReadonlyMap<string, T.NDArray> | Readonly<Record<string, T.NDArray>>,
  options: { strict?: boolean; source?: string } = {},
): HFLoadPlan {
  const source = options.source ?? 'loadHFStateDict';
  const map: ReadonlyMap<string, T.NDArray> =
    tensors instanceof Map ? tensors : new Map(Object.entries(tensors as Record<string, T.NDArray>));
  const plan = planHFLoad(
    checkpointParameters(model),
    [...map].map(([name, value]) => ({ name, shape: value.shape })),
    { ...options, source },
  );
  if (plan.lmHead) {
    const wte = [...plan.load].find(([, key]) => key === 'wte.weight')?.[0];
    if (wte) checkTiedHead(map.get(plan.lmHead)!, map.get(wte)!, source);
  }
  const params = new Map(model.namedParameters());
  for (const [name, key] of plan.load) {
    const p = params.get(key)!;
    const value = map.get(name)!;
    p.assign(value.dtype === p.dtype ? value.clone() : T.cast(value, p.dtype));
  }
  return plan;
}

/**
 * The model's GPT-2 parameters under HF names, as GPT2LMHeadModel.save_pretrained writes them:
 * with the `transformer.` prefix (pass `prefix: ''` for GPT2Model names) and no `lm_head.weight`
 * (tied). Adapter parameters are left out; the arrays are the live values, not copies.
 */
export function toHFStateDict(model: Module, options: { prefix?: string } = {}): Map<string, T.NDArray> {
  const prefix = options.prefix ?? HF_GPT2_PREFIX;
  const out = new Map<string, T.NDArray>();
  for (const [name, p] of model.namedParameters()) {
    if (!ADAPTER_PARAMETER.test(name)) out.set(`${prefix}${name}`, p.value);
  }
  return out;
}
