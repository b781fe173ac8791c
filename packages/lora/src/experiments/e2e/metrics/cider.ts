/**
 * CIDEr as pycocoevalcap's `Cider` computes it for the E2E script — which is the CIDEr-D
 * variant (Vedantam et al. 2015): clipped tf-idf vectors and a Gaussian length penalty, σ = 6:
 * - document frequency df(g) = number of segments whose references (as a set) contain n-gram g;
 *   idf(g) = ln(#segments) − ln(max(1, df(g))), over the corpus being scored;
 * - per text and order n = 1..4: vector g ↦ count(g)·idf(g), and its Euclidean norm;
 * - per reference: for each n, Σ_g min(h(g), r(g))·r(g) / (‖h‖‖r‖) (0 when a norm is 0), times
 *   exp(−δ²/2σ²) where δ is the difference in "length"; pycocoevalcap's length counts the
 *   bigrams of a text (its `n == 1` is the 0-based order), i.e. words − 1 for a non-empty text;
 * - segment score = 10 × mean over n of the sum over references / number of references;
 *   corpus score = mean over segments.
 */
import { ngramCountsUpTo } from './ngrams.js';

const MAX_ORDER = 4;
const SIGMA = 6;

interface TfIdf {
  vectors: Map<string, number>[];
  norms: number[];
  length: number;
}

function tfIdf(tokens: readonly string[], idf: (key: string) => number): TfIdf {
  const counts = ngramCountsUpTo(tokens, MAX_ORDER);
  const vectors: Map<string, number>[] = [];
  const norms: number[] = [];
  for (const orderCounts of counts) {
    const vec = new Map<string, number>();
    let sq = 0;
    for (const [key, c] of orderCounts) {
      const w = c * idf(key);
      vec.set(key, w);
      sq += w * w;
    }
    vectors.push(vec);
    norms.push(Math.sqrt(sq));
  }
  let bigrams = 0;
  for (const c of counts[1].values()) bigrams += c;
  return { vectors, norms, length: bigrams };
}

function similarity(hyp: TfIdf, ref: TfIdf): number[] {
  const delta = hyp.length - ref.length;
  const penalty = Math.exp(-(delta * delta) / (2 * SIGMA * SIGMA));
  const out: number[] = [];
  for (let n = 0; n < MAX_ORDER; n++) {
    let val = 0;
    for (const [key, h] of hyp.vectors[n]) {
      const r = ref.vectors[n].get(key) ?? 0;
      val += Math.min(h, r) * r;
    }
    if (hyp.norms[n] !== 0 && ref.norms[n] !== 0) val /= hyp.norms[n] * ref.norms[n];
    out.push(val * penalty);
  }
  return out;
}

/** Per-segment CIDEr-D scores (the corpus defines the idf). */
export function segmentCiderD(
  hyps: readonly (readonly string[])[],
  refs: readonly (readonly (readonly string[])[])[],
): number[] {
  const documentFrequency = new Map<string, number>();
  for (const segmentRefs of refs) {
    const seen = new Set<string>();
    for (const ref of segmentRefs)
      for (const orderCounts of ngramCountsUpTo(ref, MAX_ORDER))
        for (const key of orderCounts.keys()) seen.add(key);
    for (const key of seen) documentFrequency.set(key, (documentFrequency.get(key) ?? 0) + 1);
  }
  const logSegments = Math.log(refs.length);
  const idf = (key: string) => logSegments - Math.log(Math.max(1, documentFrequency.get(key) ?? 0));
  return hyps.map((hyp, i) => {
    const h = tfIdf(hyp, idf);
    const sums = new Array<number>(MAX_ORDER).fill(0);
    for (const ref of refs[i]) {
      const sim = similarity(h, tfIdf(ref, idf));
      for (let n = 0; n < MAX_ORDER; n++) sums[n] += sim[n];
    }
    const mean = sums.reduce((a, b) => a + b, 0) / MAX_ORDER;
    return (mean / refs[i].length) * 10;
  });
}

/** Corpus CIDEr-D: the mean of the segment scores. */
export function corpusCiderD(
  hyps: readonly (readonly string[])[],
  refs: readonly (readonly (readonly string[])[])[],
): number {
  if (hyps.length === 0) return 0;
  const scores = segmentCiderD(hyps, refs);
  return scores.reduce((a, b) => a + b, 0) / scores.length;
}
