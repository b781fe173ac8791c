import type { ExperimentResults, RunResult } from '../../results.js';
import { fixed, isNumber } from '../format.js';
import { loraRun, runLabel } from '../run-lookup.js';
import { type Noise, noiseClause, withinNoise } from './noise.js';
import type { Finding } from './types.js';

/** The runs of Table 5's placements that finished with a finite validation loss. */
export function budgetRuns(results: ExperimentResults): RunResult[] {
  return results.config.budgetSweep
    .map((p) => loraRun(results, p.targets, p.r))
    .filter((run): run is RunResult => run !== undefined && isNumber(run.valLoss));
}

/**
 * Table 5: under one budget of trainable parameters, "it is preferable to adapt more weight
 * matrices than adapting a single type of weights with a larger rank". Compares the best
 * multi-type placement with the best single-type one.
 */
export function budgetFinding(results: ExperimentResults, noise: Noise): Finding | undefined {
  const runs = budgetRuns(results);
  const single = runs.filter((run) => (run.targets ?? []).length === 1);
  const multi = runs.filter((run) => (run.targets ?? []).length > 1);
  if (single.length === 0 || multi.length === 0) return undefined;
  const best = (group: RunResult[]) => group.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
  const bestSingle = best(single);
  const bestMulti = best(multi);
  const overall = best(runs);
  const seed = results.config.seed;
  const difference = bestMulti.valLoss - bestSingle.valLoss;
  const text =
    `Under the fixed budget, the best placement is ${runLabel(overall, seed)} (validation loss ${fixed(overall.valLoss, 3)}). ` +
    `The best multi-type placement, ${runLabel(bestMulti, seed)}, has ${fixed(bestMulti.valLoss, 3)} against ${fixed(bestSingle.valLoss, 3)} for the best single type, ${runLabel(bestSingle, seed)} ` +
    `(${noiseClause(difference, noise.valLoss, 3, noise.r)}). The paper's Table 5 prefers more matrix types at a lower rank: {Wq, Wv} r=4 and all four at r=2 reach 73.7% on WikiSQL against at most 73.2% for one type at r=8.`;
  const verdict: Finding['verdict'] =
    withinNoise(difference, noise.valLoss, 3) === true
      ? 'inconclusive'
      : difference < 0
        ? 'matches'
        : 'differs';
  return { id: 'budget-more-types', verdict, text };
}
