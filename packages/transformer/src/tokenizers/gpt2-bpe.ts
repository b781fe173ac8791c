import { ArgumentError } from '@typegrad/tensor';
import { bpeMerge, MergeTable } from './bpe-merge.js';
import type { Tokenizer, TokenizerSpec } from './tokenizer.js';

/** GPT-2's pre-tokenisation: contractions, letter runs, digit runs, other-symbol runs, whitespace. */
export const GPT2_SPLIT_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

export const END_OF_TEXT = '<|endoftext|>';

/**
 * GPT-2's bytes_to_unicode: byte b → a printable character, so that every token of encoder.json is a
 * plain string. Printable Latin-1 bytes map to themselves; the rest to U+0100 onwards (space → 'Ġ').
 */
export function bytesToUnicode(): string[] {
  const table: string[] = new Array(256);
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let extra = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCharCode(printable(b) ? b : 256 + extra++);
  return table;
}

export interface Gpt2EncodeOptions {
  /**
   * Special tokens to recognise in the text (`'all'` or a list such as `['<|endoftext|>']`). Others
   * are encoded as ordinary text, as OpenAI's encoder.py and HuggingFace do (tiktoken would throw).
   */
  allowedSpecial?: 'all' | Iterable<string>;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');
/** Pre-tokens longer than this are not cached (they are rare and would pin large strings). */
const MAX_CACHED_WORD = 256;
const MAX_CACHE_ENTRIES = 200_000;

/**
 * GPT-2's byte-level BPE, built from the `encoder.json` and `vocab.bpe` that ship with every GPT-2
 * checkpoint. Browser-safe: it takes the file contents as strings (see `loadGpt2Tokenizer` for Node).
 */
export class Gpt2Tokenizer implements Tokenizer {
  readonly name = 'gpt2-bpe';
  readonly vocabSize: number;
  readonly eosId?: number;
  /** Special token text → id (`<|endoftext|>` where the vocabulary has it). */
  readonly specialTokens: ReadonlyMap<string, number>;
  private readonly byteToId = new Int32Array(256);
  private readonly merges: MergeTable;
  private readonly tokenBytes: (Uint8Array | undefined)[];
  private readonly splitRegex = new RegExp(GPT2_SPLIT_PATTERN, 'gu');
  private readonly cache = new Map<string, number[]>();

  /**
   * `encoder`: token string (bytes_to_unicode form) → id. `merges`: pairs in rank order.
   * Errors name the file a bad entry would have come from.
   */
  constructor(encoder: ReadonlyMap<string, number>, merges: ReadonlyArray<readonly [string, string]>) {
    const byteToChar = bytesToUnicode();
    const charToByte = new Map(byteToChar.map((ch, b) => [ch, b]));
    let maxId = -1;
    for (const id of encoder.values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;

    this.tokenBytes = new Array(this.vocabSize);
    for (const [token, id] of encoder) {
      if (this.tokenBytes[id] !== undefined) {
        throw new ArgumentError(`encoder.json: id ${id} is given to more than one token (one is "${token}")`);
      }
      const bytes: number[] = [];
      for (const ch of token) {
        const b = charToByte.get(ch);
        if (b === undefined) {
          throw new ArgumentError(
            `encoder.json: token "${token}" (id ${id}) has "${ch}", which is not a bytes_to_unicode character`,
          );
        }
        bytes.push(b);
      }
      this.tokenBytes[id] = Uint8Array.from(bytes);
    }

    for (let b = 0; b < 256; b++) {
      const id = encoder.get(byteToChar[b]);
      if (id === undefined) {
        throw new ArgumentError(
          `encoder.json: byte 0x${b.toString(16).padStart(2, '0')} ("${byteToChar[b]}") has no token`,
        );
      }
      this.byteToId[b] = id;
    }

    const mergeIds = merges.map(([left, right], rank): [number, number, number] => {
      const idOf = (token: string, what: string) => {
        const id = encoder.get(token);
        if (id === undefined) {
          throw new ArgumentError(
            `vocab.bpe: merge ${rank} ("${left} ${right}"): ${what} "${token}" is not in encoder.json`,
          );
        }
        return id;
      };
      return [idOf(left, 'left part'), idOf(right, 'right part'), idOf(left + right, 'merged token')];
    });
    this.merges = new MergeTable(mergeIds, this.vocabSize);

    const eos = encoder.get(END_OF_TEXT);
    this.eosId = eos;
    this.specialTokens = new Map(eos === undefined ? [] : [[END_OF_TEXT, eos]]);
  }

  /** Builds the tokenizer from the text of `encoder.json` and `vocab.bpe`. */
  static fromFiles(encoderJson: string, vocabBpe: string): Gpt2Tokenizer {
    return new Gpt2Tokenizer(parseEncoderJson(encoderJson), parseVocabBpe(vocabBpe));
  }

  encode(text: string, options: Gpt2EncodeOptions = {}): number[] {
    const ids: number[] = [];
    const specials = this.allowedSpecialRegex(options.allowedSpecial);
    if (!specials) {
      this.encodeOrdinaryInto(text, ids);
      return ids;
    }
    let start = 0;
    for (const match of text.matchAll(specials)) {
      this.encodeOrdinaryInto(text.slice(start, match.index), ids);
      ids.push(this.specialTokens.get(match[0])!);
      start = match.index + match[0].length;
    }
    this.encodeOrdinaryInto(text.slice(start), ids);
    return ids;
  }

  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    const pieces: Uint8Array[] = new Array(ids.length);
    let length = 0;
    for (let i = 0; i < ids.length; i++) {
      const piece = this.tokenBytes[ids[i]];
      if (piece === undefined) {
        throw new ArgumentError(
          `Gpt2Tokenizer.decode: id ${ids[i]} at position ${i} is not in the vocabulary (0..${this.vocabSize - 1})`,
        );
      }
      pieces[i] = piece;
      length += piece.length;
    }
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const piece of pieces) {
      bytes.set(piece, offset);
      offset += piece.length;
    }
    return bytes;
  }

  decode(ids: ArrayLike<number>): string {
    return utf8Decoder.decode(this.decodeBytes(ids));
  }

  /** Frees the per-word cache (it holds at most 200k pre-tokens). */
  clearCache(): void {
    this.cache.clear();
  }

  toJSON(): TokenizerSpec {
    return { type: 'gpt2-bpe' };
  }

  private encodeOrdinaryInto(text: string, out: number[]): void {
    const regex = this.splitRegex;
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      const word = match[0];
      let wordIds = this.cache.get(word);
      if (wordIds === undefined) {
        wordIds = this.encodeWord(word);
        if (word.length <= MAX_CACHED_WORD) {
          if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.clear();
          this.cache.set(word, wordIds);
        }
      }
      for (let i = 0; i < wordIds.length; i++) out.push(wordIds[i]);
    }
  }

  private encodeWord(word: string): number[] {
    const bytes = utf8Encoder.encode(word);
    const symbols: number[] = new Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) symbols[i] = this.byteToId[bytes[i]];
    return bpeMerge(symbols, this.merges);
  }

  private allowedSpecialRegex(allowed: Gpt2EncodeOptions['allowedSpecial']): RegExp | undefined {
    if (allowed === undefined) return undefined;
    const names = allowed === 'all' ? [...this.specialTokens.keys()] : [...allowed];
    for (const name of names) {
      if (!this.specialTokens.has(name)) {
        throw new ArgumentError(
          `Gpt2Tokenizer.encode: "${name}" is not a special token of this vocabulary (known: ${[...this.specialTokens.keys()].join(', ') || 'none'})`,
        );
      }
    }
    if (names.length === 0) return undefined;
    const escaped = names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(escaped.join('|'), 'g');
  }
}

/** Parses encoder.json: an object of token → non-negative integer id. */
export function parseEncoderJson(text: string): Map<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ArgumentError(`encoder.json is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ArgumentError('encoder.json must be a JSON object mapping token strings to ids');
  }
  const encoder = new Map<string, number>();
  for (const [token, id] of Object.entries(parsed)) {
    if (!Number.isInteger(id) || id < 0) {
      throw new ArgumentError(
        `encoder.json: token "${token}" has id ${JSON.stringify(id)}, not an integer >= 0`,
      );
    }
    encoder.set(token, id);
  }
  if (encoder.size === 0) throw new ArgumentError('encoder.json has no tokens');
  return encoder;
}

/** Parses vocab.bpe: an optional `#version` line, then one merge `A B` per line, in rank order. */
export function parseVocabBpe(text: string): [string, string][] {
  const merges: [string, string][] = [];
  const lines = text.split('\n');
  lines.forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '' || (index === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new ArgumentError(
        `vocab.bpe line ${index + 1}: expected two symbols separated by one space, got ${JSON.stringify(line)}`,
      );
    }
    merges.push([parts[0], parts[1]]);
  });
  if (merges.length === 0) throw new ArgumentError('vocab.bpe has no merge rules');
  return merges;
}
