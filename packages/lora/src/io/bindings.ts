import type { Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import type { Module } from '@typegrad/transformer';
import type { Adapter } from '../layers/adapter.js';
import { LoRAEmbedding } from '../layers/lora-embedding.js';
import { LoRALinear } from '../layers/lora-linear.js';

/**
 * Where each tensor of a saved adapter lives in a model. Two naming styles:
 * - `peft`: PEFT's saved names (adapter name removed): `<path>.lora_A.weight` [r, in],
 *   `<path>.lora_B.weight` [out, r], `<path>.lora_magnitude_vector` [out] (DoRA),
 *   `<path>.lora_embedding_A` [r, num] / `<path>.lora_embedding_B` [dim, r].
 * - `loralib`: loralib's parameter names: `<path>.lora_A` / `<path>.lora_B`, for layers and
 *   embeddings alike; a layer with per-slice pairs (MergedLinear) stacks the enabled slices' A
 *   rows into one [r·nEnabled, in] and their B rows into one [outEnabled, r].
 * Keys here carry no prefix (`h.0.attn.c_attn.lora_A.weight`); the file formats add theirs.
 */
export type KeyStyle = 'peft' | 'loralib';

/** An adapted module of a model: a LoRA linear layer with the adapter, or a LoRA embedding. */
export type AdaptedModule =
  | { readonly kind: 'linear'; readonly path: string; readonly layer: LoRALinear; readonly adapter: Adapter }
  | { readonly kind: 'embedding'; readonly path: string; readonly layer: LoRAEmbedding };

/** One saved tensor and the parameter(s) it is read from and written to. */
export interface Binding {
  readonly key: string;
  readonly shape: readonly number[];
  /** The parameter when the tensor is exactly one (null for loralib's stacked slices). */
  readonly parameter: Tensor | null;
  /** The value to save; `owned` arrays are new and the caller disposes them. */
  read(): { array: T.NDArray; owned: boolean };
  /** Stores a loaded value, cast to the parameter's dtype. */
  write(value: T.NDArray): void;
}

/** Matches the parameter names LoRA layers add (`lora_A.default`, `lora_embedding_B`, ...). */
export const LORA_PARAMETER = /(^|\.)lora_/;

function assignCast(p: Tensor, value: T.NDArray): void {
  p.assign(value.dtype === p.dtype ? value.clone() : T.cast(value, p.dtype));
}

function parameterBinding(key: string, p: Tensor): Binding {
  return {
    key,
    shape: p.shape,
    parameter: p,
    read: () => ({ array: p.value, owned: false }),
    write: (value) => assignCast(p, value),
  };
}

/** Parameters stacked along axis 0 (loralib's MergedLinear layout of per-slice pairs). */
function stackedBinding(key: string, parts: readonly Tensor[]): Binding {
  const rows = parts.map((p) => p.shape[0]);
  const shape = [rows.reduce((a, b) => a + b, 0), ...parts[0].shape.slice(1)];
  return {
    key,
    shape,
    parameter: null,
    read: () => ({
      array: T.concat(
        parts.map((p) => p.value),
        0,
      ),
      owned: true,
    }),
    write: (value) => {
      const pieces = T.split(value, rows, 0);
      parts.forEach((p, i) => {
        assignCast(p, pieces[i]);
      });
    },
  };
}

/** True when the adapter is one pair over all of the layer's outputs (PEFT's form). */
export function isWholeLayer(m: AdaptedModule): boolean {
  if (m.kind === 'embedding') return true;
  const { layer, adapter } = m;
  return adapter.pairs.length === 1 && layer.pairKey(adapter, adapter.pairs[0].slice) === adapter.name;
}

/**
 * The modules of `model` that carry adapter `adapterName`, in model order. A LoRAEmbedding holds
 * a single unnamed adapter, so it belongs to every adapter name.
 */
export function adaptedModules(model: Module, adapterName: string): AdaptedModule[] {
  const out: AdaptedModule[] = [];
  for (const [path, m] of model.namedModules()) {
    if (m instanceof LoRALinear && m.adapters.has(adapterName))
      out.push({ kind: 'linear', path, layer: m, adapter: m.getAdapter(adapterName) });
    else if (m instanceof LoRAEmbedding) out.push({ kind: 'embedding', path, layer: m });
  }
  return out;
}

/** Which of the layer's output slices an adapter's pairs cover, in layer order (loralib's enable_lora). */
export function enabledSlices(m: AdaptedModule & { kind: 'linear' }): boolean[] {
  return m.layer.slices.map((s) => m.adapter.pairs.some((p) => p.slice.name === s.name));
}

/** The tensors of one adapted module in the given naming style. */
export function adapterBindings(m: AdaptedModule, style: KeyStyle): Binding[] {
  const at = (suffix: string) => `${m.path}.${suffix}`;
  if (m.kind === 'embedding') {
    const [a, b] = style === 'peft' ? ['lora_embedding_A', 'lora_embedding_B'] : ['lora_A', 'lora_B'];
    return [parameterBinding(at(a), m.layer.A), parameterBinding(at(b), m.layer.B)];
  }
  const [a, b] = style === 'peft' ? ['lora_A.weight', 'lora_B.weight'] : ['lora_A', 'lora_B'];
  const out: Binding[] = [];
  if (isWholeLayer(m)) {
    const [pair] = m.adapter.pairs;
    out.push(parameterBinding(at(a), pair.A), parameterBinding(at(b), pair.B));
  } else {
    if (style === 'peft') {
      throw new T.ArgumentError(
        `PEFT format: '${m.path}' has per-slice pairs (${m.adapter.pairs.map((p) => p.slice.name).join(', ')}), which PEFT cannot represent; save it in loralib's layout`,
      );
    }
    const pairs = [...m.adapter.pairs].sort((x, y) => x.slice.start - y.slice.start);
    const r = new Set(pairs.map((p) => p.A.shape[0]));
    const sizes = new Set(m.layer.slices.map((s) => s.end - s.start));
    if (r.size !== 1 || sizes.size !== 1) {
      throw new T.ArgumentError(
        `loralib format: '${m.path}' needs equal slices and one rank for all pairs (MergedLinear), got slices of ${[...sizes].join('/')} and ranks ${[...r].join('/')}`,
      );
    }
    out.push(
      stackedBinding(
        at(a),
        pairs.map((p) => p.A),
      ),
      stackedBinding(
        at(b),
        pairs.map((p) => p.B),
      ),
    );
  }
  if (m.adapter.magnitude) out.push(parameterBinding(at('lora_magnitude_vector'), m.adapter.magnitude));
  return out;
}

/**
 * Bindings for the model's own (non-LoRA) parameters, for biases and modules_to_save stored
 * next to an adapter. PEFT names a parameter of a LoRA-wrapped layer `<path>.base_layer.<name>`,
 * so with `wrapped` those paths get that name (both names are returned when `bothNames`).
 */
export function modelParameterBindings(
  model: Module,
  wrapped: ReadonlySet<string>,
  options: { style: KeyStyle; bothNames?: boolean },
): Map<string, Binding> {
  const out = new Map<string, Binding>();
  for (const [name, p] of model.namedParameters()) {
    if (LORA_PARAMETER.test(name)) continue;
    const dot = name.lastIndexOf('.');
    const owner = name.slice(0, dot);
    const peftName = `${owner}.base_layer.${name.slice(dot + 1)}`;
    const isWrapped = options.style === 'peft' && wrapped.has(owner);
    if (!isWrapped || options.bothNames) out.set(name, parameterBinding(name, p));
    if (isWrapped) out.set(peftName, parameterBinding(peftName, p));
  }
  return out;
}
