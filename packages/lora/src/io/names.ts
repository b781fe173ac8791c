import * as T from '@typegrad/tensor';

/** File and key names of saved adapters, and reading a file's keys without their prefixes. */

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
/** PeftModel's prefix before the wrapped model's parameter names. */
export const PEFT_PREFIX = 'base_model.model.';
/** GPT2LMHeadModel's prefix before GPT2Model's names (typegrad's GPT has none). */
export const GPT2_MODULE_PREFIX = 'transformer.';
export const LORALIB_MERGED_FORMAT = 'loralib_merged';

/** `h.0.attn.c_attn` for `h.0.attn.c_attn.bias`. */
export const ownerOf = (name: string) => name.slice(0, name.lastIndexOf('.'));
export const showShape = (s: readonly number[]) => `[${s.join(', ')}]`;

/** File tensor names without their prefixes (PEFT's `base_model.model.`, then `transformer.`). */
export function canonicalKeys(
  tensors: ReadonlyMap<string, T.NDArray>,
  peftPrefix: boolean,
  source: string,
): { keys: Map<string, { original: string; shape: readonly number[] }>; modulePrefix: string } {
  const keys = new Map<string, { original: string; shape: readonly number[] }>();
  const bad: string[] = [];
  let prefixed = 0;
  for (const [original, value] of tensors) {
    let key = original;
    if (peftPrefix) {
      if (!key.startsWith(PEFT_PREFIX)) {
        bad.push(original);
        continue;
      }
      key = key.slice(PEFT_PREFIX.length);
    }
    if (key.startsWith(GPT2_MODULE_PREFIX)) {
      key = key.slice(GPT2_MODULE_PREFIX.length);
      prefixed++;
    }
    if (keys.has(key))
      throw new T.ArgumentError(
        `${source}: '${original}' and '${keys.get(key)!.original}' name the same tensor`,
      );
    keys.set(key, { original, shape: value.shape });
  }
  if (bad.length)
    throw new T.ArgumentError(`${source}: keys without PEFT's '${PEFT_PREFIX}' prefix: ${bad.join(', ')}`);
  return { keys, modulePrefix: prefixed > 0 ? GPT2_MODULE_PREFIX : '' };
}
