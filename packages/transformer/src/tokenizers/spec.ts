import { ArgumentError } from '@typegrad/tensor';
import { ByteTokenizer } from './byte-level.js';
import { CharTokenizer } from './char.js';
import type { Tokenizer, TokenizerSpec } from './tokenizer.js';

/**
 * Rebuilds a tokenizer from its `toJSON()` spec (as stored in a checkpoint). A GPT-2 BPE spec needs
 * the vocabulary files, so the caller passes a loader for them.
 */
export function tokenizerFromSpec(
  spec: TokenizerSpec,
  options: { loadGpt2?: () => Tokenizer } = {},
): Tokenizer {
  switch (spec?.type) {
    case 'byte':
      return new ByteTokenizer();
    case 'char':
      return CharTokenizer.fromJSON(spec);
    case 'gpt2-bpe':
      if (!options.loadGpt2) {
        throw new ArgumentError(
          'tokenizerFromSpec: a gpt2-bpe tokenizer needs loadGpt2 (encoder.json + vocab.bpe)',
        );
      }
      return options.loadGpt2();
    default:
      throw new ArgumentError(`tokenizerFromSpec: unknown tokenizer spec ${JSON.stringify(spec)}`);
  }
}
