import type { ExperimentResults } from '../../results.js';
import { escapeMarkdown, fixed, percentScore } from '../format.js';
import { highest, runLabel } from '../run-lookup.js';

/** Sample generations (MR, our output, one reference) of the run with the highest BLEU. */
export function samplesSection(results: ExperimentResults): string {
  const best = highest(
    results.runs.filter((run) => run.samples.length > 0),
    (run) => run.scores.bleu,
  );
  if (!best) return '';
  const items = best.samples.map((sample, k) =>
    [
      `${k + 1}. **MR:** ${escapeMarkdown(sample.mr)}`,
      `   - **generated:** ${escapeMarkdown(sample.hypothesis) || '(empty)'}`,
      `   - **reference:** ${escapeMarkdown(sample.references[0] ?? '(none)')}`,
    ].join('\n'),
  );
  return [
    '## Sample generations',
    '',
    `From the run with the highest BLEU, ${runLabel(best, results.config.seed)} (BLEU ×100 ${fixed(percentScore(best.scores.bleu), 2)}), on the first test MRs:`,
    '',
    ...items,
  ].join('\n');
}
