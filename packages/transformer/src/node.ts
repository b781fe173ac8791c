/** Node-only parts of @typegrad/transformer (file system): import from '@typegrad/transformer/node'. */

export { readTextCorpus } from './data/node.js';
export { CONFIG_FILE, type LoadGPT2Options, loadGPT2, saveGPT2, WEIGHTS_FILE } from './gpt/hf-node.js';
export { loadGpt2Tokenizer } from './tokenizers/node.js';
export { loadTrainingCheckpoint, saveTrainingCheckpoint } from './train/checkpoint.js';
export { loadRun } from './train/load-run.js';
export { TrainingProgress } from './train/node-progress.js';
export {
  CHECKPOINT_FILE,
  groupsForDecay,
  type PretrainOptions,
  pretrain,
  writeFileAtomic,
} from './train/pretrain.js';
