import { ArgumentError } from '@typegrad/tensor';
import type { Tokenizer, TokenizerSpec } from './tokenizer.js';

const utf8Encoder = new TextEncoder();
// Not fatal: a sampled sequence may end inside a multi-byte character; that byte run becomes U+FFFD.
const utf8Decoder = new TextDecoder('utf-8');

/** One token per UTF-8 byte: vocabulary 256, no unknown inputs, no end-of-text id. */
export class ByteTokenizer implements Tokenizer {
  readonly name = 'byte';
  readonly vocabSize = 256;

  encode(text: string): number[] {
    const bytes = utf8Encoder.encode(text);
    // A plain loop: Array.from on a typed array is several times slower for megabytes of text.
    const ids: number[] = new Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) ids[i] = bytes[i];
    return ids;
  }

  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    const bytes = new Uint8Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id > 255) {
        throw new ArgumentError(`ByteTokenizer.decode: id ${id} at position ${i} is not a byte (0..255)`);
      }
      bytes[i] = id;
    }
    return bytes;
  }

  decode(ids: ArrayLike<number>): string {
    return utf8Decoder.decode(this.decodeBytes(ids));
  }

  toJSON(): TokenizerSpec {
    return { type: 'byte' };
  }
}
