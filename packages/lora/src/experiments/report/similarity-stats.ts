import type { ExperimentResults, SimilarityResult } from '../results.js';
import { FIGURE3_OVERLAP_THRESHOLD } from './paper-numbers.js';

/** The top-left block the report summarises: i, j ≤ TOP_BLOCK (or the whole grid when smaller). */
export const TOP_BLOCK = 4;

/** What the report says about one φ grid. */
export interface SimilaritySummary {
  /** φ(1, 1): how much the two top directions overlap. */
  phi11: number;
  /** Side of the top-left block actually averaged (min(TOP_BLOCK, rows, cols)). */
  block: number;
  /** Mean of φ(i, j) over i, j ≤ block. */
  blockMean: number;
  /** Expected φ(1, 1) and block mean for two random subspaces of R^d, when d is known. */
  chance?: { phi11: number; blockMean: number; dim: number };
  /** φ(1, 1) above the paper's 0.5 (Figure 3: "similarity > 0.5" for the top direction). */
  overlaps: boolean;
  /** φ(1, 1) at least five times the chance level (when d is known). */
  aboveChance?: boolean;
}

/** φ(i, j) of a grid, 1-based as in the paper. */
export function phiAt(sim: SimilarityResult, i: number, j: number): number {
  return sim.grid[(i - 1) * sim.cols + (j - 1)];
}

/**
 * The input dimension d the right singular vectors of lora_A live in: the pretraining width when
 * the base was pretrained here. Unknown (undefined) for a loaded base, unless a grid is cut short
 * by it (min(r, d) = d < r reveals d).
 */
export function inputDimension(results: ExperimentResults, sim: SimilarityResult): number | undefined {
  if (results.base.source === 'pretrained') return results.config.pretrain.nEmbd;
  const highRank = results.config.analysis.highRank;
  return sim.cols < highRank ? sim.cols : undefined;
}

/**
 * φ(1, 1), the top-left block mean and the chance level. For random subspaces of dimensions i and
 * j in R^d, E‖U_iᵀU_j‖²_F = i·j/d, so E[φ(i, j)] = max(i, j)/d.
 */
export function summarizeSimilarity(sim: SimilarityResult, dim?: number): SimilaritySummary {
  const block = Math.min(TOP_BLOCK, sim.rows, sim.cols);
  let sum = 0;
  let chanceSum = 0;
  for (let i = 1; i <= block; i++) {
    for (let j = 1; j <= block; j++) {
      sum += phiAt(sim, i, j);
      chanceSum += Math.max(i, j);
    }
  }
  const phi11 = phiAt(sim, 1, 1);
  const summary: SimilaritySummary = {
    phi11,
    block,
    blockMean: sum / (block * block),
    overlaps: phi11 > FIGURE3_OVERLAP_THRESHOLD,
  };
  if (dim !== undefined && dim > 0) {
    summary.chance = { phi11: 1 / dim, blockMean: chanceSum / (block * block) / dim, dim };
    summary.aboveChance = phi11 >= 5 / dim;
  }
  return summary;
}
