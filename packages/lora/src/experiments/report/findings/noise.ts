import type { ExperimentResults } from '../../results.js';
import { fixed } from '../format.js';
import { seedSpread } from '../run-lookup.js';

/** The seed-to-seed spread a difference is judged against, per metric. */
export interface Noise {
  valLoss?: number;
  bleu?: number;
  /** Rank of the two seeded {Wq, Wv} runs the spread comes from. */
  r?: number;
}

export function noiseOf(results: ExperimentResults): Noise {
  const spread = seedSpread(results);
  return spread ? { valLoss: spread.valLoss, bleu: 100 * spread.bleu, r: spread.r } : {};
}

/** A difference that prints as zero at `digits` decimals; the report treats it as a tie. */
export function belowPrinted(difference: number, digits: number): boolean {
  return Math.abs(difference) < 0.5 * 10 ** -digits;
}

/**
 * Whether a difference is within noise: true for one that prints as zero or is no larger than the
 * seed spread, false for a larger one, undefined when there is no spread to compare with.
 */
export function withinNoise(
  difference: number,
  noise: number | undefined,
  digits: number,
): boolean | undefined {
  if (belowPrinted(difference, digits)) return true;
  return noise === undefined ? undefined : Math.abs(difference) <= noise;
}

/**
 * The clause that qualifies a difference: no difference at the printed precision, within or beyond
 * the seed-to-seed spread, or that one seed per configuration cannot tell.
 */
export function noiseClause(
  difference: number,
  noise: number | undefined,
  digits: number,
  r?: number,
): string {
  if (belowPrinted(difference, digits)) return `no difference at ${digits} decimals`;
  const within = withinNoise(difference, noise, digits);
  if (within === undefined) return 'only one seed per configuration, so we cannot tell whether this is noise';
  const spread = `the two seeds of {Wq, Wv} r=${r} differ by ${fixed(noise, digits)}`;
  return within
    ? `${spread}, so this is within seed noise`
    : `larger than the ${fixed(noise, digits)} by which the two seeds of {Wq, Wv} r=${r} differ, though one pair of seeds is a weak noise estimate`;
}
