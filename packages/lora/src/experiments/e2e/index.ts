/**
 * The E2E NLG task: data format, prompts, a synthetic stand-in, and the official metrics.
 * Browser-safe; file access (`loadE2E`, `writeSyntheticE2E`) is in ./node.js.
 */
export { type CsvRecord, formatCsv, formatCsvField, type ParseCsvOptions, parseCsv } from './csv.js';
export {
  E2E_FILES,
  type E2EData,
  type E2EInstance,
  type E2EPair,
  type E2ESources,
  groupByMR,
  parseE2E,
  parseE2ECsv,
} from './dataset.js';
export {
  E2E_SCORE_KEYS,
  type E2EScores,
  type E2ETokens,
  scoreE2E,
  tokenizeForMetrics,
} from './metrics/score.js';
export { E2E_SLOTS, type E2ESlot, formatMR, parseMR, type SlotValue } from './mr.js';
export {
  buildTrainingExample,
  defaultMarkers,
  type ExampleMarkers,
  linearize,
  normalizeReference,
  promptIds,
  type TextEncoderLike,
  type TrainingExample,
} from './prompt.js';
export { generateSyntheticE2E, type SyntheticE2E, type SyntheticE2EOptions } from './synthetic.js';
export { E2E_PRESENCE, E2E_VALUES } from './synthetic-values.js';
