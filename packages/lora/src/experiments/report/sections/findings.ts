import type { ExperimentResults } from '../../results.js';
import { deriveFindings, noiseOf, VERDICT_LABEL } from '../findings/index.js';
import { fixed } from '../format.js';

/** "What matches the paper and what does not": every sentence derived from the numbers. */
export function findingsSection(results: ExperimentResults): string {
  const findings = deriveFindings(results);
  const noise = noiseOf(results);
  const caveat =
    noise.valLoss === undefined
      ? 'Every configuration ran with one seed, and no second seed was run, so no difference below can be told apart from noise.'
      : `Every configuration ran with one seed. The only noise estimate is one pair of seeds of {Wq, Wv} at r=${noise.r}: their validation losses differ by ${fixed(noise.valLoss, 3)} and their BLEU by ${fixed(noise.bleu, 2)}. Differences of that size are treated as noise; larger ones may still be noise, as one pair of seeds is a weak estimate.`;
  return [
    '## What matches the paper and what does not',
    '',
    caveat,
    '',
    ...findings.map((f) => `- **${VERDICT_LABEL[f.verdict]}** (${f.id}): ${f.text}`),
    '',
    'This is a miniature: a base model thousands of times smaller than GPT-2 Medium or GPT-3, far fewer steps and evaluation MRs. A finding that does not carry over may say more about that scale than about LoRA.',
  ].join('\n');
}
