import type { ExperimentResults, SimilarityResult } from '../../results.js';
import { fixed } from '../format.js';
import { inputDimension, summarizeSimilarity } from '../similarity-stats.js';
import type { Finding } from './types.js';

const where = (sim: SimilarityResult) => `ΔW${sim.matrix} layer ${sim.layer}`;

/** The verdict of a claim checked on several grids: all, some or none of them agree. */
function allSomeNone(agree: number, total: number): Finding['verdict'] {
  return agree === total ? 'matches' : agree === 0 ? 'differs' : 'mixed';
}

/**
 * Figure 3: the top direction of A_{r=8} and A_{r=64} overlap with φ(1, 1) > 0.5, "while others do
 * not". Checked on every 'ranks' grid, with the chance level for reference.
 */
export function topDirectionFinding(results: ExperimentResults): Finding | undefined {
  const grids = results.similarity.filter((s) => s.kind === 'ranks');
  if (grids.length === 0) return undefined;
  const parts = grids.map((sim) => {
    const s = summarizeSimilarity(sim, inputDimension(results, sim));
    const chance = s.chance ? ` (chance ${fixed(s.chance.phi11, 3)})` : '';
    return { overlaps: s.overlaps, text: `${where(sim)} φ(1,1) = ${fixed(s.phi11, 2)}${chance}` };
  });
  const agree = parts.filter((p) => p.overlaps).length;
  const { lowRank, highRank } = results.config.analysis;
  const text =
    `Between A of r=${lowRank} and r=${highRank}: ${parts.map((p) => p.text).join('; ')}. ` +
    `${agree} of ${parts.length} grids have φ(1,1) > 0.5, the overlap the paper's Figure 3 reports for the top direction (layer 48 of GPT-3).`;
  return { id: 'figure3-top-direction', verdict: allSomeNone(agree, parts.length), text };
}

/**
 * Figure 4: across two seeds at r=64, "ΔWq appears to have a higher intrinsic rank than ΔWv",
 * i.e. more common top directions for q. Compares the top-left block means of q and v per layer.
 */
export function seedFinding(results: ExperimentResults): Finding | undefined {
  const seeds = results.similarity.filter((s) => s.kind === 'seeds');
  const layers = [...new Set(seeds.map((s) => s.layer))].sort((a, b) => a - b);
  const pairs = layers.flatMap((layer) => {
    const q = seeds.find((s) => s.layer === layer && s.matrix === 'q');
    const v = seeds.find((s) => s.layer === layer && s.matrix === 'v');
    return q && v ? [{ layer, q: summarizeSimilarity(q), v: summarizeSimilarity(v) }] : [];
  });
  if (pairs.length === 0) return undefined;
  const agree = pairs.filter((p) => p.q.blockMean > p.v.blockMean).length;
  const block = pairs[0].q.block;
  const text =
    `Across two seeds at r=${results.config.analysis.highRank}, the mean φ over i, j ≤ ${block} is ` +
    pairs
      .map(
        (p) => `${fixed(p.q.blockMean, 2)} for ΔWq vs ${fixed(p.v.blockMean, 2)} for ΔWv at layer ${p.layer}`,
      )
      .join('; ') +
    `. ΔWq shares more top directions than ΔWv at ${agree} of ${pairs.length} layers; the paper's Figure 4 finds ΔWq sharing more (a higher "intrinsic rank").`;
  return { id: 'figure4-q-vs-v', verdict: allSomeNone(agree, pairs.length), text };
}
