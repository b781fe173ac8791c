import { ArgumentError } from '@typegrad/tensor';
import type { Tokenizer, TokenizerSpec } from './tokenizer.js';

/**
 * One token per Unicode code point seen in a corpus (minGPT / nanoGPT's character model):
 * tinyshakespeare gives the 65-symbol vocabulary of the reference benchmark model.
 * The vocabulary is part of the model, so it serialises with `toJSON()`.
 */
export class CharTokenizer implements Tokenizer {
  readonly name = 'char';
  readonly chars: readonly string[];
  private readonly idOf: Map<string, number>;

  /** `chars`: the vocabulary in id order; each entry one code point, no repeats. */
  constructor(chars: readonly string[]) {
    const idOf = new Map<string, number>();
    chars.forEach((ch, id) => {
      if (typeof ch !== 'string' || [...ch].length !== 1) {
        throw new ArgumentError(`CharTokenizer: entry ${id} (${JSON.stringify(ch)}) is not one code point`);
      }
      if (idOf.has(ch)) throw new ArgumentError(`CharTokenizer: ${JSON.stringify(ch)} appears twice`);
      idOf.set(ch, id);
    });
    this.chars = [...chars];
    this.idOf = idOf;
  }

  /** The distinct code points of `text`, sorted by code point (Python's `sorted(set(text))`). */
  static fromText(text: string): CharTokenizer {
    const distinct = [...new Set(text)];
    distinct.sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer(distinct);
  }

  static fromJSON(spec: { chars: readonly string[] }): CharTokenizer {
    if (!spec || !Array.isArray(spec.chars)) {
      throw new ArgumentError('CharTokenizer.fromJSON: expected an object with a "chars" array');
    }
    return new CharTokenizer(spec.chars);
  }

  get vocabSize(): number {
    return this.chars.length;
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    let offset = 0;
    for (const ch of text) {
      const id = this.idOf.get(ch);
      if (id === undefined) {
        const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        throw new ArgumentError(
          `CharTokenizer.encode: ${JSON.stringify(ch)} (U+${code}) at offset ${offset} is not in the ${this.vocabSize}-character vocabulary`,
        );
      }
      ids.push(id);
      offset += ch.length;
    }
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const ch = this.chars[ids[i]];
      if (ch === undefined) {
        throw new ArgumentError(
          `CharTokenizer.decode: id ${ids[i]} at position ${i} is outside the vocabulary (0..${this.vocabSize - 1})`,
        );
      }
      text += ch;
    }
    return text;
  }

  toJSON(): TokenizerSpec {
    return { type: 'char', chars: [...this.chars] };
  }
}
