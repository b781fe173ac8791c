import type { ExperimentConfig, Placement } from './config.js';
import type { RunSpec } from './results.js';

const key = (targets: Placement['targets'], r: number, seed: number) =>
  `lora-${targets.join('')}-r${r}${seed ? `-s${seed}` : ''}`;

/**
 * Every fine-tuning run the tables need, each once: Table 6/18's rank × target grid, Table 5's
 * placements (most coincide with the grid), the baselines, and the second-seed run of Figure 4.
 */
export function planRuns(c: ExperimentConfig): RunSpec[] {
  const runs = new Map<string, RunSpec>();
  const lora = (group: RunSpec['group'], targets: Placement['targets'], r: number, seed = c.seed) => {
    const id = key(targets, r, seed - c.seed);
    if (!runs.has(id)) runs.set(id, { id, group, method: 'lora', targets: [...targets], r, seed });
  };
  for (const targets of c.rankSweep.targetSets) for (const r of c.rankSweep.ranks) lora('rank', targets, r);
  for (const p of c.budgetSweep) lora('budget', p.targets, p.r);
  for (const method of c.baselines) runs.set(method, { id: method, group: 'baseline', method, seed: c.seed });
  lora('rank', ['q', 'v'], c.analysis.lowRank);
  lora('rank', ['q', 'v'], c.analysis.highRank);
  lora('analysis', ['q', 'v'], c.analysis.highRank, c.seed + c.analysis.secondSeed);
  return [...runs.values()];
}

/** Id of the LoRA run with these targets and rank (as planRuns names it). */
export function runId(targets: Placement['targets'], r: number, seedOffset = 0): string {
  return key(targets, r, seedOffset);
}
