import type { ExperimentResults } from '../../results.js';
import { baselineFindings } from './baselines.js';
import { budgetFinding } from './budget.js';
import { deltaWFindings } from './delta-w.js';
import { noiseOf } from './noise.js';
import { queryOnlyFinding, smallRankFindings } from './rank.js';
import { seedFinding, topDirectionFinding } from './subspace.js';
import type { Finding } from './types.js';

export { noiseOf } from './noise.js';
export type { Finding, Verdict } from './types.js';
export { VERDICT_LABEL } from './types.js';

/** Every statement of "what matches the paper and what does not", each computed from the results. */
export function deriveFindings(results: ExperimentResults): Finding[] {
  const noise = noiseOf(results);
  return [
    ...smallRankFindings(results, noise),
    queryOnlyFinding(results, noise),
    budgetFinding(results, noise),
    topDirectionFinding(results),
    seedFinding(results),
    ...deltaWFindings(results),
    ...baselineFindings(results, noise),
  ].filter((f): f is Finding => f !== undefined);
}
