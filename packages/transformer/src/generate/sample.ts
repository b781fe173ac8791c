import { ArgumentError, uniformAt } from '@typegrad/tensor';

export interface SamplingOptions {
  /** 0 (or greedy) picks the most likely token. */
  temperature?: number;
  /** Keep only the k most likely tokens. */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (nucleus sampling). */
  topP?: number;
}

/** Index of the largest value (first one on ties). */
export function argmaxOf(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Draws a token from logits with temperature, top-k and top-p filtering; `u` in (0, 1) is the
 * uniform draw (from the seeded stream), so sampling is reproducible.
 */
export function sampleToken(logits: ArrayLike<number>, u: number, o: SamplingOptions): number {
  const temperature = o.temperature ?? 1;
  if (temperature < 0) throw new ArgumentError(`sample: temperature must be >= 0, got ${temperature}`);
  if (temperature === 0) return argmaxOf(logits);
  const order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b] - logits[a]);
  const keep = Math.min(order.length, o.topK && o.topK > 0 ? o.topK : order.length);
  const max = logits[order[0]];
  let probs = order.slice(0, keep).map((i) => Math.exp((logits[i] - max) / temperature));
  let total = probs.reduce((s, p) => s + p, 0);
  if (o.topP !== undefined && o.topP < 1) {
    let mass = 0;
    let cut = probs.length;
    for (let i = 0; i < probs.length; i++) {
      mass += probs[i] / total;
      if (mass >= o.topP) {
        cut = i + 1;
        break;
      }
    }
    probs = probs.slice(0, cut);
    total = probs.reduce((s, p) => s + p, 0);
  }
  let acc = 0;
  for (let i = 0; i < probs.length; i++) {
    acc += probs[i] / total;
    if (u < acc) return order[i];
  }
  return order[probs.length - 1];
}

/** Tokens that would complete an n-gram already present in `tokens` (no-repeat-ngram). */
export function bannedByNgram(tokens: readonly number[], n: number): Set<number> {
  const banned = new Set<number>();
  if (n <= 0 || tokens.length < n - 1) return banned;
  const prefix = tokens.slice(tokens.length - (n - 1)).join(',');
  for (let i = 0; i + n <= tokens.length; i++) {
    if (tokens.slice(i, i + n - 1).join(',') === prefix) banned.add(tokens[i + n - 1]);
  }
  return banned;
}

export { uniformAt };
