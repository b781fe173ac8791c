import type { ExperimentResults, RunResult } from '../../results.js';
import { bytes, count, duration, fixed, isNumber, MISSING, percent, percentScore, table } from '../format.js';
import { TABLE3_GPT2M, TABLE4_GPT3 } from '../paper-numbers.js';
import { baselineRun, lowest, runLabel } from '../run-lookup.js';

/** One row of the cost/quality table. */
function row(run: RunResult, seed: number): string[] {
  return [
    runLabel(run, seed),
    count(run.trainableParams),
    percent(run.trainableParams, run.totalParams),
    bytes(run.optimizerStateBytes),
    run.steps > 0 ? count(run.tokensPerSecond) : MISSING,
    duration(run.seconds),
    fixed(run.valLoss, 3),
    fixed(percentScore(run.scores.bleu), 2),
  ];
}

/** Baselines (full fine-tuning, bias-only, frozen base) with cost columns, next to the best LoRA run. */
export function baselinesSection(results: ExperimentResults): string {
  const seed = results.config.seed;
  const baselines = (['full', 'bias', 'frozen'] as const)
    .map((m) => baselineRun(results, m))
    .filter((r): r is RunResult => !!r);
  const best = lowest(
    results.runs.filter((run) => run.method === 'lora'),
    (run) => run.valLoss,
  );
  const rows = [...baselines, ...(best ? [best] : [])].map((run) => row(run, seed));
  if (rows.length === 0) return '';
  const frozen = baselineRun(results, 'frozen');
  const adapted = results.runs.filter((run) => run.method !== 'frozen' && isNumber(run.valLoss));
  const beatFrozen =
    frozen && isNumber(frozen.valLoss)
      ? adapted.filter((run) => run.valLoss < frozen.valLoss).length
      : undefined;
  const frozenText =
    beatFrozen === undefined
      ? ''
      : `${beatFrozen} of ${adapted.length} fine-tuned runs reach a lower validation loss than the frozen base (${fixed(frozen?.valLoss, 3)}).`;
  return [
    '## Baselines',
    '',
    'Cost and quality of full fine-tuning, bias-only tuning (BitFit) and the frozen base, with the best LoRA run (lowest validation loss) for comparison. Optimizer state: the bytes AdamW holds (its two moment estimates per trainable parameter); tokens/s counts training tokens (padding included) per second of training on this machine.',
    '',
    table(
      ['run', 'trainable', 'of total', 'optimizer state', 'tokens/s', 'train time', 'val loss', 'BLEU ×100'],
      rows,
      ['l'],
    ),
    '',
    frozenText,
    '',
    `For reference, the paper's **Table 3** (GPT-2 Medium, E2E test set): full fine-tuning ${TABLE3_GPT2M.full.params} trainable, BLEU ${TABLE3_GPT2M.full.bleu.toFixed(1)}; LoRA ${TABLE3_GPT2M.lora.params}, BLEU ${TABLE3_GPT2M.lora.bleu.toFixed(1)}. **Table 4** (GPT-3 175B, WikiSQL / MultiNLI-matched accuracy): full fine-tuning ${TABLE4_GPT3.full.params}, ${TABLE4_GPT3.full.wikisql.toFixed(1)} / ${TABLE4_GPT3.full.multinli.toFixed(1)}; BitFit ${TABLE4_GPT3.bias.params}, ${TABLE4_GPT3.bias.wikisql.toFixed(1)} / ${TABLE4_GPT3.bias.multinli.toFixed(1)}; LoRA ${TABLE4_GPT3.lora.params}, ${TABLE4_GPT3.lora.wikisql.toFixed(1)} / ${TABLE4_GPT3.lora.multinli.toFixed(1)}. The paper reports no frozen-base number for these tasks.`,
  ].join('\n');
}
