/**
 * Corpus-level multi-reference BLEU-4 as mteval-v13a computes it for the E2E script
 * (Papineni et al. 2002; the E2E script's "BLEU"):
 * - per segment, each hypothesis n-gram count (n = 1..4) is clipped by its largest count in any
 *   one reference; clipped matches and hypothesis n-gram totals are summed over the corpus;
 * - the reference length of a segment is the length of the reference closest to the hypothesis
 *   length, the shorter one on a tie (mteval's default `--brevity-penalty closest`); empty
 *   references are skipped (the E2E script pads segments with fewer references with empty ones,
 *   and its mteval copy ignores those for the length);
 * - BLEU = BP · exp(¼ Σ log pₙ), BP = exp(min(0, 1 − r/c)) with r, c the summed reference and
 *   hypothesis lengths (BP = 0 when c = 0);
 * - mteval's smoothing: an order with no match at all gets precision 1/(2ᵏ·total), k counting
 *   such orders from 1; an order with no hypothesis n-grams contributes log 1 = 0.
 * Returns a fraction in [0, 1] (papers, the LoRA paper included, print 100×).
 */
import { maxCounts, ngramCountsUpTo } from './ngrams.js';

const MAX_ORDER = 4;

/** Sufficient statistics of BLEU; summed over segments. */
export interface BleuStats {
  /** Clipped matches per order 1..4 (index 0 = unigrams). */
  matches: number[];
  /** Hypothesis n-grams per order 1..4. */
  totals: number[];
  hypLength: number;
  refLength: number;
}

/** The closest reference length to `hypLength`, shorter on ties, ignoring empty references. */
export function closestRefLength(hypLength: number, refLengths: readonly number[]): number {
  let best = -1;
  for (const r of refLengths) {
    if (r === 0) continue;
    if (best < 0) best = r;
    else {
      const d = Math.abs(hypLength - r);
      const bestD = Math.abs(hypLength - best);
      if (d < bestD || (d === bestD && r < best)) best = r;
    }
  }
  return Math.max(best, 0);
}

/** BLEU statistics of one segment. */
export function segmentBleuStats(hyp: readonly string[], refs: readonly (readonly string[])[]): BleuStats {
  const matches: number[] = [];
  const totals: number[] = [];
  const hypCounts = ngramCountsUpTo(hyp, MAX_ORDER);
  const refCounts = refs.map((r) => ngramCountsUpTo(r, MAX_ORDER));
  for (let n = 1; n <= MAX_ORDER; n++) {
    const refMax = maxCounts(refCounts.map((orders) => orders[n - 1]));
    let matched = 0;
    for (const [key, count] of hypCounts[n - 1]) matched += Math.min(count, refMax.get(key) ?? 0);
    matches.push(matched);
    totals.push(Math.max(hyp.length - n + 1, 0));
  }
  return {
    matches,
    totals,
    hypLength: hyp.length,
    refLength: closestRefLength(
      hyp.length,
      refs.map((r) => r.length),
    ),
  };
}

/** BLEU from (summed) statistics, with mteval's smoothing and brevity penalty. */
export function bleuFromStats(stats: BleuStats): number {
  if (stats.hypLength === 0) return 0;
  const brevity = Math.exp(Math.min(0, 1 - stats.refLength / stats.hypLength));
  let logSum = 0;
  let smooth = 1;
  for (let n = 0; n < MAX_ORDER; n++) {
    if (stats.totals[n] === 0) continue;
    if (stats.matches[n] === 0) {
      smooth *= 2;
      logSum += Math.log(1 / (smooth * stats.totals[n]));
    } else logSum += Math.log(stats.matches[n] / stats.totals[n]);
  }
  return brevity * Math.exp(logSum / MAX_ORDER);
}

/** Corpus BLEU-4 of tokenised hypotheses against tokenised reference sets. */
export function corpusBleu(
  hyps: readonly (readonly string[])[],
  refs: readonly (readonly (readonly string[])[])[],
): number {
  const sum: BleuStats = { matches: [0, 0, 0, 0], totals: [0, 0, 0, 0], hypLength: 0, refLength: 0 };
  hyps.forEach((hyp, i) => {
    const s = segmentBleuStats(hyp, refs[i]);
    for (let n = 0; n < MAX_ORDER; n++) {
      sum.matches[n] += s.matches[n];
      sum.totals[n] += s.totals[n];
    }
    sum.hypLength += s.hypLength;
    sum.refLength += s.refLength;
  });
  return bleuFromStats(sum);
}
