import type { ExperimentConfig } from './config.js';
import type { E2EScores } from './e2e/metrics/score.js';

/** How a fine-tuning run adapts the base model. */
export type Method = 'lora' | 'full' | 'bias' | 'frozen';

/** One fine-tuning run of a sweep. */
export interface RunSpec {
  id: string;
  /** Which table it belongs to: rank (Tables 6/18), budget (Table 5) or baseline. */
  group: 'rank' | 'budget' | 'baseline' | 'analysis';
  method: Method;
  targets?: ('q' | 'k' | 'v' | 'o')[];
  r?: number;
  seed: number;
}

export interface RunResult extends RunSpec {
  trainableParams: number;
  totalParams: number;
  optimizerStateBytes: number;
  steps: number;
  seconds: number;
  tokensPerSecond: number;
  finalTrainLoss: number;
  valLoss: number;
  scores: E2EScores;
  lossCurve: { step: number; loss: number }[];
  samples: { mr: string; hypothesis: string; references: string[] }[];
}

/** φ(A1, A2, i, j) on the full grid, for one matrix of one layer. */
export interface SimilarityResult {
  /** Which figure it reproduces: 'ranks' (r=8 vs r=64, Figure 3) or 'seeds' (two r=64 seeds, Figure 4). */
  kind: 'ranks' | 'seeds';
  layer: number;
  matrix: 'q' | 'v';
  runA: string;
  runB: string;
  rows: number;
  cols: number;
  /** Row-major rows×cols grid: grid[(i-1)*cols + (j-1)] = φ(i, j). */
  grid: number[];
}

/** Table 7: how ΔW relates to W. Norms use ΔW = (α/r)·B·A. */
export interface DeltaWRow {
  layer: number;
  matrix: 'q' | 'v';
  r: number;
  run: string;
  deltaNorm: number;
  weightNorm: number;
  /** ‖UᵀWVᵀ‖_F with U, V the top-r singular directions of ΔW, of W, and of a random matrix. */
  projectionDelta: number;
  projectionWeight: number;
  projectionRandom: number;
  /** ‖ΔW‖_F / ‖UᵀWVᵀ‖_F with ΔW's own directions. */
  amplification: number;
}

export interface ExperimentResults {
  config: ExperimentConfig;
  data: {
    source: 'synthetic' | 'path';
    path?: string;
    trainPairs: number;
    droppedLong: number;
    devMRs: number;
    testMRs: number;
  };
  base: {
    source: 'pretrained' | 'run';
    path?: string;
    valLoss: number;
    seconds: number;
    params: number;
    corpus: string;
    tokenizer: string;
  };
  runs: RunResult[];
  similarity: SimilarityResult[];
  deltaW: DeltaWRow[];
  seconds: number;
  startedAt: string;
  machine: string;
}
