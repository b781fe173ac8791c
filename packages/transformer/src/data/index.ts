/** Browser-safe text-data utilities; reading files from disk is in ./node.js. */
export {
  type Batch,
  type BatchOptions,
  RandomBatches,
  type RandomBatchOptions,
  type RandomBatchState,
  randomBatches,
  sequentialBatches,
  sequentialWindowCount,
} from './batches.js';
export { encodeCorpus, splitTrainVal } from './corpus.js';
export { defaultCorpus } from './default-corpus.js';
