/**
 * Numbers as printed in Hu et al. (2021), "LoRA: Low-Rank Adaptation of Large Language Models",
 * arXiv:2106.09685v2 (the ICLR 2022 version). They are quoted, never computed, and every table is
 * named so a reader can check it against the paper. Accuracies are in %; Table 18's BLEU is ×100
 * and METEOR / ROUGE-L are fractions, as the paper prints them.
 */

/** The paper's names for the target sets we sweep, keyed by our target letters joined ('qv'). */
export type TargetKey = string;

export const PAPER = 'Hu et al. (2021), arXiv:2106.09685v2';

/**
 * Table 6: GPT-3 175B, validation accuracy (%) on WikiSQL (±0.5%) and MultiNLI (±0.1%) for
 * r ∈ {1, 2, 4, 8, 64}. Rows: {Wq}, {Wq, Wv}, {Wq, Wk, Wv, Wo}.
 */
export const TABLE6: {
  ranks: number[];
  wikisql: Record<TargetKey, number[]>;
  multinli: Record<TargetKey, number[]>;
} = {
  ranks: [1, 2, 4, 8, 64],
  wikisql: {
    q: [68.8, 69.6, 70.5, 70.4, 70.0],
    qv: [73.4, 73.3, 73.7, 73.8, 73.5],
    qkvo: [74.1, 73.7, 74.0, 74.0, 73.9],
  },
  multinli: {
    q: [90.7, 90.9, 91.1, 90.7, 90.7],
    qv: [91.3, 91.4, 91.3, 91.6, 91.4],
    qkvo: [91.2, 91.7, 91.7, 91.5, 91.4],
  },
};

/** One row of Table 18. */
export interface Table18Row {
  r: number;
  valLoss: number;
  bleu: number;
  nist: number;
  meteor: number;
  rougeL: number;
  cider: number;
}

/**
 * Table 18: GPT-2 Medium on the E2E NLG Challenge, LoRA with different r: validation loss and
 * test-set metrics (the paper adapts Wq and Wv in most experiments, Section 4.2). The caption:
 * performance peaks at r = 16 for validation loss and r = 4 for BLEU.
 */
export const TABLE18: Table18Row[] = [
  { r: 1, valLoss: 1.23, bleu: 68.72, nist: 8.7215, meteor: 0.4565, rougeL: 0.7052, cider: 2.4329 },
  { r: 2, valLoss: 1.21, bleu: 69.17, nist: 8.7413, meteor: 0.459, rougeL: 0.7052, cider: 2.4639 },
  { r: 4, valLoss: 1.18, bleu: 70.38, nist: 8.8439, meteor: 0.4689, rougeL: 0.7186, cider: 2.5349 },
  { r: 8, valLoss: 1.17, bleu: 69.57, nist: 8.7457, meteor: 0.4636, rougeL: 0.7196, cider: 2.5196 },
  { r: 16, valLoss: 1.16, bleu: 69.61, nist: 8.7483, meteor: 0.4629, rougeL: 0.7177, cider: 2.4985 },
  { r: 32, valLoss: 1.16, bleu: 69.33, nist: 8.7736, meteor: 0.4642, rougeL: 0.7105, cider: 2.5255 },
  { r: 64, valLoss: 1.16, bleu: 69.24, nist: 8.7174, meteor: 0.4651, rougeL: 0.718, cider: 2.507 },
  { r: 128, valLoss: 1.16, bleu: 68.73, nist: 8.6718, meteor: 0.4628, rougeL: 0.7127, cider: 2.503 },
  { r: 256, valLoss: 1.16, bleu: 68.92, nist: 8.6982, meteor: 0.4629, rougeL: 0.7128, cider: 2.5012 },
  { r: 512, valLoss: 1.16, bleu: 68.78, nist: 8.6857, meteor: 0.4637, rougeL: 0.7128, cider: 2.5025 },
  { r: 1024, valLoss: 1.17, bleu: 69.37, nist: 8.7495, meteor: 0.4659, rougeL: 0.7149, cider: 2.509 },
];

/**
 * Table 5: GPT-3 175B under one budget of 18M trainable parameters, validation accuracy (%).
 * Keyed by `<targets>-r<r>`.
 */
export const TABLE5: Record<string, { wikisql: number; multinli: number }> = {
  'q-r8': { wikisql: 70.4, multinli: 91.0 },
  'k-r8': { wikisql: 70.0, multinli: 90.8 },
  'v-r8': { wikisql: 73.0, multinli: 91.0 },
  'o-r8': { wikisql: 73.2, multinli: 91.3 },
  'qk-r4': { wikisql: 71.4, multinli: 91.3 },
  'qv-r4': { wikisql: 73.7, multinli: 91.3 },
  'qkvo-r2': { wikisql: 73.7, multinli: 91.7 },
};

/**
 * Table 7: GPT-3 layer 48, Wq. ‖UᵀWqVᵀ‖_F with U, V the top-r singular directions of ΔWq, of Wq,
 * or of a random matrix; ‖Wq‖_F = 61.95. The text gives the amplification 6.91 / 0.32 ≈ 21.5 for
 * r = 4 and "only around 2" for r = 64.
 */
export const TABLE7 = {
  weightNorm: 61.95,
  rows: [
    { r: 4, projectionDelta: 0.32, projectionWeight: 21.67, projectionRandom: 0.02, deltaNorm: 6.91 },
    { r: 64, projectionDelta: 1.9, projectionWeight: 37.71, projectionRandom: 0.33, deltaNorm: 3.57 },
  ],
};

/** Table 3: GPT-2 Medium on E2E (test set), full fine-tuning vs LoRA (0.35M trainable). */
export const TABLE3_GPT2M = {
  full: { params: '354.92M', bleu: 68.2, nist: 8.62, meteor: 46.2, rougeL: 71.0, cider: 2.47 },
  lora: { params: '0.35M', bleu: 70.4, nist: 8.85, meteor: 46.8, rougeL: 71.8, cider: 2.53 },
};

/** Table 4: GPT-3 175B, validation accuracy (%) of full fine-tuning, BitFit and LoRA (4.7M). */
export const TABLE4_GPT3 = {
  full: { params: '175,255.8M', wikisql: 73.8, multinli: 89.5 },
  bias: { params: '14.2M', wikisql: 71.3, multinli: 91.0 },
  lora: { params: '4.7M', wikisql: 73.4, multinli: 91.7 },
};

/** Figure 3's observation: the top directions of A_{r=8} and A_{r=64} share a subspace with φ > 0.5. */
export const FIGURE3_OVERLAP_THRESHOLD = 0.5;
