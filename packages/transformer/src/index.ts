/**
 * @typegrad/transformer: modules, a GPT-2-compatible model, training, generation, tokenizers.
 */

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
export { Optimizer, AdamW, Adam, SGD, type ParamGroup } from './train/optimizer.js';
export { learningRateAt, type ScheduleOptions } from './train/schedule.js';
export { clipGradNorm } from './train/clip.js';
