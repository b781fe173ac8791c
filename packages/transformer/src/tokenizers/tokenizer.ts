/** What a checkpoint stores to rebuild its tokenizer; see `tokenizerFromSpec`. */
export type TokenizerSpec =
  | { type: 'byte' }
  | { type: 'char'; chars: string[] }
  /** The vocabulary itself lives in `encoder.json` + `vocab.bpe` beside the checkpoint. */
  | { type: 'gpt2-bpe' };

/** Maps text to token ids and back. Every tokenizer in this package round-trips valid Unicode text. */
export interface Tokenizer {
  /** Short identifier: `byte`, `char`, `gpt2-bpe`. */
  readonly name: string;
  /** Number of ids; every id that `encode` returns is below it. */
  readonly vocabSize: number;
  /** End-of-text id, where the vocabulary has one (GPT-2: 50256). */
  readonly eosId?: number;
  encode(text: string): number[];
  /** Ids to text; byte sequences cut in the middle of a character decode to U+FFFD instead of throwing. */
  decode(ids: ArrayLike<number>): string;
  /** Ids to raw UTF-8 bytes, for streaming decoders that must not split a character. */
  decodeBytes?(ids: ArrayLike<number>): Uint8Array;
  /** JSON-serialisable description from which `tokenizerFromSpec` rebuilds the tokenizer. */
  toJSON(): TokenizerSpec;
}
