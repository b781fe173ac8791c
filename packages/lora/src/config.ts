import type { LoraInit } from './layers/adapter.js';

/** What `applyLora` adapts and how; field names follow PEFT's LoraConfig where one exists. */
export interface LoraConfig {
  r: number;
  alpha: number;
  dropout?: number;
  /**
   * Modules to adapt: exact paths, path suffixes ('c_attn', 'attn.c_proj'), a RegExp over full
   * paths, or the attention projections by role: 'q', 'k', 'v' (slices of GPT-2's fused c_attn)
   * and 'o' (attn.c_proj).
   */
  targetModules: readonly string[] | RegExp;
  /** Only these block indices (h.<i>) are adapted. */
  layersToTransform?: readonly number[];
  /** Per-module rank / alpha overrides: the first key that is a suffix of (or RegExp source matching) the path wins. */
  rankPattern?: Record<string, number>;
  alphaPattern?: Record<string, number>;
  /** Which biases train: none, all of them, or those of adapted layers. */
  bias?: 'none' | 'all' | 'lora_only';
  /** Modules trained in full alongside the adapters (e.g. a task head). */
  modulesToSave?: readonly string[];
  useRslora?: boolean;
  init?: LoraInit;
  useDora?: boolean;
  seed?: number;
}

export const DEFAULT_ADAPTER = 'default';
