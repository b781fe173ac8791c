import * as T from '@typegrad/tensor';

/** One LoRA placement in a sweep: which matrices (q, k, v, o) and the rank. */
export interface Placement {
  targets: ('q' | 'k' | 'v' | 'o')[];
  r: number;
}

/** Everything a reproduction run needs; a preset fills it, a config file and flags override it. */
export interface ExperimentConfig {
  preset: 'small' | 'medium' | 'paper';
  seed: number;
  /** E2E folder (trainset.csv, devset.csv, testset_w_refs.csv); unset = built-in synthetic data. */
  dataDir?: string;
  /** Existing pretraining run folder (typegrad train) to use as the base instead of pretraining. */
  baseRun?: string;
  /** Pretraining corpus file or folder; unset = built-in Moby Dick. */
  corpus?: string;
  backend: string;
  pretrain: {
    steps: number;
    batchSize: number;
    lr: number;
    nLayer: number;
    nHead: number;
    nEmbd: number;
    blockSize: number;
    maxMinutes?: number;
  };
  finetune: {
    steps: number;
    batchSize: number;
    lr: number;
    fullLr: number;
    weightDecay: number;
    alphaOverR: number;
    dropout: number;
    maxLength: number;
  };
  /** Synthetic data sizes (MRs per split) when no dataDir is given. */
  synthetic: { trainMRs: number; devMRs: number; testMRs: number };
  eval: {
    devMRs: number;
    testMRs: number;
    numBeams: number;
    lengthPenalty: number;
    noRepeatNgramSize: number;
    maxNewTokens: number;
  };
  /** Table 6 / 18: ranks × target sets. */
  rankSweep: { ranks: number[]; targetSets: Placement['targets'][] };
  /** Table 5: placements under one budget of trainable parameters. */
  budgetSweep: Placement[];
  baselines: ('full' | 'bias' | 'frozen')[];
  /** Figure 3/4 and Table 7: layers whose ΔWq and ΔWv are analysed. */
  analysis: { layers: number[]; lowRank: number; highRank: number; secondSeed: number };
}

const TABLE5: Placement[] = [
  { targets: ['q'], r: 8 },
  { targets: ['k'], r: 8 },
  { targets: ['v'], r: 8 },
  { targets: ['o'], r: 8 },
  { targets: ['q', 'k'], r: 4 },
  { targets: ['q', 'v'], r: 4 },
  { targets: ['q', 'k', 'v', 'o'], r: 2 },
];

const common = {
  seed: 0,
  backend: 'cpu',
  rankSweep: {
    ranks: [1, 2, 4, 8, 64],
    targetSets: [['q'], ['q', 'v'], ['q', 'k', 'v', 'o']] as Placement['targets'][],
  },
  budgetSweep: TABLE5,
  baselines: ['full', 'bias', 'frozen'] as ('full' | 'bias' | 'frozen')[],
};

/**
 * Presets: `small` is the ~10-minute default on 2 CPU cores; `medium` (about an hour on 2 cores) is
 * the run on the real E2E data; `paper` the closest to the paper's settings we can go (days on a CPU).
 */
export const PRESETS: Record<ExperimentConfig['preset'], ExperimentConfig> = {
  small: {
    ...common,
    preset: 'small',
    pretrain: {
      steps: 800,
      batchSize: 4,
      lr: 3e-3,
      nLayer: 2,
      nHead: 4,
      nEmbd: 64,
      blockSize: 320,
      maxMinutes: 2.5,
    },
    finetune: {
      steps: 40,
      batchSize: 8,
      lr: 1e-2,
      fullLr: 3e-3,
      weightDecay: 0,
      alphaOverR: 2,
      dropout: 0,
      maxLength: 320,
    },
    synthetic: { trainMRs: 300, devMRs: 40, testMRs: 40 },
    eval: {
      devMRs: 16,
      testMRs: 8,
      numBeams: 2,
      lengthPenalty: 0.9,
      noRepeatNgramSize: 4,
      maxNewTokens: 100,
    },
    analysis: { layers: [0, 1], lowRank: 8, highRank: 64, secondSeed: 1 },
  },
  medium: {
    ...common,
    preset: 'medium',
    pretrain: {
      steps: 3000,
      batchSize: 8,
      lr: 3e-3,
      nLayer: 3,
      nHead: 4,
      nEmbd: 96,
      blockSize: 384,
      maxMinutes: 20,
    },
    finetune: {
      steps: 80,
      batchSize: 16,
      lr: 1e-2,
      fullLr: 3e-3,
      weightDecay: 0.01,
      alphaOverR: 2,
      dropout: 0,
      maxLength: 384,
    },
    synthetic: { trainMRs: 2000, devMRs: 200, testMRs: 200 },
    eval: {
      devMRs: 64,
      testMRs: 32,
      numBeams: 4,
      lengthPenalty: 0.9,
      noRepeatNgramSize: 4,
      maxNewTokens: 120,
    },
    analysis: { layers: [0, 2], lowRank: 8, highRank: 64, secondSeed: 1 },
  },
  paper: {
    ...common,
    preset: 'paper',
    pretrain: { steps: 20000, batchSize: 32, lr: 1e-3, nLayer: 6, nHead: 8, nEmbd: 256, blockSize: 512 },
    finetune: {
      steps: 2000,
      batchSize: 16,
      lr: 2e-4,
      fullLr: 1e-4,
      weightDecay: 0.01,
      alphaOverR: 2,
      dropout: 0.1,
      maxLength: 512,
    },
    synthetic: { trainMRs: 4862, devMRs: 547, testMRs: 630 },
    eval: {
      devMRs: 547,
      testMRs: 630,
      numBeams: 10,
      lengthPenalty: 0.9,
      noRepeatNgramSize: 4,
      maxNewTokens: 160,
    },
    analysis: { layers: [0, 2, 5], lowRank: 8, highRank: 64, secondSeed: 1 },
  },
};

/** Deep-merges overrides (a config file, then flags) into a preset and checks the result. */
export function resolveExperimentConfig(
  preset: string,
  ...overrides: Partial<ExperimentConfig>[]
): ExperimentConfig {
  const base = PRESETS[preset as ExperimentConfig['preset']];
  if (!base) throw new T.ArgumentError(`reproduce: unknown preset '${preset}' (small, medium or paper)`);
  let out = structuredClone(base) as ExperimentConfig;
  for (const o of overrides) out = deepMerge(out, o);
  if (out.pretrain.nEmbd % out.pretrain.nHead !== 0) {
    throw new T.ArgumentError(
      `reproduce: pretrain.nEmbd (${out.pretrain.nEmbd}) must be divisible by pretrain.nHead (${out.pretrain.nHead})`,
    );
  }
  for (const r of [...out.rankSweep.ranks, ...out.budgetSweep.map((p) => p.r)]) {
    if (!Number.isInteger(r) || r <= 0)
      throw new T.ArgumentError(`reproduce: ranks must be positive integers, got ${r}`);
  }
  return out;
}

function deepMerge<T>(target: T, source: Partial<T>): T {
  const out = { ...target } as Record<string, unknown>;
  for (const [k, v] of Object.entries(source as Record<string, unknown>)) {
    if (v === undefined) continue;
    const t = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && t && typeof t === 'object' ? deepMerge(t, v) : v;
  }
  return out as T;
}
