import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { closestRefLength, corpusBleu } from '../src/experiments/e2e/metrics/bleu.js';
import { corpusCiderD } from '../src/experiments/e2e/metrics/cider.js';
import { FUNCTION_WORDS } from '../src/experiments/e2e/metrics/function-words.js';
import {
  addMeteorStats,
  corpusMeteor,
  METEOR_EN_RANK,
  meteorPairStats,
  meteorScore,
  meteorSegmentStats,
} from '../src/experiments/e2e/metrics/meteor.js';
import { corpusNist, nistLengthPenalty } from '../src/experiments/e2e/metrics/nist.js';
import { meteorNormalize } from '../src/experiments/e2e/metrics/normalize-meteor.js';
import { porterStem } from '../src/experiments/e2e/metrics/porter-stemmer.js';
import { corpusRougeL, lcsLength, segmentRougeL } from '../src/experiments/e2e/metrics/rouge.js';
import { scoreE2E, tokenizeForMetrics } from '../src/experiments/e2e/metrics/score.js';
import { mtevalTokenize } from '../src/experiments/e2e/metrics/tokenize-mteval.js';
import { ptbTokenize } from '../src/experiments/e2e/metrics/tokenize-ptb.js';
import { loadE2E } from '../src/experiments/e2e/node.js';

const fixtures = fileURLToPath(new URL('./fixtures/e2e/', import.meta.url));
const readJson = (name: string) => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dataDir = path.resolve(repoRoot, '../shared/data/e2e');
const hasData = existsSync(path.join(dataDir, 'devset.csv'));
if (!hasData) console.warn(`E2E data not found at ${dataDir}: skipping the real-dev sanity check`);

const w = (text: string) => text.split(' ');
const METRICS = ['bleu', 'nist', 'meteor', 'rougeL', 'cider'] as const;

describe('BLEU (mteval-v13a definitions)', () => {
  it('is 1 for a perfect match', () => {
    expect(
      corpusBleu([w('the eagle is a pub near burger king')], [[w('the eagle is a pub near burger king')]]),
    ).toBe(1);
  });

  it('matches a hand computation with smoothing of the empty 4-gram order', () => {
    // 1-grams 5/6, 2-grams 3/5, 3-grams 1/4, 4-grams 0/3 -> 1/(2·3); equal lengths, BP = 1.
    const bleu = corpusBleu([w('the cat sat on the mat')], [[w('the cat is on the mat')]]);
    expect(bleu).toBeCloseTo(((5 / 6) * (3 / 5) * (1 / 4) * (1 / 6)) ** 0.25, 14);
  });

  it('takes the closest reference length, the shorter on a tie, and skips empty references', () => {
    expect(closestRefLength(5, [6, 4])).toBe(4);
    expect(closestRefLength(5, [0, 7, 9])).toBe(7);
    const bleu = corpusBleu([w('a b c d')], [[w('a b c d e f'), w('a b c d e f g h')]]);
    expect(bleu).toBeCloseTo(Math.exp(1 - 6 / 4), 14);
  });

  it('counts an order without hypothesis n-grams as precision 1 (mteval)', () => {
    expect(corpusBleu([w('a b c')], [[w('a b c')]])).toBe(1);
    expect(corpusBleu([[]], [[w('a b')]])).toBe(0);
  });
});

describe('NIST (mteval-v13a definitions)', () => {
  it('matches hand computations', () => {
    expect(corpusNist([w('a b')], [[w('a b')]])).toBeCloseTo(1, 14);
    // info(a) = info(b) = log2(3); info(a b) = log2(1/1) = 0; 3 hypothesis unigrams.
    expect(corpusNist([w('a b c')], [[w('a b d')]])).toBeCloseTo((2 * Math.log2(3)) / 3, 14);
  });

  it('has the NIST length penalty: 1 at ratio >= 1, 0.5 at ratio 2/3', () => {
    expect(nistLengthPenalty(1.2)).toBe(1);
    expect(nistLengthPenalty(2 / 3)).toBeCloseTo(0.5, 14);
    expect(nistLengthPenalty(0)).toBe(0);
  });

  it('averages reference length over the largest reference count, as the padded E2E script does', () => {
    // 12 reference words, at most 2 references per segment -> average 6; 2 hypothesis words.
    const nist = corpusNist([w('a'), w('e')], [[w('a b c d'), w('a b c d')], [w('e f g h')]]);
    const gain = (Math.log2(12 / 2) + Math.log2(12 / 1)) / 2;
    expect(nist).toBeCloseTo(gain * nistLengthPenalty(2 / 6), 12);
  });
});

describe('ROUGE-L (pycocoevalcap definitions)', () => {
  it('computes LCS-based F with beta = 1.2', () => {
    expect(lcsLength(w('a b c d'), w('a c d e'))).toBe(3);
    expect(segmentRougeL(w('a b c d'), [w('a c d e')])).toBeCloseTo(0.75, 14);
    const p = 2 / 3;
    const r = 2 / 4;
    expect(segmentRougeL(w('a b x'), [w('a y b z')])).toBeCloseTo((2.44 * p * r) / (r + 1.44 * p), 14);
  });

  it('takes the best precision and the best recall over references separately', () => {
    // ref 1: P 1/2, R 1; ref 2: P 1, R 1/3 -> P = R = 1.
    expect(segmentRougeL(w('a b'), [w('a'), w('a b c d e f')])).toBeCloseTo(1, 14);
  });

  it('averages over segments and scores an empty hypothesis 0', () => {
    expect(corpusRougeL([w('a b'), []], [[w('a b')], [w('a b')]])).toBeCloseTo(0.5, 14);
  });
});

describe('CIDEr-D (pycocoevalcap definitions)', () => {
  it('matches a hand computation', () => {
    // Two segments, hypothesis = reference: unigram and bigram cosines 1, no 3-/4-grams (0);
    // mean 0.5, times 10.
    expect(corpusCiderD([w('a b'), w('c d')], [[w('a b')], [w('c d')]])).toBeCloseTo(5, 12);
  });

  it('gives n-grams found in every segment zero weight and penalises length differences', () => {
    const base = corpusCiderD([w('x a b'), w('x c d')], [[w('x a b')], [w('x c d')]]);
    const longer = corpusCiderD([w('x a b b b b b b b'), w('x c d')], [[w('x a b')], [w('x c d')]]);
    expect(longer).toBeLessThan(base);
    expect(corpusCiderD([w('x')], [[w('x')]])).toBe(0);
  });
});

describe('METEOR (exact + stem approximation of METEOR 1.5)', () => {
  const score = (hyp: string, ref: string) => meteorScore(meteorPairStats(w(hyp), w(ref)));

  it('uses METEOR 1.5 English rank parameters', () => {
    expect(METEOR_EN_RANK).toEqual({
      alpha: 0.85,
      beta: 0.2,
      gamma: 0.6,
      delta: 0.75,
      moduleWeights: [1.0, 0.6],
    });
  });

  it('is 1 for a perfect match', () => {
    expect(score('the eagle is a pub', 'the eagle is a pub')).toBe(1);
  });

  it('matches a hand computation with function-word weighting', () => {
    expect(FUNCTION_WORDS.has('the')).toBe(true);
    expect(FUNCTION_WORDS.has('cat')).toBe(false);
    const p = (0.75 * 1 + 0.25 * 1) / (0.75 * 2 + 0.25 * 1);
    const r = 1;
    const fMean = 1 / (0.15 / p + 0.85 / r);
    expect(score('the cat sat', 'the cat')).toBeCloseTo(fMean * (1 - 0.6 * 0.5 ** 0.2), 14);
  });

  it('credits stem matches with weight 0.6 and penalises fragmentation', () => {
    // P = R = (1.0·0.75 + 0.6·0.75) / (0.75·2) = 0.8; one chunk covering both sentences -> no penalty.
    expect(score('cats sat', 'cat sat')).toBeCloseTo(0.8, 14);
    expect(score('dog cat', 'cat dog')).toBeCloseTo(1 - 0.6 * 1 ** 0.2, 14);
  });

  it('keeps the best reference and scores the corpus from summed statistics', () => {
    expect(meteorScore(meteorSegmentStats(w('a b'), [w('b a'), w('a b')]))).toBe(1);
    // Segment scores 1 and 0.4 (mean 0.7); summed: 3 chunks over 10 matched words -> frag 0.3.
    const s1 = meteorPairStats(w('a b c d e f g h'), w('a b c d e f g h'));
    const s2 = meteorPairStats(w('dog cat'), w('cat dog'));
    expect([meteorScore(s1), meteorScore(s2)]).toEqual([1, expect.closeTo(0.4, 14)]);
    const corpus = corpusMeteor(
      [w('a b c d e f g h'), w('dog cat')],
      [[w('a b c d e f g h')], [w('cat dog')]],
    );
    expect(corpus).toBeCloseTo(meteorScore(addMeteorStats(s1, s2)), 14);
    expect(corpus).toBeCloseTo(1 - 0.6 * 0.3 ** 0.2, 14);
  });
});

describe('Porter stemmer', () => {
  it('gives the classic stems', () => {
    const cases: [string, string][] = [
      ['caresses', 'caress'],
      ['ponies', 'poni'],
      ['cats', 'cat'],
      ['feed', 'feed'],
      ['agreed', 'agre'],
      ['motoring', 'motor'],
      ['hopping', 'hop'],
      ['happy', 'happi'],
      ['sky', 'sky'],
      ['relational', 'relat'],
      ['generalizations', 'gener'],
      ['oscillators', 'oscil'],
      ['is', 'is'],
    ];
    for (const [word, stem] of cases) expect(porterStem(word), word).toBe(stem);
  });

  it("agrees with NLTK's PorterStemmer (MARTIN_EXTENSIONS) on the E2E train+dev vocabulary", () => {
    const { stems } = readJson('porter-golden.json') as { stems: Record<string, string> };
    const words = Object.keys(stems);
    expect(words.length).toBeGreaterThan(2000);
    const wrong = words.filter((word) => porterStem(word) !== stems[word]);
    expect(wrong).toEqual([]);
  });
});

describe('tokenisers', () => {
  it('mteval-v13a: lowercases ASCII, splits symbols, keeps apostrophes, splits a dash after a digit', () => {
    expect(mtevalTokenize(`The Eagle's price is £20-25, rated 4.5/5. "Nice"!`)).toEqual(
      w(`the eagle's price is £20 - 25 , rated 4.5 / 5 . " nice " !`),
    );
  });

  it('PTB-like: clitics, currency, punctuation removed, hyphenated words kept', () => {
    expect(ptbTokenize(`"The Eagle" (a coffee shop) isn't cheap: it's £20-25... Family-friendly!`)).toEqual(
      w(`the eagle a coffee shop is n't cheap it 's £ 20-25 family-friendly`),
    );
    expect(ptbTokenize('It cannot be near St. Johns, e.g. here.')).toEqual(
      w('it can not be near st. johns e.g. here'),
    );
  });

  it('METEOR -norm: splits symbols and inner hyphens, rewrites clitics, drops abbreviation dots', () => {
    expect(meteorNormalize(`it 's £ 20-25 kid-friendly u.s. do n't`)).toEqual(
      w(`it ' s £ 20 25 kid friendly us do n 't`),
    );
  });
});

describe('scoreE2E', () => {
  it('checks its arguments', () => {
    expect(() => scoreE2E(['a'], [])).toThrow(/1 hypotheses but 0 reference sets/);
    expect(() => scoreE2E(['a'], [[]])).toThrow(/reference set 0 is empty/);
    expect(() => scoreE2E([], [])).toThrow(/nothing to score/);
  });

  it('gives BLEU, ROUGE-L and METEOR 1 for a single perfect output', () => {
    const text = 'The Eagle is a cheap coffee shop near Burger King.';
    const s = scoreE2E([text], [[text]]);
    expect([s.bleu, s.rougeL, s.meteor]).toEqual([1, 1, 1]);
  });
});

describe('agreement with the independent Python implementation (golden files)', () => {
  const fixture = readJson('metrics-fixture.json') as { hypotheses: string[]; references: string[][] };
  const golden = readJson('metrics-golden.json');

  it('tokenises every fixture text exactly as the golden script', () => {
    fixture.hypotheses.forEach((h, i) => {
      expect(tokenizeForMetrics(h), h).toEqual(golden.tokens.hypotheses[i]);
    });
    fixture.references.forEach((set, i) => {
      set.forEach((r, j) => {
        expect(tokenizeForMetrics(r), r).toEqual(golden.tokens.references[i][j]);
      });
    });
  });

  it('gives the golden BLEU, NIST, METEOR, ROUGE-L and CIDEr to 1e-9', () => {
    expect(fixture.hypotheses).toHaveLength(30);
    const counts = fixture.references.map((r) => r.length);
    expect([Math.min(...counts), Math.max(...counts)]).toEqual([1, 8]);
    const scores = scoreE2E(fixture.hypotheses, fixture.references);
    for (const k of METRICS) expect(Math.abs(scores[k] - golden[k]), k).toBeLessThan(1e-9);
    // The golden BLEU itself was checked against nltk's corpus_bleu by the script.
    expect(golden.bleuLongSegments).toBeCloseTo(golden.bleuLongSegmentsNltk, 12);
  });
});

describe.runIf(hasData)('sanity on the real dev set: reference 0 against the other references', () => {
  it('matches the golden script on all 547 MRs', async () => {
    const data = await loadE2E(dataDir);
    const scores = scoreE2E(
      data.dev.map((g) => g.refs[0]),
      data.dev.map((g) => g.refs.slice(1)),
    );
    const golden = readJson('dev-sanity-golden.json');
    expect(golden.segments).toBe(547);
    for (const k of METRICS) expect(Math.abs(scores[k] - golden[k]), k).toBeLessThan(1e-9);
  });
});
