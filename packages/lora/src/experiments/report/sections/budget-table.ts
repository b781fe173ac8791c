import type { ExperimentResults } from '../../results.js';
import { count, fixed, MISSING, percentScore, table } from '../format.js';
import { TABLE5 } from '../paper-numbers.js';
import { loraRun, targetKey, targetLabel } from '../run-lookup.js';

/** Table 5 analogue: which matrices to adapt under one budget of trainable parameters. */
export function budgetSection(results: ExperimentResults): string {
  const placements = results.config.budgetSweep;
  if (placements.length === 0) return '';
  const runs = placements.map((p) => loraRun(results, p.targets, p.r));
  const header = ['', ...placements.map((p) => targetLabel(p.targets))];
  const paper = placements.map((p) => TABLE5[`${targetKey(p.targets)}-r${p.r}`]);
  const params = runs.map((run) => run?.trainableParams).filter((n): n is number => n !== undefined);
  const least = Math.min(...params);
  const most = Math.max(...params);
  const spread =
    params.length === 0
      ? ''
      : least === most
        ? `Every placement trains ${count(least)} parameters.`
        : `Trainable parameters range from ${count(least)} to ${count(most)} across the placements.`;
  return [
    '## Which weights to adapt under a fixed budget (Table 5 analogue)',
    '',
    `Same number of adapted-parameter slots: r=8 on one matrix type, r=4 on two, r=2 on four. ${spread}`,
    '',
    table(
      header,
      [
        ['rank r', ...placements.map((p) => String(p.r))],
        ['trainable params', ...runs.map((run) => count(run?.trainableParams))],
        ['val loss (ours)', ...runs.map((run) => fixed(run?.valLoss, 3))],
        ['BLEU ×100 (ours)', ...runs.map((run) => fixed(percentScore(run?.scores.bleu), 2))],
        ['WikiSQL % (paper, ±0.5%)', ...paper.map((p) => (p ? p.wikisql.toFixed(1) : MISSING))],
        ['MultiNLI % (paper, ±0.1%)', ...paper.map((p) => (p ? p.multinli.toFixed(1) : MISSING))],
      ],
      ['l'],
    ),
    '',
    'The paper rows are its **Table 5**: GPT-3 175B with 18M trainable parameters (r=8 for one type, 4 for two, 2 for four, on all 96 layers), validation accuracy.',
  ].join('\n');
}
