/** Vega-Lite specs of the report's figures, built from plain data rows (no results types here). */
import type { TopLevelSpec } from 'vega-lite';

const FONT = { font: 'sans-serif', titleFontSize: 13 };

/** Tick values for a long ordinal axis: 1, then every `step` (8, 16, ...), so labels do not collide. */
function sparseTicks(n: number): number[] | undefined {
  if (n <= 16) return undefined;
  const step = n <= 32 ? 4 : 8;
  const ticks = [1];
  for (let k = step; k <= n; k += step) ticks.push(k);
  return ticks;
}

/**
 * A φ heatmap as in the paper's Figures 3 and 4: i (directions of the first adapter) down the
 * y-axis, j (the second) along the x-axis, colour fixed to 0..1 so heatmaps compare.
 */
export function heatmapSpec(o: {
  title: string;
  subtitle: string;
  rows: number;
  cols: number;
  cells: { i: number; j: number; phi: number }[];
  iLabel: string;
  jLabel: string;
}): TopLevelSpec {
  const cell = Math.max(4, Math.min(24, Math.floor(384 / Math.max(o.rows, o.cols))));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: o.title, subtitle: o.subtitle },
    data: { values: o.cells },
    mark: { type: 'rect', aria: false },
    width: cell * o.cols,
    height: cell * o.rows,
    encoding: {
      x: {
        field: 'j',
        type: 'ordinal',
        title: o.jLabel,
        axis: { values: sparseTicks(o.cols), labelAngle: 0 },
      },
      y: { field: 'i', type: 'ordinal', title: o.iLabel, axis: { values: sparseTicks(o.rows) } },
      color: {
        field: 'phi',
        type: 'quantitative',
        title: 'φ',
        scale: { domain: [0, 1], scheme: 'viridis' },
      },
    },
    config: { title: FONT, view: { stroke: null } },
  };
}

/** Training loss against step, one line per rank. */
export function lossCurvesSpec(o: {
  title: string;
  points: { step: number; loss: number; r: number }[];
}): TopLevelSpec {
  const ranks = [...new Set(o.points.map((p) => p.r))].sort((a, b) => a - b);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    data: { values: o.points },
    mark: { type: 'line', strokeWidth: 1.5 },
    width: 420,
    height: 260,
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'loss', type: 'quantitative', title: 'training loss (nats/token)', scale: { zero: false } },
      color: { field: 'r', type: 'nominal', title: 'r', sort: ranks },
    },
    config: { title: FONT },
  };
}

/** Validation loss and BLEU against r (log₂ axis), one line per target set, side by side. */
export function metricsVsRankSpec(o: {
  title: string;
  points: { r: number; targets: string; valLoss: number; bleu: number }[];
  ranks: number[];
  targetOrder: string[];
}): TopLevelSpec {
  const panel = (field: 'valLoss' | 'bleu', title: string) => ({
    mark: { type: 'line' as const, point: true },
    width: 300,
    height: 220,
    encoding: {
      x: {
        field: 'r',
        type: 'quantitative' as const,
        title: 'rank r',
        scale: { type: 'log' as const, base: 2 },
        axis: { values: o.ranks, format: 'd' },
      },
      y: { field, type: 'quantitative' as const, title, scale: { zero: false } },
      color: { field: 'targets', type: 'nominal' as const, title: 'adapted', sort: o.targetOrder },
    },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    data: { values: o.points },
    hconcat: [
      panel('valLoss', 'validation loss (lower is better)'),
      panel('bleu', 'BLEU ×100 (higher is better)'),
    ],
    config: { title: FONT },
  };
}
