import type { ExperimentResults } from '../../results.js';
import { count, duration, escapeMarkdown, fixed, isNumber } from '../format.js';
import { PAPER } from '../paper-numbers.js';
import { reproduceCommand } from '../reproduce-command.js';

/** True when the fine-tuning data came from the built-in generator, not from E2E files. */
export function isSynthetic(results: ExperimentResults): boolean {
  return results.data.source === 'synthetic';
}

/** The warning that opens a report on synthetic data. */
export const SYNTHETIC_WARNING =
  '**Synthetic data.** The fine-tuning data is the built-in synthetic E2E-format generator, NOT the real E2E NLG Challenge data';

function dataSentence(results: ExperimentResults): string {
  const d = results.data;
  const sizes = `${count(d.trainPairs)} training (MR, reference) pairs (${count(d.droppedLong)} dropped as longer than ${results.config.finetune.maxLength} tokens), validation loss on ${count(d.devMRs)} dev MRs, generation scored on ${count(d.testMRs)} test MRs`;
  if (isSynthetic(results)) {
    return `Data: the built-in synthetic E2E-format generator, not the real E2E (same eight slots and value sets, templated references), so absolute scores are not comparable with the paper's; ${sizes}.`;
  }
  return `Data: the E2E NLG Challenge files in \`${escapeMarkdown(d.path ?? '?')}\`; ${sizes} (the full E2E test set has 630 MRs).`;
}

function baseSentence(results: ExperimentResults): string {
  const b = results.base;
  const p = results.config.pretrain;
  const loss = isNumber(b.valLoss)
    ? `validation loss ${fixed(b.valLoss, 3)} nats/token`
    : 'validation loss not measured here';
  if (b.source === 'run') {
    return `Base model: loaded from \`${escapeMarkdown(b.path ?? '?')}\`, ${count(b.params)} parameters, ${escapeMarkdown(b.tokenizer)} tokenizer, ${loss}.`;
  }
  return `Base model: a ${p.nLayer}-layer, ${p.nEmbd}-wide, ${p.nHead}-head GPT with ${count(b.params)} parameters and a ${escapeMarkdown(b.tokenizer)} tokenizer, pretrained here on ${escapeMarkdown(b.corpus)} for up to ${count(p.steps)} steps in ${duration(b.seconds)}, ${loss}.`;
}

/** Title, the summary paragraph of what was run, and how to run it again. */
export function summarySection(results: ExperimentResults, outDir?: string): string {
  const c = results.config;
  const f = c.finetune;
  const e = c.eval;
  const runs = results.runs.length;
  const summary = [
    `A miniature reproduction of the rank experiments of ${PAPER} ("LoRA: Low-Rank Adaptation of Large Language Models"), preset \`${c.preset}\`, seed ${c.seed}, started ${escapeMarkdown(results.startedAt)} on ${escapeMarkdown(results.machine)} (backend \`${escapeMarkdown(c.backend)}\`); it took ${duration(results.seconds)} in total.`,
    dataSentence(results),
    baseSentence(results),
    `Fine-tuning: ${runs} runs, each ${count(f.steps)} steps of batch ${f.batchSize} (AdamW, lr ${f.lr} for LoRA and bias-only, ${f.fullLr} for full fine-tuning, weight decay ${f.weightDecay}, LoRA α/r = ${f.alphaOverR}, dropout ${f.dropout}), with the loss on the reference tokens only.`,
    `Generation: beam search with ${e.numBeams} beam${e.numBeams === 1 ? '' : 's'}, length penalty ${e.lengthPenalty}, no-repeat-ngram ${e.noRepeatNgramSize}, at most ${e.maxNewTokens} new tokens; BLEU, NIST, METEOR, ROUGE-L and CIDEr as the official E2E script computes them (multi-reference, corpus level).`,
  ].join(' ');
  const warning = isSynthetic(results)
    ? `> ⚠️ ${SYNTHETIC_WARNING}. Every number below comes from generated data; read them for trends, not for comparison with the paper.\n\n`
    : '';
  return [
    '# LoRA rank experiments in miniature',
    '',
    `${warning}${summary}`,
    '',
    '## How to reproduce',
    '',
    '```sh',
    reproduceCommand(c, outDir),
    '```',
    '',
    'Add `--resume` to continue a stopped run in the same folder. The resolved settings are in `config.json`, per-run results in `runs/`, adapters in `adapters/` and everything this report shows in `results.json`.',
  ].join('\n');
}
