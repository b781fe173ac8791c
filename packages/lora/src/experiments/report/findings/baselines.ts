import type { ExperimentResults } from '../../results.js';
import { count, fixed, isNumber, percentScore } from '../format.js';
import { TABLE3_GPT2M, TABLE4_GPT3 } from '../paper-numbers.js';
import { baselineRun, lowest, runLabel } from '../run-lookup.js';
import { type Noise, noiseClause, withinNoise } from './noise.js';
import type { Finding } from './types.js';

/**
 * Tables 3 and 4: LoRA matches or beats full fine-tuning with far fewer trainable parameters, and
 * beats bias-only tuning (BitFit). Compared with the best LoRA run by validation loss.
 */
export function baselineFindings(results: ExperimentResults, noise: Noise): Finding[] {
  const lora = results.runs.filter((run) => run.method === 'lora' && isNumber(run.valLoss));
  const best = lowest(lora, (run) => run.valLoss);
  if (!best) return [];
  const seed = results.config.seed;
  const out: Finding[] = [];
  const full = baselineRun(results, 'full');
  if (full && isNumber(full.valLoss)) {
    const difference = best.valLoss - full.valLoss;
    const verdict: Finding['verdict'] =
      difference <= 0 || withinNoise(difference, noise.valLoss, 3) === true ? 'matches' : 'differs';
    out.push({
      id: 'lora-vs-full',
      verdict,
      text:
        `The best LoRA run, ${runLabel(best, seed)} (${count(best.trainableParams)} trainable parameters), has validation loss ${fixed(best.valLoss, 3)} and BLEU ${fixed(percentScore(best.scores.bleu), 2)}; ` +
        `full fine-tuning (${count(full.trainableParams)}) has ${fixed(full.valLoss, 3)} and ${fixed(percentScore(full.scores.bleu), 2)} (${noiseClause(difference, noise.valLoss, 3, noise.r)}). ` +
        `The paper's Table 3 has LoRA at BLEU ${TABLE3_GPT2M.lora.bleu.toFixed(1)} with ${TABLE3_GPT2M.lora.params} parameters against ${TABLE3_GPT2M.full.bleu.toFixed(1)} for full fine-tuning (${TABLE3_GPT2M.full.params}) on GPT-2 Medium.`,
    });
  }
  const bias = baselineRun(results, 'bias');
  if (bias && isNumber(bias.valLoss)) {
    const difference = best.valLoss - bias.valLoss;
    const verdict: Finding['verdict'] =
      withinNoise(difference, noise.valLoss, 3) === true
        ? 'inconclusive'
        : difference < 0
          ? 'matches'
          : 'differs';
    out.push({
      id: 'lora-vs-bias',
      verdict,
      text:
        `Bias-only tuning (${count(bias.trainableParams)} trainable) reaches validation loss ${fixed(bias.valLoss, 3)} against ${fixed(best.valLoss, 3)} for the best LoRA run (${noiseClause(difference, noise.valLoss, 3, noise.r)}). ` +
        `In the paper's Table 4 (GPT-3), BitFit (${TABLE4_GPT3.bias.params}) trails LoRA (${TABLE4_GPT3.lora.params}): ${TABLE4_GPT3.bias.wikisql.toFixed(1)}% vs ${TABLE4_GPT3.lora.wikisql.toFixed(1)}% on WikiSQL, ${TABLE4_GPT3.bias.multinli.toFixed(1)}% vs ${TABLE4_GPT3.lora.multinli.toFixed(1)}% on MultiNLI.`,
    });
  }
  return out;
}
