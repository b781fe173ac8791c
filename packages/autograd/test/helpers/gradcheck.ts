import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import fc from 'fast-check';

/** Seed of every property in this suite: CI and local runs see the same cases. */
export const PROPERTY_SEED = 0x5eed;
/** Runs per property unless a property asks for fewer (finite differences are not free). */
export const DEFAULT_RUNS = 60;
/** Wall-clock budget of one property, shrinking included. */
export const PROPERTY_TIME_LIMIT_MS = 15_000;

/** Asserts that `gradcheck` passes; the failure message shows the worst element and the shapes. */
export function expectGradcheck(
  f: (...xs: A.Tensor[]) => A.Tensor,
  inputs: readonly T.NDArray[],
  options: A.GradcheckOptions = {},
): void {
  const result = A.gradcheck(f, inputs, options);
  if (!result.ok) {
    const shapes = inputs.map((x) => `[${x.shape.join(', ')}]`).join(', ');
    throw new Error(
      `gradcheck failed for inputs ${shapes}: worst ${JSON.stringify(result.worst)}, max |error| ${result.maxAbsError}`,
    );
  }
}

/**
 * Checks `predicate` on `numRuns` cases of `arb` with the suite's pinned seed. Each case runs
 * inside `tidy`, so arrays made by the property are freed before the next one.
 */
export function checkProperty<V>(
  arb: fc.Arbitrary<V>,
  predicate: (value: V) => void,
  numRuns = DEFAULT_RUNS,
): void {
  fc.assert(
    fc.property(arb, (value) => {
      T.tidy(() => predicate(value));
    }),
    {
      seed: PROPERTY_SEED,
      numRuns,
      // Shrinking a failure through chained arbitraries can take very long; stop after the
      // limit and report the smallest case found so far (an interrupted run counts as failed).
      plugins: [fc.interruptAfterTimeLimit(PROPERTY_TIME_LIMIT_MS, { failOnInterrupt: true })],
    },
  );
}

/** Elementwise |a − b| <= atol + rtol·|b|, with a message naming the first bad element. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-6, rtol = 1e-5 } = {},
): void {
  if (actual.length !== expected.length)
    throw new Error(`expected ${expected.length} values, got ${actual.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e)))
      throw new Error(`element ${i}: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
  }
}
