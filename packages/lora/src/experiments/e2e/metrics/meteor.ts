/**
 * METEOR as the E2E script gets it from pycocoevalcap, which runs METEOR 1.5
 * (`-l en -norm`, default task "rank") — APPROXIMATED: exact + Porter-stem matching only
 * (METEOR 1.5 adds WordNet synonyms and a paraphrase table, and stems with Snowball), and our
 * own function-word list. Everything else follows METEOR 1.5:
 * - parameters of METEOR 1.5's English "rank" task: α = 0.85, β = 0.20, γ = 0.60, δ = 0.75,
 *   module weights exact 1.0, stem 0.6 (synonym 0.8 and paraphrase 0.6 are unused here);
 * - per segment and reference, the alignment of ./meteor-align.ts gives matched words per module
 *   split into content and function words, for hypothesis and reference;
 *   P = Σᵢ wᵢ(δ·mᵢ,content + (1−δ)·mᵢ,function) over the hypothesis, divided by
 *   δ·|hyp content| + (1−δ)·|hyp function|; R likewise over the reference;
 *   Fmean = 1 / ((1−α)/P + α/R); frag = chunks / ((matched hyp words + matched ref words)/2),
 *   0 when both sentences are fully matched in one chunk; score = Fmean·(1 − γ·frag^β), 0 if NaN;
 * - with several references, the segment keeps the statistics of the reference with the best
 *   score (the first on ties);
 * - the corpus score is computed from the statistics summed over segments (what METEOR prints
 *   as the final score in pycocoevalcap's EVAL call), not the mean of segment scores.
 */
import { ArgumentError } from '@typegrad/tensor';
import { FUNCTION_WORDS } from './function-words.js';
import { meteorAlign } from './meteor-align.js';
import { porterStem } from './porter-stemmer.js';

/** METEOR parameters. */
export interface MeteorParams {
  alpha: number;
  beta: number;
  gamma: number;
  delta: number;
  /** Scoring weight per module: [exact, stem]. */
  moduleWeights: readonly [number, number];
}

/** METEOR 1.5's English "rank" task parameters (its default). */
export const METEOR_EN_RANK: MeteorParams = {
  alpha: 0.85,
  beta: 0.2,
  gamma: 0.6,
  delta: 0.75,
  moduleWeights: [1.0, 0.6],
};

/** Sufficient statistics of METEOR; add them up over segments for the corpus score. */
export interface MeteorStats {
  testLength: number;
  referenceLength: number;
  testFunctionWords: number;
  referenceFunctionWords: number;
  /** Per module [exact, stem]. */
  testContentMatches: number[];
  testFunctionMatches: number[];
  referenceContentMatches: number[];
  referenceFunctionMatches: number[];
  chunks: number;
}

const stemCache = new Map<string, string>();
function cachedStem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = porterStem(word);
    if (stemCache.size > 100_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** Statistics of one hypothesis against one reference. */
export function meteorPairStats(hyp: readonly string[], ref: readonly string[]): MeteorStats {
  const alignment = meteorAlign(hyp, ref, cachedStem);
  const stats: MeteorStats = {
    testLength: hyp.length,
    referenceLength: ref.length,
    testFunctionWords: hyp.filter((w) => FUNCTION_WORDS.has(w.toLowerCase())).length,
    referenceFunctionWords: ref.filter((w) => FUNCTION_WORDS.has(w.toLowerCase())).length,
    testContentMatches: [0, 0],
    testFunctionMatches: [0, 0],
    referenceContentMatches: [0, 0],
    referenceFunctionMatches: [0, 0],
    chunks: alignment.chunks,
  };
  for (const m of alignment.matches) {
    if (m === null) continue;
    if (FUNCTION_WORDS.has(hyp[m.hypPos].toLowerCase())) stats.testFunctionMatches[m.module]++;
    else stats.testContentMatches[m.module]++;
    if (FUNCTION_WORDS.has(ref[m.refPos].toLowerCase())) stats.referenceFunctionMatches[m.module]++;
    else stats.referenceContentMatches[m.module]++;
  }
  return stats;
}

/** The METEOR score of (possibly summed) statistics. */
export function meteorScore(stats: MeteorStats, params: MeteorParams = METEOR_EN_RANK): number {
  const { alpha, beta, gamma, delta, moduleWeights } = params;
  const weighted = (content: number[], fn: number[]) =>
    moduleWeights.reduce((acc, w, i) => acc + w * (delta * content[i] + (1 - delta) * fn[i]), 0);
  const testWeightedLength =
    delta * (stats.testLength - stats.testFunctionWords) + (1 - delta) * stats.testFunctionWords;
  const referenceWeightedLength =
    delta * (stats.referenceLength - stats.referenceFunctionWords) +
    (1 - delta) * stats.referenceFunctionWords;
  const precision = weighted(stats.testContentMatches, stats.testFunctionMatches) / testWeightedLength;
  const recall =
    weighted(stats.referenceContentMatches, stats.referenceFunctionMatches) / referenceWeightedLength;
  const fMean = 1 / ((1 - alpha) / precision + alpha / recall);
  const testMatches = sum(stats.testContentMatches) + sum(stats.testFunctionMatches);
  const referenceMatches = sum(stats.referenceContentMatches) + sum(stats.referenceFunctionMatches);
  const perfect =
    testMatches === stats.testLength && referenceMatches === stats.referenceLength && stats.chunks === 1;
  const frag = perfect ? 0 : stats.chunks / ((testMatches + referenceMatches) / 2);
  const score = fMean * (1 - gamma * frag ** beta);
  return Number.isNaN(score) ? 0 : Math.max(score, 0);
}

/** Statistics of the best-scoring reference for one hypothesis (the first on ties). */
export function meteorSegmentStats(
  hyp: readonly string[],
  refs: readonly (readonly string[])[],
  params: MeteorParams = METEOR_EN_RANK,
): MeteorStats {
  let best: MeteorStats | undefined;
  let bestScore = -1;
  for (const ref of refs) {
    const stats = meteorPairStats(hyp, ref);
    const score = meteorScore(stats, params);
    if (score > bestScore) {
      best = stats;
      bestScore = score;
    }
  }
  if (best === undefined)
    throw new ArgumentError('meteorSegmentStats: a segment needs at least one reference');
  return best;
}

/** Adds statistics (for the corpus score). */
export function addMeteorStats(a: MeteorStats, b: MeteorStats): MeteorStats {
  const add = (x: number[], y: number[]) => x.map((v, i) => v + y[i]);
  return {
    testLength: a.testLength + b.testLength,
    referenceLength: a.referenceLength + b.referenceLength,
    testFunctionWords: a.testFunctionWords + b.testFunctionWords,
    referenceFunctionWords: a.referenceFunctionWords + b.referenceFunctionWords,
    testContentMatches: add(a.testContentMatches, b.testContentMatches),
    testFunctionMatches: add(a.testFunctionMatches, b.testFunctionMatches),
    referenceContentMatches: add(a.referenceContentMatches, b.referenceContentMatches),
    referenceFunctionMatches: add(a.referenceFunctionMatches, b.referenceFunctionMatches),
    chunks: a.chunks + b.chunks,
  };
}

/** Corpus METEOR from summed segment statistics. Tokens must already be METEOR-normalised. */
export function corpusMeteor(
  hyps: readonly (readonly string[])[],
  refs: readonly (readonly (readonly string[])[])[],
  params: MeteorParams = METEOR_EN_RANK,
): number {
  let total: MeteorStats = {
    testLength: 0,
    referenceLength: 0,
    testFunctionWords: 0,
    referenceFunctionWords: 0,
    testContentMatches: [0, 0],
    testFunctionMatches: [0, 0],
    referenceContentMatches: [0, 0],
    referenceFunctionMatches: [0, 0],
    chunks: 0,
  };
  hyps.forEach((hyp, i) => {
    total = addMeteorStats(total, meteorSegmentStats(hyp, refs[i], params));
  });
  return meteorScore(total, params);
}
