import type { Placement } from '../../config.js';
import type { ExperimentResults } from '../../results.js';
import { lossCurvesFile, METRICS_VS_RANK_FILE } from '../figures.js';
import { count, fixed, MISSING, percentScore, table } from '../format.js';
import { PAPER, TABLE6, TABLE18 } from '../paper-numbers.js';
import { loraRun, targetKey, targetLabel } from '../run-lookup.js';

/** `1.234 / 45.67`: validation loss and BLEU ×100 of one run. */
function lossAndBleu(results: ExperimentResults, targets: Placement['targets'], r: number): string {
  const run = loraRun(results, targets, r);
  return run ? `${fixed(run.valLoss, 3)} / ${fixed(percentScore(run.scores.bleu), 2)}` : MISSING;
}

/** The paper's Table 6 in our layout: rows = target sets, columns = our ranks, WikiSQL / MultiNLI. */
function paperTable6(ranks: number[], targetSets: Placement['targets'][]): string {
  const rows = targetSets.map((targets) => {
    const key = targetKey(targets);
    return [
      targetLabel(targets),
      ...ranks.map((r) => {
        const k = TABLE6.ranks.indexOf(r);
        const wikisql = TABLE6.wikisql[key]?.[k];
        const multinli = TABLE6.multinli[key]?.[k];
        return k < 0 || wikisql === undefined ? MISSING : `${wikisql.toFixed(1)} / ${multinli.toFixed(1)}`;
      }),
    ];
  });
  return table(['adapted', ...ranks.map((r) => `r=${r}`)], rows, ['l']);
}

/** Table 6 / Table 18 analogue: our rank sweep next to the paper's numbers, with its figures. */
export function rankSection(results: ExperimentResults, figures: Record<string, string>): string {
  const { ranks, targetSets } = results.config.rankSweep;
  const header = ['adapted', ...ranks.map((r) => `r=${r}`)];
  const ours = table(
    header,
    targetSets.map((targets) => [
      targetLabel(targets),
      ...ranks.map((r) => lossAndBleu(results, targets, r)),
    ]),
    ['l'],
  );
  const metricRows = targetSets.flatMap((targets) =>
    ranks.map((r) => {
      const run = loraRun(results, targets, r);
      const s = run?.scores;
      return [
        targetLabel(targets),
        String(r),
        count(run?.trainableParams),
        fixed(run?.valLoss, 3),
        fixed(percentScore(s?.bleu), 2),
        fixed(s?.nist, 4),
        fixed(s?.meteor, 4),
        fixed(s?.rougeL, 4),
        fixed(s?.cider, 4),
      ];
    }),
  );
  const metricHeader = [
    'adapted',
    'r',
    'trainable',
    'val loss',
    'BLEU',
    'NIST',
    'METEOR',
    'ROUGE-L',
    'CIDEr',
  ];
  const paperOnly = TABLE18.filter((row) => !ranks.includes(row.r)).map((row) => row.r);
  const paperRows = TABLE18.filter((row) => ranks.includes(row.r)).map((row) => [
    '{Wq, Wv}',
    String(row.r),
    MISSING,
    row.valLoss.toFixed(2),
    row.bleu.toFixed(2),
    row.nist.toFixed(4),
    row.meteor.toFixed(4),
    row.rougeL.toFixed(4),
    row.cider.toFixed(4),
  ]);
  const curves = targetSets
    .filter((targets) => figures[lossCurvesFile(targets)])
    .map((targets) => `![Training loss, ${targetLabel(targets)}](figures/${lossCurvesFile(targets)})`);
  return [
    '## Rank sweep (Table 6 / Table 18 analogue)',
    '',
    'Each cell: validation loss (nats per reference token, lower is better) / BLEU ×100 on the test MRs (higher is better). One seed per cell.',
    '',
    ours,
    '',
    `The paper's **Table 6** (${PAPER}): GPT-3 175B, validation accuracy (%) on WikiSQL (±0.5%) / MultiNLI (±0.1%), a different model and tasks, quoted for the trend only:`,
    '',
    paperTable6(ranks, targetSets),
    '',
    "All five E2E metrics (BLEU ×100; NIST, METEOR, ROUGE-L, CIDEr on the official script's scales):",
    '',
    table(metricHeader, metricRows, ['l']),
    '',
    `The paper's **Table 18**: GPT-2 Medium on the real E2E NLG Challenge, LoRA with different r (validation loss, test-set metrics), rows for the ranks we swept${paperOnly.length > 0 ? ` (the paper also has r = ${paperOnly.join(', ')})` : ''}; in its caption's words, performance peaks at r = 16 for validation loss and at r = 4 for BLEU:`,
    '',
    table(metricHeader, paperRows, ['l']),
    '',
    figures[METRICS_VS_RANK_FILE]
      ? `![Validation loss and BLEU against r](figures/${METRICS_VS_RANK_FILE})\n`
      : '',
    ...curves,
  ].join('\n');
}
