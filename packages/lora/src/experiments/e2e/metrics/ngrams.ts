/**
 * N-gram counting shared by the metrics. An n-gram is keyed by its tokens joined with a single
 * space (tokens never contain whitespace, so keys are unambiguous).
 */

/** Counts of the n-grams of one order `n` in `tokens`. */
export function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** `[counts of 1-grams, ..., counts of maxN-grams]`, in one pass (keys grow word by word). */
export function ngramCountsUpTo(tokens: readonly string[], maxN: number): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  for (let n = 0; n < maxN; n++) out.push(new Map());
  for (let i = 0; i < tokens.length; i++) {
    let key = tokens[i];
    for (let n = 0; n < maxN && i + n < tokens.length; n++) {
      if (n > 0) key += ` ${tokens[i + n]}`;
      const counts = out[n];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return out;
}

/** Per n-gram, the largest count over several count maps (for clipping against references). */
export function maxCounts(maps: readonly Map<string, number>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const map of maps) {
    for (const [key, count] of map) if (count > (out.get(key) ?? 0)) out.set(key, count);
  }
  return out;
}
