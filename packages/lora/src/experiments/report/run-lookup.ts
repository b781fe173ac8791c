import type { Placement } from '../config.js';
import type { ExperimentResults, RunResult } from '../results.js';
import { runId } from '../sweeps.js';
import { isNumber } from './format.js';

type Targets = Placement['targets'];

/** The paper's notation for a target set: {Wq, Wv}. */
export function targetLabel(targets: Targets): string {
  return `{${targets.map((t) => `W${t}`).join(', ')}}`;
}

/** The key of a target set in the paper tables and figure names: 'qv'. */
export function targetKey(targets: Targets): string {
  return targets.join('');
}

/** The run of these targets and rank with the main seed, if it was run. */
export function loraRun(
  results: ExperimentResults,
  targets: Targets,
  r: number,
  seedOffset = 0,
): RunResult | undefined {
  const id = runId(targets, r, seedOffset);
  return results.runs.find((run) => run.id === id);
}

/** The baseline run of a method (full, bias, frozen), if it was run. */
export function baselineRun(
  results: ExperimentResults,
  method: 'full' | 'bias' | 'frozen',
): RunResult | undefined {
  return results.runs.find((run) => run.method === method);
}

/** The run with the lowest finite value of `key` among `runs` (lower is better), if any. */
export function lowest(runs: readonly RunResult[], value: (run: RunResult) => number): RunResult | undefined {
  let best: RunResult | undefined;
  for (const run of runs) if (isNumber(value(run)) && (!best || value(run) < value(best))) best = run;
  return best;
}

/** The run with the highest finite value among `runs` (higher is better), if any. */
export function highest(
  runs: readonly RunResult[],
  value: (run: RunResult) => number,
): RunResult | undefined {
  return lowest(runs, (run) => -value(run));
}

/** A readable name for a run: `{Wq, Wv} r=8`, `{Wq, Wv} r=64 (seed 1)`, `full fine-tuning`. */
export function runLabel(run: RunResult, mainSeed: number): string {
  if (run.method === 'lora') {
    const seed = run.seed !== mainSeed ? ` (seed ${run.seed})` : '';
    return `${targetLabel(run.targets ?? [])} r=${run.r}${seed}`;
  }
  return { full: 'full fine-tuning', bias: 'bias-only (BitFit)', frozen: 'frozen base' }[run.method];
}

/**
 * The only noise estimate a single-seed sweep has: how far the two seeds of {Wq, Wv} at the high
 * analysis rank are apart, in validation loss and BLEU. Undefined when the second seed was not run.
 */
export function seedSpread(
  results: ExperimentResults,
): { valLoss: number; bleu: number; r: number } | undefined {
  const { highRank, secondSeed } = results.config.analysis;
  const a = loraRun(results, ['q', 'v'], highRank);
  const b = loraRun(results, ['q', 'v'], highRank, secondSeed);
  if (!a || !b || !isNumber(a.valLoss) || !isNumber(b.valLoss)) return undefined;
  return {
    valLoss: Math.abs(a.valLoss - b.valLoss),
    bleu: Math.abs(a.scores.bleu - b.scores.bleu),
    r: highRank,
  };
}
