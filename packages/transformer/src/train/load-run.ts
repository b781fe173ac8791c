import { join } from 'node:path';
import * as T from '@typegrad/tensor';
import type { GPTConfig } from '../gpt/config.js';
import { GPT } from '../gpt/gpt.js';
import { tokenizerFromSpec } from '../tokenizers/spec.js';
import type { Tokenizer, TokenizerSpec } from '../tokenizers/tokenizer.js';
import { loadTrainingCheckpoint } from './checkpoint.js';
import { CHECKPOINT_FILE } from './pretrain.js';

/** Loads the model and tokenizer of a pretraining run folder (or a checkpoint file). */
export async function loadRun(
  pathOrDir: string,
  options: { loadGpt2?: () => Tokenizer } = {},
): Promise<{ model: GPT; tokenizer: Tokenizer; step: number }> {
  const path = pathOrDir.endsWith('.safetensors') ? pathOrDir : join(pathOrDir, CHECKPOINT_FILE);
  const { state, extra } = await loadTrainingCheckpoint(path);
  const config = extra.config as GPTConfig | undefined;
  if (!config) throw new T.ArgumentError(`${path}: checkpoint has no model config in its metadata`);
  const model = new GPT(config);
  model.loadStateDict(state.model);
  return { model, tokenizer: tokenizerFromSpec(extra.tokenizer as TokenizerSpec, options), step: state.step };
}
