/**
 * @typegrad/transformer: modules, a GPT-2-compatible model, training, generation, tokenizers.
 */

export {
  type Batch,
  type BatchOptions,
  defaultCorpus,
  encodeCorpus,
  RandomBatches,
  type RandomBatchOptions,
  type RandomBatchState,
  randomBatches,
  sequentialBatches,
  sequentialWindowCount,
  splitTrainVal,
} from './data/index.js';
export { type BeamSearchOptions, beamSearch } from './generate/beam.js';
export { type GenerateOptions, generate, generateAsync, lastLogits } from './generate/generate.js';
export { argmaxOf, bannedByNgram, type SamplingOptions, sampleToken } from './generate/sample.js';
export { CausalSelfAttention, type LayerCache } from './gpt/attention.js';
export { Block } from './gpt/block.js';
export { GPT2_SMALL, type GPTConfig, resolveConfig } from './gpt/config.js';
export type { EmbeddingLike } from './gpt/gpt.js';
export { type ForwardOptions, GPT } from './gpt/gpt.js';
export {
  type CheckpointEntry,
  checkpointParameters,
  checkTiedHead,
  describeConfig,
  gpt2ConfigJson,
  HF_GPT2_PREFIX,
  type HFLoadPlan,
  loadHFStateDict,
  parseGPT2Config,
  planHFLoad,
  toHFStateDict,
} from './gpt/hf.js';
export { MLP } from './gpt/mlp.js';
export { Dropout } from './nn/dropout.js';
export { Embedding } from './nn/embedding.js';
export { constantParam, type InitOptions, normalParam, uniformParam } from './nn/init.js';
export { LayerNorm } from './nn/layer-norm.js';
export { Linear } from './nn/linear.js';
export { Module } from './nn/module.js';
export { ModuleList } from './nn/module-list.js';
export {
  ByteTokenizer,
  bytesToUnicode,
  CharTokenizer,
  END_OF_TEXT,
  GPT2_SPLIT_PATTERN,
  type Gpt2EncodeOptions,
  Gpt2Tokenizer,
  parseEncoderJson,
  parseVocabBpe,
  StreamDecoder,
  type Tokenizer,
  type TokenizerSpec,
  tokenizerFromSpec,
} from './tokenizers/index.js';
export { clipGradNorm } from './train/clip.js';
export { evaluateLoss } from './train/evaluate.js';
export { Adam, AdamW, Optimizer, type ParamGroup, SGD } from './train/optimizer.js';
export { learningRateAt, type ScheduleOptions } from './train/schedule.js';
export { type StepMetrics, Trainer, type TrainerOptions, type TrainingState } from './train/trainer.js';
