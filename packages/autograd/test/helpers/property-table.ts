import type { DifferentiableOp } from '@typegrad/autograd';
import { describe, it } from 'vitest';

/**
 * The gradient properties of each op, keyed by op name, each case named by what it checks.
 * Tables live outside the test files so that the coverage test can read every table
 * without running any of them.
 */
export type PropertyTable = Partial<Record<DifferentiableOp, Record<string, () => void>>>;

/** One `describe` per op and one `it` per case. */
export function describeProperties(table: PropertyTable): void {
  for (const [op, cases] of Object.entries(table)) {
    describe(`${op}: analytic gradient matches gradcheck`, () => {
      for (const [name, run] of Object.entries(cases ?? {})) it(name, run);
    });
  }
}
