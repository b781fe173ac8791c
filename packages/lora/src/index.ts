/**
 * @typegrad/lora: Low-Rank Adaptation (Hu et al. 2021) for @typegrad/transformer models —
 * LoRA layers, applying them to a frozen model, adapters, merging, and the paper's analyses.
 */

export {
  adapterNames,
  addWeightedAdapter,
  deleteAdapter,
  loraLayers,
  mergeAdapters,
  setActiveAdapters,
  setMergeOnEval,
  trainableReport,
  unmergeAdapters,
  withAdaptersDisabled,
} from './adapters.js';
export * from './analysis/index.js';
export { applyLora, resolveTargets } from './apply.js';
export { DEFAULT_ADAPTER, type LoraConfig } from './config.js';
export * from './experiments/e2e/index.js';
export type { BiasMode } from './io/extras.js';
export { loadLoraStateDict, loraStateDict } from './io/loralib.js';
export { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, LORALIB_MERGED_FORMAT, PEFT_PREFIX } from './io/names.js';
export { type AdapterFileOptions, type AdapterFiles, adapterFiles, applyAdapterFiles } from './io/peft.js';
export { type PeftLoraConfig, parsePeftConfig, resolvePeftTargets } from './io/peft-config.js';
export {
  type Adapter,
  type AdapterOptions,
  type LoraInit,
  type LowRankPair,
  type OutputSlice,
  scalingOf,
} from './layers/adapter.js';
export { LoRAEmbedding } from './layers/lora-embedding.js';
export { LoRALinear } from './layers/lora-linear.js';
