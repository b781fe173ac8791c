/**
 * Corpus-level multi-reference NIST-5 as mteval-v13a computes it for the E2E script
 * (Doddington 2002):
 * - information weights come from the references of the whole corpus (all references of all
 *   segments): info(w₁..wₙ) = log₂(count(w₁..wₙ₋₁) / count(w₁..wₙ)), with the total number of
 *   reference words in place of count(w₁..wₙ₋₁) for unigrams;
 * - per segment, each hypothesis n-gram (n = 1..5) earns info × min(hyp count, largest count in
 *   any one reference); summed over the corpus per order, divided by the number of hypothesis
 *   n-grams of that order (at least 1), and summed over n = 1..5;
 * - brevity penalty exp(−β·ln²(c / r̄)) for c < r̄, β = −ln 0.5 / ln² 1.5, where c is the
 *   number of hypothesis words and r̄ the average reference length = total reference words /
 *   the number of reference "systems". The E2E script pads every segment to the largest number
 *   of references with empty strings, so that number is the maximum reference count over the
 *   segments (not the mean): we reproduce this.
 */
import { maxCounts, ngramCountsUpTo } from './ngrams.js';

const MAX_ORDER = 5;

/** Information weight of every reference n-gram (n = 1..5). */
export function nistInformationWeights(
  refs: readonly (readonly (readonly string[])[])[],
): Map<string, number> {
  const counts = new Map<string, number>();
  let totalWords = 0;
  for (const segmentRefs of refs) {
    for (const ref of segmentRefs) {
      totalWords += ref.length;
      for (const orderCounts of ngramCountsUpTo(ref, MAX_ORDER)) {
        for (const [key, c] of orderCounts) counts.set(key, (counts.get(key) ?? 0) + c);
      }
    }
  }
  const info = new Map<string, number>();
  for (const [key, c] of counts) {
    const cut = key.lastIndexOf(' ');
    const prefixCount = cut < 0 ? totalWords : counts.get(key.slice(0, cut))!;
    info.set(key, -Math.log(c / prefixCount) / Math.LN2);
  }
  return info;
}

/** NIST's length penalty for the ratio hypothesis length / average reference length. */
export function nistLengthPenalty(ratio: number): number {
  if (ratio >= 1) return 1;
  if (ratio <= 0) return 0;
  const beta = -Math.log(0.5) / Math.log(1.5) / Math.log(1.5);
  return Math.exp(-beta * Math.log(ratio) * Math.log(ratio));
}

/** Corpus NIST-5 of tokenised hypotheses against tokenised reference sets. */
export function corpusNist(
  hyps: readonly (readonly string[])[],
  refs: readonly (readonly (readonly string[])[])[],
): number {
  const info = nistInformationWeights(refs);
  const gained = new Array<number>(MAX_ORDER).fill(0);
  const hypTotals = new Array<number>(MAX_ORDER).fill(0);
  let refWords = 0;
  let refSystems = 0;
  hyps.forEach((hyp, s) => {
    const segmentRefs = refs[s];
    refSystems = Math.max(refSystems, segmentRefs.length);
    for (const ref of segmentRefs) refWords += ref.length;
    const hypCounts = ngramCountsUpTo(hyp, MAX_ORDER);
    const refCounts = segmentRefs.map((r) => ngramCountsUpTo(r, MAX_ORDER));
    for (let n = 1; n <= MAX_ORDER; n++) {
      hypTotals[n - 1] += Math.max(hyp.length - n + 1, 0);
      const refMax = maxCounts(refCounts.map((orders) => orders[n - 1]));
      for (const [key, count] of hypCounts[n - 1]) {
        const clip = refMax.get(key);
        if (clip !== undefined) gained[n - 1] += info.get(key)! * Math.min(count, clip);
      }
    }
  });
  let score = 0;
  for (let n = 0; n < MAX_ORDER; n++) score += gained[n] / Math.max(hypTotals[n], 1);
  const averageRefLength = refWords / refSystems;
  return score * nistLengthPenalty(hypTotals[0] / averageRefLength);
}
