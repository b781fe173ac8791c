import type { ExperimentResults, SimilarityResult } from '../results.js';
import { heatmapSpec, lossCurvesSpec, metricsVsRankSpec } from './figure-specs.js';
import { isNumber, percentScore } from './format.js';
import { renderSvg } from './render-svg.js';
import { loraRun, targetLabel } from './run-lookup.js';

/** File name (under figures/) of the φ heatmap of one similarity result. */
export function heatmapFile(sim: SimilarityResult): string {
  return `phi-${sim.kind}-layer${sim.layer}-${sim.matrix}.svg`;
}

/** File name of the training-loss chart of one target set. */
export function lossCurvesFile(targets: string[]): string {
  return `loss-curves-${targets.join('')}.svg`;
}

export const METRICS_VS_RANK_FILE = 'metrics-vs-rank.svg';

/** The axis label for one side of a φ grid: `i: top directions of A in lora-qv-r8`. */
function sideLabel(letter: 'i' | 'j', run: string): string {
  return `${letter}: top directions of A in ${run}`;
}

/** Title and subtitle of a heatmap, in the paper's notation. */
function heatmapTitle(sim: SimilarityResult): { title: string; subtitle: string } {
  const what = sim.kind === 'ranks' ? 'different ranks (Figure 3)' : 'different seeds (Figure 4)';
  return {
    title: `φ(${sim.runA}, ${sim.runB}, i, j): ΔW${sim.matrix}, layer ${sim.layer}`,
    subtitle: `normalized subspace similarity between ${what}; right singular vectors of lora_A`,
  };
}

/** Every figure of the report as SVG text, keyed by file name. */
export function renderFigures(results: ExperimentResults): Record<string, string> {
  const figures: Record<string, string> = {};
  for (const sim of results.similarity) {
    const cells: { i: number; j: number; phi: number }[] = [];
    for (let i = 1; i <= sim.rows; i++) {
      for (let j = 1; j <= sim.cols; j++) cells.push({ i, j, phi: sim.grid[(i - 1) * sim.cols + (j - 1)] });
    }
    figures[heatmapFile(sim)] = renderSvg(
      heatmapSpec({
        ...heatmapTitle(sim),
        rows: sim.rows,
        cols: sim.cols,
        cells,
        iLabel: sideLabel('i', sim.runA),
        jLabel: sideLabel('j', sim.runB),
      }),
    );
  }
  const { ranks, targetSets } = results.config.rankSweep;
  for (const targets of targetSets) {
    const points = ranks.flatMap((r) =>
      (loraRun(results, targets, r)?.lossCurve ?? [])
        .filter((p) => isNumber(p.loss))
        .map((p) => ({ ...p, r })),
    );
    if (points.length === 0) continue;
    figures[lossCurvesFile(targets)] = renderSvg(
      lossCurvesSpec({ title: `Training loss of the rank sweep, LoRA on ${targetLabel(targets)}`, points }),
    );
  }
  const metricPoints = targetSets.flatMap((targets) =>
    ranks.flatMap((r) => {
      const run = loraRun(results, targets, r);
      return run && isNumber(run.valLoss)
        ? [{ r, targets: targetLabel(targets), valLoss: run.valLoss, bleu: percentScore(run.scores.bleu) }]
        : [];
    }),
  );
  if (metricPoints.length > 0) {
    figures[METRICS_VS_RANK_FILE] = renderSvg(
      metricsVsRankSpec({
        title: 'Validation loss and BLEU against r (Table 6 / Table 18 analogue)',
        points: metricPoints,
        ranks,
        targetOrder: targetSets.map(targetLabel),
      }),
    );
  }
  return figures;
}
