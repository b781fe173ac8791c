import * as T from '@typegrad/tensor';
import type { Module } from '@typegrad/transformer';
import { type Binding, type KeyStyle, LORA_PARAMETER, modelParameterBindings } from './bindings.js';
import { ownerOf } from './names.js';

/**
 * What an adapter file carries besides the LoRA tensors: biases (PEFT's and loralib's `bias`
 * mode) and modules saved in full (PEFT's modules_to_save).
 */

export type BiasMode = 'none' | 'all' | 'lora_only';

/** Non-LoRA modules whose non-bias parameters train: PEFT's modules_to_save. */
export function inferModulesToSave(model: Module, adapted: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const [name, p] of model.namedParameters()) {
    if (!p.requiresGrad || LORA_PARAMETER.test(name) || name.endsWith('.bias')) continue;
    const owner = ownerOf(name);
    if (!adapted.has(owner)) out.add(owner);
  }
  return [...out];
}

/** The bias mode the trainable biases amount to (outside modules saved in full). */
export function inferBias(model: Module, adapted: ReadonlySet<string>, saved: readonly string[]): BiasMode {
  const inSaved = (owner: string) => saved.some((m) => owner === m || owner.startsWith(`${m}.`));
  const biases = [...model.namedParameters()].filter(
    ([name]) => name.endsWith('.bias') && !LORA_PARAMETER.test(name) && !inSaved(ownerOf(name)),
  );
  const trainable = biases.filter(([, p]) => p.requiresGrad).map(([name]) => name);
  if (trainable.length === 0) return 'none';
  if (trainable.length === biases.length) return 'all';
  if (trainable.every((name) => adapted.has(ownerOf(name)))) return 'lora_only';
  throw new T.ArgumentError(
    `saveAdapter: trainable biases (${trainable.join(', ')}) fit no PEFT bias mode; pass options.bias`,
  );
}

/** Bindings of the biases and modules_to_save that go with the adapter, by bias mode. */
export function extraBindings(
  model: Module,
  adapted: ReadonlySet<string>,
  style: KeyStyle,
  bias: BiasMode,
  modulesToSave: readonly string[],
): Binding[] {
  const params = modelParameterBindings(model, adapted, { style });
  const inSaved = (owner: string) => modulesToSave.some((m) => owner === m || owner.startsWith(`${m}.`));
  const out: Binding[] = [];
  for (const [name] of model.namedParameters()) {
    if (LORA_PARAMETER.test(name)) continue;
    const owner = ownerOf(name);
    const isBias = name.endsWith('.bias');
    const wanted =
      inSaved(owner) || (isBias && (bias === 'all' || (bias === 'lora_only' && adapted.has(owner))));
    if (!wanted) continue;
    const key =
      style === 'peft' && adapted.has(owner) ? `${owner}.base_layer.${name.slice(owner.length + 1)}` : name;
    out.push(params.get(key)!);
  }
  return out;
}

/** Marks the biases and modules_to_save trainable after several applyLora calls. */
export function markExtrasTrainable(
  model: Module,
  bias: BiasMode,
  modulesToSave: readonly string[],
  adapted: ReadonlySet<string>,
) {
  for (const [name, p] of model.namedParameters()) {
    if (LORA_PARAMETER.test(name)) continue;
    const owner = ownerOf(name);
    const isBias = name.endsWith('.bias');
    if (isBias && (bias === 'all' || (bias === 'lora_only' && adapted.has(owner)))) p.requiresGrad = true;
    if (modulesToSave.some((m) => owner === m || owner.endsWith(`.${m}`) || owner.startsWith(`${m}.`)))
      p.requiresGrad = true;
  }
}

/** modules_to_save names as typegrad paths; each must match a module. */
export function resolveModulesToSave(
  model: Module,
  names: readonly string[] | null,
  prefix: string,
  source: string,
): string[] {
  const paths = [...model.namedModules()].map(([p]) => p).filter((p) => p !== '');
  return (names ?? []).map((raw) => {
    const name = raw.startsWith(prefix) ? raw.slice(prefix.length) : raw;
    if (!paths.some((p) => p === name || p.endsWith(`.${name}`))) {
      throw new T.ArgumentError(
        `${source}: modules_to_save '${raw}' matches no module (typegrad's GPT has no separate lm_head: it is tied to wte)`,
      );
    }
    return name;
  });
}
