/**
 * ROUGE-L as pycocoevalcap's `Rouge` computes it for the E2E script (Lin 2004, with β = 1.2):
 * per segment, for each reference the longest common subsequence (LCS) of tokens gives
 * precision LCS/|hyp| and recall LCS/|ref|; the largest precision and the largest recall over
 * the references (taken separately, possibly from different references) combine into
 * F = (1+β²)·P·R / (R + β²·P), 0 when either is 0; the corpus score is the mean over segments.
 * pycocoevalcap splits on single spaces, so an empty text is one empty token; we keep that
 * (it only matters for empty texts).
 */

const BETA = 1.2;

/** Length of the longest common subsequence of two token sequences. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

// pycocoevalcap's `"".split(" ")` is `[""]`: an empty text counts as one (empty) token.
const asSplit = (tokens: readonly string[]): readonly string[] => (tokens.length === 0 ? [''] : tokens);

/** ROUGE-L F of one hypothesis against its references. */
export function segmentRougeL(hyp: readonly string[], refs: readonly (readonly string[])[]): number {
  const h = asSplit(hyp);
  let precision = 0;
  let recall = 0;
  for (const ref of refs) {
    const r = asSplit(ref);
    const lcs = lcsLength(r, h);
    precision = Math.max(precision, lcs / h.length);
    recall = Math.max(recall, lcs / r.length);
  }
  if (precision === 0 || recall === 0) return 0;
  return ((1 + BETA * BETA) * precision * recall) / (recall + BETA * BETA * precision);
}

/** Mean ROUGE-L over segments. */
export function corpusRougeL(
  hyps: readonly (readonly string[])[],
  refs: readonly (readonly (readonly string[])[])[],
): number {
  if (hyps.length === 0) return 0;
  let sum = 0;
  hyps.forEach((hyp, i) => {
    sum += segmentRougeL(hyp, refs[i]);
  });
  return sum / hyps.length;
}
