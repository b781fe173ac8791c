import { noGrad, Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import type { LayerCache } from '../gpt/attention.js';
import type { GPT } from '../gpt/gpt.js';
import { disposeCache, lastLogits } from './generate.js';
import { bannedByNgram } from './sample.js';

export interface BeamSearchOptions {
  numBeams: number;
  maxNewTokens: number;
  /** Scores are Σ log p / length^lengthPenalty (HuggingFace's convention; > 1 favours longer). */
  lengthPenalty?: number;
  /** Forbids repeating any n-gram of this size within the generated tokens. */
  noRepeatNgramSize?: number;
  stopTokens?: readonly number[];
}

interface Beam {
  tokens: number[];
  logProb: number;
}

function logSoftmaxRow(row: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  const out = new Float64Array(row.length);
  const lse = max + Math.log(sum);
  for (let i = 0; i < row.length; i++) out[i] = row[i] - lse;
  return out;
}

/**
 * Beam search with a key/value cache shared by the beams (one batch row per beam; rows are
 * reordered when beams are re-ranked). Returns the best finished sequence's new tokens.
 */
export function beamSearch(model: GPT, prompt: readonly number[], options: BeamSearchOptions): number[] {
  const { numBeams, maxNewTokens, lengthPenalty = 1, noRepeatNgramSize = 0, stopTokens = [] } = options;
  if (prompt.length === 0) throw new T.ArgumentError('beamSearch: the prompt needs at least one token');
  if (prompt.length + maxNewTokens > model.config.n_positions) {
    throw new T.ArgumentError(
      `beamSearch: prompt (${prompt.length}) + maxNewTokens (${maxNewTokens}) exceed the context length ${model.config.n_positions}`,
    );
  }
  const wasTraining = model.training;
  model.eval();
  const V = model.config.vocab_size;
  const score = (b: Beam) => b.logProb / Math.max(1, b.tokens.length) ** lengthPenalty;
  const finished: Beam[] = [];
  try {
    return noGrad(() => {
      let cache: LayerCache[] = model.newCache();
      const promptIds = T.fromTyped(Int32Array.from(prompt), [1, prompt.length]);
      let logits = lastLogits(model, promptIds, cache);
      promptIds.dispose();
      let beams: Beam[] = [{ tokens: [], logProb: 0 }];
      for (let step = 0; step < maxNewTokens && beams.length > 0; step++) {
        const candidates: { beam: number; token: number; logProb: number }[] = [];
        beams.forEach((beam, b) => {
          const lp = logSoftmaxRow(logits.subarray(b * V, (b + 1) * V));
          for (const t of bannedByNgram(beam.tokens, noRepeatNgramSize)) lp[t] = Number.NEGATIVE_INFINITY;
          // Only the best numBeams·2 per beam can make the global top 2·numBeams.
          const top = Array.from(lp.keys())
            .sort((x, y) => lp[y] - lp[x])
            .slice(0, 2 * numBeams);
          for (const token of top) candidates.push({ beam: b, token, logProb: beam.logProb + lp[token] });
        });
        candidates.sort((x, y) => y.logProb - x.logProb);
        const next: Beam[] = [];
        const rows: number[] = [];
        for (const c of candidates) {
          if (!Number.isFinite(c.logProb)) break;
          const tokens = [...beams[c.beam].tokens, c.token];
          if (stopTokens.includes(c.token)) finished.push({ tokens, logProb: c.logProb });
          else if (next.length < numBeams) {
            next.push({ tokens, logProb: c.logProb });
            rows.push(c.beam);
          }
          if (next.length === numBeams) break;
        }
        beams = next;
        if (finished.length >= numBeams || beams.length === 0 || step === maxNewTokens - 1) break;
        cache = reorderCache(cache, rows);
        const ids = T.fromTyped(Int32Array.from(beams.map((b) => b.tokens[b.tokens.length - 1])), [
          beams.length,
          1,
        ]);
        logits = lastLogits(model, ids, cache);
        ids.dispose();
      }
      disposeCache(cache);
      const pool = [...finished, ...beams];
      pool.sort((x, y) => score(y) - score(x));
      return pool[0]?.tokens ?? [];
    });
  } finally {
    model.train(wasTraining);
  }
}

/** Picks batch rows of every layer's keys and values (beam b continues from row rows[b]). */
function reorderCache(cache: LayerCache[], rows: number[]): LayerCache[] {
  const index = T.fromTyped(Int32Array.from(rows), [rows.length]);
  const pick = (t: Tensor | null) => (t ? new Tensor(T.keep(T.gather(t.value, index, 0))) : null);
  const out = cache.map((layer) => ({ k: pick(layer.k), v: pick(layer.v) }));
  index.dispose();
  disposeCache(cache);
  return out;
}
