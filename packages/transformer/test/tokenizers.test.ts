import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError } from '@typegrad/tensor';
import fc from 'fast-check';
import { encode as referenceEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCorpus } from '../src/data/default-corpus.js';
import { bpeMergeHeap, bpeMergeScan, MergeTable } from '../src/tokenizers/bpe-merge.js';
import { ByteTokenizer } from '../src/tokenizers/byte-level.js';
import { CharTokenizer } from '../src/tokenizers/char.js';
import { bytesToUnicode, END_OF_TEXT, Gpt2Tokenizer } from '../src/tokenizers/gpt2-bpe.js';
import { loadGpt2Tokenizer } from '../src/tokenizers/node.js';
import { tokenizerFromSpec } from '../src/tokenizers/spec.js';
import { StreamDecoder } from '../src/tokenizers/stream-decoder.js';
import type { Tokenizer } from '../src/tokenizers/tokenizer.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
// shared/ sits beside the checkout (CI and the dev machine); its files are never committed.
const gpt2Dir = resolve(repoRoot, '../shared/data/gpt2-bpe');
const shakespearePath = resolve(repoRoot, '../shared/data/tinyshakespeare/input.txt');
const haveGpt2 = existsSync(join(gpt2Dir, 'encoder.json')) && existsSync(join(gpt2Dir, 'vocab.bpe'));
const haveShakespeare = existsSync(shakespearePath);
if (!haveGpt2) console.warn(`skipping GPT-2 BPE tests: ${gpt2Dir}/{encoder.json,vocab.bpe} not found`);
if (!haveShakespeare) console.warn(`skipping tinyshakespeare tests: ${shakespearePath} not found`);

const FC = { numRuns: 200, seed: 20240611 };
const unicodeString = fc.string({ unit: 'binary', maxLength: 60 });
const utf8 = (s: string) => Array.from(new TextEncoder().encode(s));

/** Compares token arrays without handing vitest a 300k-element diff; reports the first mismatch. */
function expectSameTokens(ours: readonly number[], reference: readonly number[], label: string): void {
  let first = -1;
  for (let i = 0; i < Math.max(ours.length, reference.length); i++) {
    if (ours[i] !== reference[i]) {
      first = i;
      break;
    }
  }
  const context = (ids: readonly number[]) => ids.slice(Math.max(0, first - 3), first + 4).join(',');
  expect(
    first === -1
      ? 'identical'
      : `${label}: first difference at token ${first}: ours ${context(ours)} vs reference ${context(reference)}`,
  ).toBe('identical');
}

describe('ByteTokenizer', () => {
  const tokenizer = new ByteTokenizer();

  it('encodes UTF-8 bytes with vocabulary 256 and no end-of-text id', () => {
    expect(tokenizer.vocabSize).toBe(256);
    expect((tokenizer as Tokenizer).eosId).toBeUndefined();
    expect(tokenizer.encode('hé€🐋')).toEqual([0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x90, 0x8b]);
    expect(tokenizer.encode('')).toEqual([]);
  });

  it('round-trips random Unicode strings', () => {
    fc.assert(
      fc.property(unicodeString, (s) => tokenizer.decode(tokenizer.encode(s)) === s),
      FC,
    );
  });

  it('decodes a cut multi-byte character to U+FFFD instead of throwing', () => {
    expect(tokenizer.decode([0xe2, 0x82])).toBe('\uFFFD');
    expect(tokenizer.decode([0x61, 0xf0, 0x9f])).toBe('a\uFFFD');
  });

  it('rejects ids that are not bytes', () => {
    for (const bad of [256, -1, 1.5]) {
      expect(() => tokenizer.decode([65, bad])).toThrow(ArgumentError);
      expect(() => tokenizer.decode([65, bad])).toThrow(/position 1/);
    }
  });

  it('StreamDecoder holds back a partial character until its last byte arrives', () => {
    const stream = new StreamDecoder(tokenizer);
    const pieces = tokenizer.encode('€🐋!').map((id) => stream.push([id]));
    expect(pieces).toEqual(['', '', '€', '', '', '', '🐋', '!']);
    expect(stream.end()).toBe('');
    const cut = new StreamDecoder(tokenizer);
    expect(cut.push([0xe2, 0x82])).toBe('');
    expect(cut.end()).toBe('\uFFFD');
  });
});

describe('CharTokenizer', () => {
  it('builds a vocabulary of distinct code points sorted like sorted(set(text))', () => {
    const tokenizer = CharTokenizer.fromText('hello, 🐋 world🐋');
    expect(tokenizer.chars).toEqual([' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w', '🐋']);
    expect(tokenizer.encode('🐋hello')).toEqual([9, 4, 3, 5, 5, 6]);
    expect(tokenizer.decode([9, 4, 3, 5, 5, 6])).toBe('🐋hello');
  });

  it('round-trips any string over its own vocabulary, and through its JSON spec', () => {
    fc.assert(
      fc.property(unicodeString, (s) => {
        const tokenizer = CharTokenizer.fromText(s);
        const restored = tokenizerFromSpec(JSON.parse(JSON.stringify(tokenizer)));
        return tokenizer.decode(tokenizer.encode(s)) === s && restored.decode(tokenizer.encode(s)) === s;
      }),
      FC,
    );
  });

  it('names the unknown character and its offset', () => {
    const tokenizer = CharTokenizer.fromText('abc');
    expect(() => tokenizer.encode('ab🐋')).toThrow(
      /"🐋" \(U\+1F40B\) at offset 2 is not in the 3-character vocabulary/,
    );
    expect(() => tokenizer.decode([0, 3])).toThrow(/id 3 at position 1 is outside the vocabulary \(0..2\)/);
    expect(() => new CharTokenizer(['a', 'a'])).toThrow(/appears twice/);
    expect(() => new CharTokenizer(['ab'])).toThrow(/not one code point/);
  });

  it('has the 89-symbol vocabulary of the built-in Moby Dick corpus and round-trips it', () => {
    const text = defaultCorpus();
    const tokenizer = CharTokenizer.fromText(text);
    expect(tokenizer.vocabSize).toBe(89);
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it.skipIf(!haveShakespeare)(
    'has the 65-symbol vocabulary of tinyshakespeare (the reference benchmark model)',
    () => {
      const text = readFileSync(shakespearePath, 'utf8');
      const tokenizer = CharTokenizer.fromText(text);
      expect(tokenizer.vocabSize).toBe(65);
      expect(tokenizer.chars.join('')).toBe(
        "\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
      );
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    },
  );
});

describe('tokenizerFromSpec', () => {
  it('rebuilds byte and char tokenizers and refuses what it cannot rebuild', () => {
    expect(tokenizerFromSpec({ type: 'byte' })).toBeInstanceOf(ByteTokenizer);
    expect(tokenizerFromSpec({ type: 'char', chars: ['x', 'y'] }).encode('yx')).toEqual([1, 0]);
    expect(() => tokenizerFromSpec({ type: 'gpt2-bpe' })).toThrow(/needs loadGpt2/);
    expect(() => tokenizerFromSpec({ type: 'sentencepiece' } as never)).toThrow(/unknown tokenizer spec/);
  });
});

describe('bytesToUnicode', () => {
  it('is GPT-2 table: printable Latin-1 to itself, the rest from U+0100, space to Ġ and newline to Ċ', () => {
    const table = bytesToUnicode();
    expect(new Set(table).size).toBe(256);
    expect(table[0x21]).toBe('!');
    expect(table[0xff]).toBe('ÿ');
    expect(table[0x20]).toBe('Ġ');
    expect(table[0x0a]).toBe('Ċ');
    expect(table[0x00]).toBe('Ā');
    expect(table[0xad]).toBe('Ń');
  });
});

describe('BPE merge loop', () => {
  // Both variants implement "merge the lowest-rank pair, leftmost on ties", so they must agree for any
  // table, including tables whose ranks are not consistent the way trained ones are.
  const table = new MergeTable(
    [
      [0, 1, 4],
      [1, 1, 5],
      [4, 5, 6],
      [2, 2, 7],
      [7, 7, 8],
      [5, 0, 9],
      [3, 0, 10],
      [6, 10, 11],
      [1, 0, 12],
    ],
    13,
  );

  it('the heap and rescan variants agree on random symbol sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 300 }), (symbols) => {
        expect(bpeMergeHeap(symbols, table)).toEqual(bpeMergeScan(symbols, table));
      }),
      FC,
    );
  });

  it('merges leftmost on ties', () => {
    expect(bpeMergeScan([1, 1, 1], table)).toEqual([5, 1]);
    expect(bpeMergeHeap([1, 1, 1], table)).toEqual([5, 1]);
    expect(bpeMergeScan([2, 2, 2, 2], table)).toEqual([8]);
  });
});

describe.skipIf(!haveGpt2)(`GPT-2 BPE from ${gpt2Dir}`, () => {
  let tokenizer: Gpt2Tokenizer;
  /** gpt-tokenizer's r50k_base (= GPT-2) with `<|endoftext|>` read as plain text, as ours does by default. */
  const reference = (text: string) => referenceEncode(text, { disallowedSpecial: new Set() });

  beforeAll(() => {
    tokenizer = loadGpt2Tokenizer(gpt2Dir);
  });

  it('loads the 50,257-token vocabulary with <|endoftext|> = 50256', () => {
    expect(tokenizer.vocabSize).toBe(50257);
    expect(tokenizer.eosId).toBe(50256);
    expect(tokenizer.name).toBe('gpt2-bpe');
  });

  it('gives the well-known ids of GPT-2', () => {
    expect(tokenizer.encode('Hello world')).toEqual([15496, 995]);
    expect(tokenizer.encode(' the')).toEqual([262]);
    expect(tokenizer.decode([50256])).toBe(END_OF_TEXT);
  });

  it('agrees token-for-token with gpt-tokenizer on the built-in Moby Dick corpus and round-trips it', () => {
    const text = defaultCorpus();
    const ours = tokenizer.encode(text);
    expect(ours.length).toBeGreaterThan(250_000);
    expectSameTokens(ours, reference(text), 'Moby Dick');
    expect(tokenizer.decode(ours)).toBe(text);
  });

  it.skipIf(!haveShakespeare)(
    'agrees token-for-token with gpt-tokenizer on tinyshakespeare and round-trips it',
    () => {
      const text = readFileSync(shakespearePath, 'utf8');
      const ours = tokenizer.encode(text);
      expect(ours.length).toBe(338_025);
      expectSameTokens(ours, reference(text), 'tinyshakespeare');
      expect(tokenizer.decode(ours)).toBe(text);
    },
  );

  const edgeCases: [string, string][] = [
    ['empty', ''],
    ['one space', ' '],
    ['whitespace runs', 'a  b   c    d\t\t e \t'],
    ['trailing spaces', 'word     '],
    ['newlines', '\n\n\nline one\nline two\n\n  indented\r\nwindows\r\n'],
    ['only whitespace', ' \n \t\n   '],
    ['contractions', "I'm sure you'll see we've done what they'd said: it's don't, they're, I'M, IT'S"],
    ['quotes', "'s 'S ''s '' 'tis rock'n'roll"],
    ['numbers', '123 4567 3.14159 1,000,000 2024-06-11 0x1F ٣٤٥'],
    ['accents', 'naïve café Ångström façade'],
    ['emoji', 'whale 🐳🐋 family 👩‍👩‍👧 flag 🇯🇵 skin 👍🏽'],
    ['CJK', '日本語のテキスト、中文文本。한국어 텍스트'],
    ['mixed scripts', 'Привет мир! مرحبا بالعالم שלום'],
    ['symbols', '<<>> !!! ... --- ___ *** @@@ #hash $5 %'],
    ['end of text as plain text', `before${END_OF_TEXT}after <|endoftext|> <|endof`],
    ['control characters', '\u0000\u0001\u001f\u007f\u0085\u00a0\u2028\ufeff'],
    ['long word', 'Supercalifragilisticexpialidocious'.repeat(40)],
    ['long CJK run', '我们一起学习机器学习模型'.repeat(100)],
    ['long punctuation run', '-=+*'.repeat(500)],
  ];
  for (const [label, text] of edgeCases) {
    it(`agrees with gpt-tokenizer and round-trips: ${label}`, () => {
      const ours = tokenizer.encode(text);
      expect(ours).toEqual(reference(text));
      expect(tokenizer.decode(ours)).toBe(text);
    });
  }

  it('reads <|endoftext|> as the special token only when allowed', () => {
    const text = `one${END_OF_TEXT}two${END_OF_TEXT}`;
    const special = tokenizer.encode(text, { allowedSpecial: [END_OF_TEXT] });
    expect(special.filter((id) => id === 50256)).toHaveLength(2);
    // tiktoken's rule: ordinary text between the specials is encoded on its own. (gpt-tokenizer 4.0.0
    // only finds an allowed special at the start of the text or right after another special, so it
    // is the reference for the pieces and for a leading special only.)
    expect(special).toEqual([...reference('one'), 50256, ...reference('two'), 50256]);
    const leading = `${END_OF_TEXT} start`;
    const allowed = new Set([END_OF_TEXT]);
    expect(tokenizer.encode(leading, { allowedSpecial: 'all' })).toEqual(
      referenceEncode(leading, { allowedSpecial: allowed }),
    );
    expect(tokenizer.encode(text, { allowedSpecial: 'all' })).toEqual(special);
    expect(tokenizer.encode(text)).not.toContain(50256);
    expect(tokenizer.decode(special)).toBe(text);
    expect(() => tokenizer.encode(text, { allowedSpecial: ['<|im_start|>'] })).toThrow(/not a special token/);
  });

  it('round-trips random Unicode strings', () => {
    fc.assert(
      fc.property(unicodeString, (s) => tokenizer.decode(tokenizer.encode(s)) === s),
      FC,
    );
  });

  it('agrees with gpt-tokenizer on random strings built from tricky pieces', () => {
    const piece = fc.constantFrom(
      ' ',
      '  ',
      '\n',
      '\t',
      "'",
      "'s",
      "'ll",
      'a',
      'The',
      'x',
      '7',
      '42',
      '.',
      '!?',
      'é',
      '日本',
      '🐋',
      '\u00a0',
      '\r\n',
    );
    const text = fc
      .array(fc.oneof(piece, fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 40 })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(text, (s) => {
        expect(tokenizer.encode(s)).toEqual(reference(s));
      }),
      FC,
    );
  });

  it('decodes unknown ids with an error and cut characters to U+FFFD', () => {
    expect(() => tokenizer.decode([15496, 50257])).toThrow(/id 50257 at position 1 is not in the vocabulary/);
    const whale = tokenizer.encode('🐋');
    expect(whale.length).toBeGreaterThan(1);
    expect(tokenizer.decode(whale.slice(0, 1))).toContain('\uFFFD');
    const stream = new StreamDecoder(tokenizer);
    expect(whale.map((id) => stream.push([id])).join('') + stream.end()).toBe('🐋');
  });

  it('encodes a megabyte of text in seconds, not minutes', () => {
    const fresh = loadGpt2Tokenizer(gpt2Dir);
    const text = defaultCorpus();
    const start = performance.now();
    fresh.encode(text);
    const seconds = (performance.now() - start) / 1000;
    // Measured about 0.15 s; the bound only catches an accidentally quadratic or uncached merge loop.
    expect(seconds).toBeLessThan(10);
  });

  it('uses the merges of the files it is given, not a built-in table', () => {
    const encoderJson = readFileSync(join(gpt2Dir, 'encoder.json'), 'utf8');
    const vocabLines = readFileSync(join(gpt2Dir, 'vocab.bpe'), 'utf8').split('\n');
    const truncated = Gpt2Tokenizer.fromFiles(encoderJson, vocabLines.slice(0, 1001).join('\n'));
    const text = 'Hello world, the whale';
    const fewerMerges = truncated.encode(text);
    expect(fewerMerges.length).toBeGreaterThan(tokenizer.encode(text).length);
    expect(truncated.decode(fewerMerges)).toBe(text);
    // The package's own sources must not lean on gpt-tokenizer (it is only this test's reference).
    const srcDir = resolve(here, '../src/tokenizers');
    for (const file of readdirSync(srcDir)) {
      expect(readFileSync(join(srcDir, file), 'utf8'), file).not.toMatch(/gpt-tokenizer/);
    }
  });
});

describe('GPT-2 BPE file errors', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'typegrad-bpe-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const bytesEncoder = () => Object.fromEntries(bytesToUnicode().map((ch, b) => [ch, b]));
  const write = (encoder: string, vocab: string) => {
    writeFileSync(join(dir, 'encoder.json'), encoder);
    writeFileSync(join(dir, 'vocab.bpe'), vocab);
  };

  it('names the missing file', () => {
    const missing = join(dir, 'nope');
    expect(() => loadGpt2Tokenizer(missing)).toThrow(
      `cannot read ${join(missing, 'encoder.json')}: file not found`,
    );
  });

  it('names the file and the problem for bad contents', () => {
    write('{"a": 0,', '#version: 0.2\n');
    expect(() => loadGpt2Tokenizer(dir)).toThrow(/encoder\.json: encoder\.json is not valid JSON/);
    write(JSON.stringify({ ...bytesEncoder(), x: 'one' }), '#version: 0.2\n');
    expect(() => loadGpt2Tokenizer(dir)).toThrow(/token "x" has id "one", not an integer/);
    write(JSON.stringify(bytesEncoder()), '#version: 0.2\na b c\n');
    expect(() => loadGpt2Tokenizer(dir)).toThrow(/vocab\.bpe: vocab\.bpe line 2: expected two symbols/);
    write(JSON.stringify(bytesEncoder()), '#version: 0.2\na b\n');
    expect(() => loadGpt2Tokenizer(dir)).toThrow(
      /merge 0 \("a b"\): merged token "ab" is not in encoder\.json/,
    );
    const noByte = bytesEncoder();
    delete noByte.Ġ;
    write(JSON.stringify(noByte), '#version: 0.2\na b\n');
    expect(() => loadGpt2Tokenizer(dir)).toThrow(/byte 0x20 \("Ġ"\) has no token/);
  });

  it('builds a working tokenizer from a tiny hand-made vocabulary', () => {
    write(
      JSON.stringify({ ...bytesEncoder(), ab: 256, Ġab: 257, [END_OF_TEXT]: 258 }),
      '#version: 0.2\na b\nĠ ab\n',
    );
    const tiny = loadGpt2Tokenizer(dir);
    expect(tiny.vocabSize).toBe(259);
    expect(tiny.eosId).toBe(258);
    expect(tiny.encode('ab abc')).toEqual([256, 257, 99]);
    expect(tiny.encode(`ab${END_OF_TEXT}`, { allowedSpecial: 'all' })).toEqual([256, 258]);
    expect(utf8(tiny.decode([257]))).toEqual(utf8(' ab'));
  });
});
