import type * as T from '@typegrad/tensor';
import type { GPT } from '@typegrad/transformer';
import { amplification } from '../analysis/amplification.js';
import { subspaceSimilarityGrid } from '../analysis/subspace.js';
import type { ExperimentConfig } from './config.js';
import type { DeltaWRow, SimilarityResult } from './results.js';
import { runId } from './sweeps.js';

type AdapterArrays = Map<string, { A: T.NDArray; B: T.NDArray; scaling: number }>;

/** The frozen W of the q or v slice of layer `layer`'s fused c_attn, as [out, in]. */
function frozenSlice(model: GPT, layer: number, matrix: 'q' | 'v'): T.NDArray {
  const weight = model.getSubmodule(`h.${layer}.attn.c_attn`).stateDict().get('weight')!; // Conv1D [in, 3C]
  const C = model.config.n_embd;
  const start = matrix === 'q' ? 0 : 2 * C;
  return weight.slice(null, [start, start + C]).T; // [C, in]
}

/**
 * The paper's Section 7 on our adapters: φ between the r=low and r=high runs (Figure 3) and
 * between two seeds at r=high (Figure 4) for ΔWq and ΔWv, and Table 7's ΔW-versus-W norms.
 * Runs that are missing (e.g. a sweep without r=64) are skipped.
 */
export function analyze(
  config: ExperimentConfig,
  base: GPT,
  adapters: Map<string, AdapterArrays>,
): { similarity: SimilarityResult[]; deltaW: DeltaWRow[] } {
  const { lowRank, highRank, secondSeed } = config.analysis;
  const low = runId(['q', 'v'], lowRank);
  const high = runId(['q', 'v'], highRank);
  const other = runId(['q', 'v'], highRank, secondSeed);
  const similarity: SimilarityResult[] = [];
  const deltaW: DeltaWRow[] = [];
  const layers = config.analysis.layers.filter((l) => l < base.config.n_layer);
  for (const layer of layers) {
    for (const matrix of ['q', 'v'] as const) {
      const key = `h.${layer}.attn.c_attn.${matrix}`;
      const pair = (kind: SimilarityResult['kind'], a: string, b: string) => {
        const A1 = adapters.get(a)?.get(key);
        const A2 = adapters.get(b)?.get(key);
        if (!A1 || !A2) return;
        const grid = subspaceSimilarityGrid(A1.A, A2.A);
        similarity.push({
          kind,
          layer,
          matrix,
          runA: a,
          runB: b,
          rows: grid.rows,
          cols: grid.cols,
          grid: [...grid.values],
        });
      };
      pair('ranks', low, high);
      pair('seeds', high, other);
      const W = frozenSlice(base, layer, matrix);
      for (const run of [low, high]) {
        const ad = adapters.get(run)?.get(key);
        if (!ad) continue;
        const rep = amplification({ W, A: ad.A, B: ad.B, scaling: ad.scaling }, { seed: config.seed });
        deltaW.push({
          layer,
          matrix,
          r: ad.A.shape[0],
          run,
          deltaNorm: rep.deltaNorm,
          weightNorm: rep.baseNorm,
          projectionDelta: rep.projectedNorm.delta,
          projectionWeight: rep.projectedNorm.base,
          projectionRandom: rep.projectedNorm.random,
          amplification: rep.amplification,
        });
      }
      W.dispose();
    }
  }
  return { similarity, deltaW };
}
