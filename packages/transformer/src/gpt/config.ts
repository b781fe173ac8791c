import { ArgumentError } from '@typegrad/tensor';

/** GPT-2 hyper-parameters, named as in HuggingFace's config.json. */
export interface GPTConfig {
  vocab_size: number;
  /** Context length (maximum positions). */
  n_positions: number;
  n_embd: number;
  n_layer: number;
  n_head: number;
  /** MLP width; HF's null means 4·n_embd. */
  n_inner?: number | null;
  /** 'gelu_new' (tanh approximation, GPT-2) or 'gelu' (exact). */
  activation_function?: 'gelu_new' | 'gelu';
  layer_norm_epsilon?: number;
  resid_pdrop?: number;
  embd_pdrop?: number;
  attn_pdrop?: number;
  /** Tie the output projection to the token embedding (GPT-2 does). */
  tie_word_embeddings?: boolean;
}

/** GPT-2 small's configuration. */
export const GPT2_SMALL: GPTConfig = {
  vocab_size: 50257,
  n_positions: 1024,
  n_embd: 768,
  n_layer: 12,
  n_head: 12,
  activation_function: 'gelu_new',
  layer_norm_epsilon: 1e-5,
  resid_pdrop: 0.1,
  embd_pdrop: 0.1,
  attn_pdrop: 0.1,
};

/** Fills defaults and refuses impossible values with a message naming the field. */
export function resolveConfig(config: GPTConfig): Required<GPTConfig> & { n_inner: number } {
  const positiveInts = ['vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_head'] as const;
  for (const key of positiveInts) {
    const v = config[key];
    if (!Number.isInteger(v) || v <= 0)
      throw new ArgumentError(`GPT config: ${key} must be a positive integer, got ${v}`);
  }
  if (config.n_embd % config.n_head !== 0) {
    throw new ArgumentError(
      `GPT config: n_embd (${config.n_embd}) must be divisible by n_head (${config.n_head})`,
    );
  }
  for (const key of ['resid_pdrop', 'embd_pdrop', 'attn_pdrop'] as const) {
    const p = config[key] ?? 0;
    if (!(p >= 0 && p < 1)) throw new ArgumentError(`GPT config: ${key} must be in [0, 1), got ${p}`);
  }
  return {
    ...config,
    n_inner: config.n_inner ?? 4 * config.n_embd,
    activation_function: config.activation_function ?? 'gelu_new',
    layer_norm_epsilon: config.layer_norm_epsilon ?? 1e-5,
    resid_pdrop: config.resid_pdrop ?? 0,
    embd_pdrop: config.embd_pdrop ?? 0,
    attn_pdrop: config.attn_pdrop ?? 0,
    tie_word_embeddings: config.tie_word_embeddings ?? true,
  };
}
