import type { Tokenizer } from './tokenizer.js';

/**
 * Turns tokens into text as they are generated, holding back the bytes of a character that is not
 * complete yet (a byte-level or BPE token may end in the middle of a UTF-8 sequence).
 */
export class StreamDecoder {
  private readonly utf8 = new TextDecoder('utf-8');

  constructor(private readonly tokenizer: Tokenizer) {}

  /** Text completed by these tokens (may be empty while a character is still partial). */
  push(ids: ArrayLike<number>): string {
    if (!this.tokenizer.decodeBytes) return this.tokenizer.decode(ids);
    return this.utf8.decode(this.tokenizer.decodeBytes(ids), { stream: true });
  }

  /** Flushes what is left; an unfinished character becomes U+FFFD. */
  end(): string {
    return this.utf8.decode();
  }
}
