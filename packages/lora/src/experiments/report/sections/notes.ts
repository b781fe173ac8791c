import type { ExperimentResults } from '../../results.js';

/** Definitions the numbers depend on, and where this setup departs from the paper's. */
export function notesSection(results: ExperimentResults): string {
  const f = results.config.finetune;
  return [
    '## Notes on definitions',
    '',
    `- ΔW = (α/r)·B·A includes the LoRA scaling: every ‖ΔW‖_F and amplification above is of the update as it is added to W. Here α = ${f.alphaOverR}·r, so α/r = ${f.alphaOverR} at every rank; the paper instead fixes α to the first r it tries, so its α/r shrinks as r grows.`,
    '- φ uses the right singular vectors of lora_A [r, in], i.e. directions of the layer\'s input space. The paper calls them "right-singular unitary matrices" but writes them as U and takes columns; the left singular vectors of A live in R^r, which differs between r=8 and r=64, so only the right ones make φ well defined.',
    '- Validation loss is the mean cross-entropy per reference token (the MR prompt is not scored), in nats, on the first dev MRs with up to two references each.',
    "- BLEU is printed ×100 as papers do; NIST, METEOR, ROUGE-L and CIDEr are on the official E2E script's scales (METEOR and ROUGE-L as fractions, as in the paper's Table 18).",
  ].join('\n');
}
