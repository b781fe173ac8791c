import type { ExperimentResults } from '../results.js';
import { renderFigures } from './figures.js';
import { baselinesSection } from './sections/baselines.js';
import { budgetSection } from './sections/budget-table.js';
import { deltaWSection } from './sections/delta-w.js';
import { findingsSection } from './sections/findings.js';
import { notesSection } from './sections/notes.js';
import { rankSection } from './sections/rank-tables.js';
import { samplesSection } from './sections/samples.js';
import { similaritySection } from './sections/similarity.js';
import { summarySection } from './sections/summary.js';

/** The report as text: REPORT.md and its SVG figures (keyed by file name under figures/). */
export interface RenderedReport {
  markdown: string;
  figures: Record<string, string>;
}

/**
 * Renders the report without touching the disk. `outDir`, when given, goes into the reproduce
 * command as `--out`.
 */
export function renderReport(results: ExperimentResults, outDir?: string): RenderedReport {
  const figures = renderFigures(results);
  const sections = [
    summarySection(results, outDir),
    rankSection(results, figures),
    budgetSection(results),
    baselinesSection(results),
    similaritySection(results),
    deltaWSection(results),
    findingsSection(results),
    samplesSection(results),
    notesSection(results),
  ];
  const markdown = `${sections
    .filter((s) => s.trim() !== '')
    .join('\n\n')
    .replace(/\n{3,}/g, '\n\n')}\n`;
  return { markdown, figures };
}
