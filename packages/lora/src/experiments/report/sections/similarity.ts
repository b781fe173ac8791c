import type { ExperimentResults, SimilarityResult } from '../../results.js';
import { heatmapFile } from '../figures.js';
import { fixed, table } from '../format.js';
import { FIGURE3_OVERLAP_THRESHOLD } from '../paper-numbers.js';
import {
  inputDimension,
  type SimilaritySummary,
  summarizeSimilarity,
  TOP_BLOCK,
} from '../similarity-stats.js';

/** One sentence on one grid: does the top direction overlap, and how does that compare with chance. */
function overlapSentence(sim: SimilarityResult, s: SimilaritySummary): string {
  const where = `ΔW${sim.matrix}, layer ${sim.layer}`;
  const chance = s.chance
    ? ` (two random subspaces of R^${s.chance.dim} would give ${fixed(s.chance.phi11, 3)})`
    : '';
  if (s.overlaps) {
    return `${where}: φ(1,1) = ${fixed(s.phi11, 3)} > ${FIGURE3_OVERLAP_THRESHOLD}${chance}: the top singular directions overlap, as the paper found.`;
  }
  if (s.aboveChance) {
    return `${where}: φ(1,1) = ${fixed(s.phi11, 3)}${chance}: above chance, but below the paper's ${FIGURE3_OVERLAP_THRESHOLD}, so the top directions overlap only partly.`;
  }
  return `${where}: φ(1,1) = ${fixed(s.phi11, 3)}${chance}: the top singular directions do not overlap noticeably${s.chance ? ' beyond chance' : ''}, unlike the paper's finding.`;
}

function kindSection(results: ExperimentResults, kind: SimilarityResult['kind']): string {
  const grids = results.similarity.filter((s) => s.kind === kind);
  if (grids.length === 0) return '';
  const summaries = grids.map((sim) => ({ sim, s: summarizeSimilarity(sim, inputDimension(results, sim)) }));
  const { lowRank, highRank } = results.config.analysis;
  const heading =
    kind === 'ranks'
      ? `### Figure 3 analogue: A of r=${lowRank} vs A of r=${highRank} ({Wq, Wv} runs)`
      : `### Figure 4 analogue: A of r=${highRank} from two seeds`;
  const rows = summaries.map(({ sim, s }) => [
    `ΔW${sim.matrix}`,
    String(sim.layer),
    `${sim.runA} vs ${sim.runB}`,
    `${sim.rows} × ${sim.cols}`,
    fixed(s.phi11, 3),
    fixed(s.blockMean, 3),
    s.chance ? `${fixed(s.chance.phi11, 3)} / ${fixed(s.chance.blockMean, 3)}` : 'unknown d',
  ]);
  const block = summaries[0].s.block;
  return [
    heading,
    '',
    table(
      [
        'matrix',
        'layer',
        'runs',
        'grid i × j',
        'φ(1,1)',
        `mean φ, i,j ≤ ${block}`,
        'chance: φ(1,1) / block mean',
      ],
      rows,
      ['l', 'r', 'l'],
    ),
    '',
    ...summaries.map(({ sim, s }) => `- ${overlapSentence(sim, s)}`),
    '',
    ...grids.map(
      (sim) => `![φ heatmap, ${sim.kind}, ΔW${sim.matrix} layer ${sim.layer}](figures/${heatmapFile(sim)})`,
    ),
  ].join('\n');
}

/** Figures 3 and 4: subspace similarity between ranks and between seeds. */
export function similaritySection(results: ExperimentResults): string {
  if (results.similarity.length === 0) {
    return '## Subspace similarity (Figures 3 and 4)\n\nNo φ grids: the sweep lacked the {Wq, Wv} runs at the analysis ranks.';
  }
  return [
    '## Subspace similarity (Figures 3 and 4)',
    '',
    `φ(A₁, A₂, i, j) = ‖U₁[:, :i]ᵀ U₂[:, :j]‖²_F / min(i, j) ∈ [0, 1], with U the right singular vectors of lora_A (the input directions the adapter reads). The tables give φ(1,1), the mean over the top-left block i, j ≤ min(${TOP_BLOCK}, grid), and the chance level for random subspaces (E[φ(i,j)] = max(i,j)/d). The paper (Figure 3, layer 48 of GPT-3) finds that the top direction of A_{r=8} and A_{r=64} overlaps with φ > ${FIGURE3_OVERLAP_THRESHOLD} while the others do not; Figure 4 finds two seeds at r=64 sharing a few top directions, more for ΔWq than for ΔWv.`,
    '',
    kindSection(results, 'ranks'),
    '',
    kindSection(results, 'seeds'),
  ].join('\n');
}
