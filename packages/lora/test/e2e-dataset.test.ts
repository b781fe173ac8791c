import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { groupByMR, parseE2ECsv } from '../src/experiments/e2e/dataset.js';
import { formatMR, parseMR } from '../src/experiments/e2e/mr.js';
import { loadE2E } from '../src/experiments/e2e/node.js';
import {
  buildTrainingExample,
  defaultMarkers,
  linearize,
  normalizeReference,
  promptIds,
} from '../src/experiments/e2e/prompt.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dataDir = path.resolve(repoRoot, '../shared/data/e2e');
const hasData = existsSync(path.join(dataDir, 'trainset.csv'));
if (!hasData) console.warn(`E2E data not found at ${dataDir}: skipping the real-data count test`);

const EAGLE = 'name[The Eagle], eatType[coffee shop], customer rating[3 out of 5], near[Burger King]';

describe('parseMR', () => {
  it('parses attr[value] pairs in order and formats them back', () => {
    const pairs = parseMR(EAGLE);
    expect(pairs).toEqual([
      { slot: 'name', value: 'The Eagle' },
      { slot: 'eatType', value: 'coffee shop' },
      { slot: 'customer rating', value: '3 out of 5' },
      { slot: 'near', value: 'Burger King' },
    ]);
    expect(formatMR(pairs)).toBe(EAGLE);
  });

  it('rejects unknown, repeated, malformed and name-less MRs, naming the place', () => {
    expect(() => parseMR('name[A], colour[red]', 'devset.csv:7')).toThrow(
      /devset\.csv:7: .*unknown attribute "colour"/,
    );
    expect(() => parseMR('name[A], name[B]')).toThrow(/appears twice/);
    expect(() => parseMR('name[A], food Chinese')).toThrow(/not of the form attr\[value\]/);
    expect(() => parseMR('food[Chinese]')).toThrow(/no name attribute/);
    expect(() => parseMR('name[]')).toThrow(/empty value/);
  });
});

describe('parseE2ECsv and groupByMR', () => {
  const csv = [
    'mr,ref',
    '"name[A], food[Chinese]",A serves Chinese food.',
    '"name[B], area[riverside]","B is by the river, they say."',
    '"name[A], food[Chinese]","Chinese food at ""A""."',
    '',
  ].join('\r\n');

  it('reads rows and groups repeated MRs into references in file order', () => {
    const pairs = parseE2ECsv(csv, 'mem.csv');
    expect(pairs).toHaveLength(3);
    expect(groupByMR(pairs)).toEqual([
      { mr: 'name[A], food[Chinese]', refs: ['A serves Chinese food.', 'Chinese food at "A".'] },
      { mr: 'name[B], area[riverside]', refs: ['B is by the river, they say.'] },
    ]);
  });

  it('accepts the quoted header of testset_w_refs.csv', () => {
    expect(parseE2ECsv('"mr","ref"\n"name[A]","x"\n', 't.csv')).toEqual([{ mr: 'name[A]', ref: 'x' }]);
  });

  it('names file and line for a bad header, a wrong field count, a bad MR or an empty reference', () => {
    expect(() => parseE2ECsv('MR\nname[A]\n', 'testset.csv')).toThrow(
      /testset\.csv:1: expected the header mr,ref/,
    );
    expect(() => parseE2ECsv('mr,ref\nname[A],x,y\n', 'f.csv')).toThrow(/f\.csv:2: expected 2 fields/);
    expect(() => parseE2ECsv('mr,ref\nname[A],x\nnope,y\n', 'f.csv')).toThrow(/f\.csv:3: MR "nope"/);
    expect(() => parseE2ECsv('mr,ref\nname[A], \n', 'f.csv')).toThrow(/f\.csv:2: the reference is empty/);
  });
});

describe('prompt format and training examples', () => {
  it('linearises an MR as "attr : value" joined by " | "', () => {
    expect(linearize(EAGLE)).toBe(
      'name : The Eagle | eatType : coffee shop | customer rating : 3 out of 5 | near : Burger King',
    );
  });

  // A toy tokenizer: one id per character code, with or without an end-of-text id.
  const charTokenizer = (eosId?: number) => ({
    eosId,
    encode: (text: string) => Array.from(text, (c) => c.charCodeAt(0)),
  });

  it('builds prompt + separator + reference + eos with the loss on reference and eos only (eos id)', () => {
    const tok = charTokenizer(999);
    const ex = buildTrainingExample('name[A]', 'Hi.', tok);
    const prompt = tok.encode('name : A');
    expect(ex.ids).toEqual([...prompt, 999, ...tok.encode(' Hi.'), 999]);
    expect(ex.contextLength).toBe(prompt.length + 1);
    expect(ex.lossMask).toEqual([...prompt.map(() => 0), 0, 1, 1, 1, 1, 1]);
    expect(promptIds('name[A]', tok)).toEqual([...prompt, 999]);
  });

  it('uses a newline as separator and eos when the tokenizer has no end-of-text id', () => {
    const tok = charTokenizer();
    expect(defaultMarkers(tok)).toEqual({ separatorIds: [10], eosIds: [10], refPrefix: '' });
    const ex = buildTrainingExample('name[A]', 'two\r\n  lines', tok);
    expect(String.fromCharCode(...ex.ids)).toBe('name : A\ntwo lines\n');
    expect(ex.lossMask.reduce((a, b) => a + b, 0)).toBe('two lines\n'.length);
    expect(ex.lossMask.slice(0, ex.contextLength).every((m) => m === 0)).toBe(true);
  });

  it('normalises whitespace in references', () => {
    expect(normalizeReference('  a\r\n  b  c ')).toBe('a b c');
  });
});

describe.runIf(hasData)('the real E2E data in ../shared/data/e2e', () => {
  it('has the README counts: 42,061 / 4,672 / 4,693 rows and 4,862 / 547 / 630 MRs', async () => {
    const data = await loadE2E(dataDir);
    expect(data.trainPairs).toHaveLength(42_061);
    const rows = (split: { refs: string[] }[]) => split.reduce((n, g) => n + g.refs.length, 0);
    expect([rows(data.train), rows(data.dev), rows(data.test)]).toEqual([42_061, 4_672, 4_693]);
    expect([data.train.length, data.dev.length, data.test.length]).toEqual([4_862, 547, 630]);
    const refCounts = (split: { refs: string[] }[]) => split.map((g) => g.refs.length);
    expect([Math.min(...refCounts(data.train)), Math.max(...refCounts(data.train))]).toEqual([2, 46]);
    expect([Math.min(...refCounts(data.test)), Math.max(...refCounts(data.test))]).toEqual([1, 45]);
    // The two train references with an embedded CRLF inside a quoted field survive intact.
    expect(data.trainPairs.filter((p) => p.ref.includes('\r\n'))).toHaveLength(2);
    expect(data.test[0].mr).toBe('name[Blue Spice], eatType[coffee shop], area[city centre]');
    for (const split of [data.train, data.dev, data.test]) for (const g of split) linearize(g.mr);
  });
});
