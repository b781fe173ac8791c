/**
 * @typegrad/transformer: modules, a GPT-2-compatible model, training, generation, tokenizers.
 */

export { type BeamSearchOptions, beamSearch } from './generate/beam.js';
export { type GenerateOptions, generate, lastLogits } from './generate/generate.js';
export { argmaxOf, bannedByNgram, type SamplingOptions, sampleToken } from './generate/sample.js';
export { CausalSelfAttention, type LayerCache } from './gpt/attention.js';
export { Block } from './gpt/block.js';
export { GPT2_SMALL, type GPTConfig, resolveConfig } from './gpt/config.js';
export { type ForwardOptions, GPT } from './gpt/gpt.js';
export { MLP } from './gpt/mlp.js';
export { Dropout } from './nn/dropout.js';
export { Embedding } from './nn/embedding.js';
export { constantParam, type InitOptions, normalParam, uniformParam } from './nn/init.js';
export { LayerNorm } from './nn/layer-norm.js';
export { Linear } from './nn/linear.js';
export { Module } from './nn/module.js';
export { ModuleList } from './nn/module-list.js';
export { clipGradNorm } from './train/clip.js';
export { Adam, AdamW, Optimizer, type ParamGroup, SGD } from './train/optimizer.js';
export { learningRateAt, type ScheduleOptions } from './train/schedule.js';
export { Trainer, type TrainerOptions, type TrainingState, type StepMetrics } from './train/trainer.js';
export {
  ByteTokenizer,
  CharTokenizer,
  Gpt2Tokenizer,
  bytesToUnicode,
  END_OF_TEXT,
  GPT2_SPLIT_PATTERN,
  parseEncoderJson,
  parseVocabBpe,
  tokenizerFromSpec,
  StreamDecoder,
  type Tokenizer,
  type TokenizerSpec,
  type Gpt2EncodeOptions,
} from './tokenizers/index.js';
export {
  defaultCorpus,
  encodeCorpus,
  splitTrainVal,
  randomBatches,
  RandomBatches,
  sequentialBatches,
  sequentialWindowCount,
  type Batch,
  type BatchOptions,
  type RandomBatchOptions,
  type RandomBatchState,
} from './data/index.js';
