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
export { defaultCorpus, encodeCorpus, splitTrainVal } from './corpus.js';
