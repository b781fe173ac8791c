/** Browser-safe tokenizers; the Node file loader is in ./node.js. */
export { ByteTokenizer } from './byte-level.js';
export { CharTokenizer } from './char.js';
export {
  bytesToUnicode,
  END_OF_TEXT,
  GPT2_SPLIT_PATTERN,
  type Gpt2EncodeOptions,
  Gpt2Tokenizer,
  parseEncoderJson,
  parseVocabBpe,
} from './gpt2-bpe.js';
export { tokenizerFromSpec } from './spec.js';
export { StreamDecoder } from './stream-decoder.js';
export type { Tokenizer, TokenizerSpec } from './tokenizer.js';
