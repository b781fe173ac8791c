import * as T from '@typegrad/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { type Case, conformanceCases } from './cases.js';
import { inputData } from './inputs.js';
import { firstMismatch, TOLERANCES } from './tolerances.js';

/**
 * The backend-parametrised conformance suite: every case runs on `backend` and on the cpu
 * backend's plain TypeScript kernels (the reference: fast kernels off), from the same host
 * inputs, and the results are compared after `await x.data()`, with the backend's tolerances
 * (tolerances.ts says why each is what it is).
 */
export function describeConformance(backend: string, options: { cases?: (c: Case) => boolean } = {}): void {
  const tolerances = TOLERANCES[backend];
  if (!tolerances) throw new Error(`conformance: no tolerances stated for backend '${backend}'`);
  const cases = conformanceCases().filter(options.cases ?? (() => true));
  describe(`conformance of '${backend}' against the cpu reference kernels`, () => {
    const before = T.memory().storages[backend] ?? 0;
    afterAll(() => {
      // every case disposes what it made, so the backend holds no more storages than before
      expect(T.memory().storages[backend] ?? 0).toBe(before);
    });
    cases.forEach((c, index) => {
      it(c.name, async () => {
        const seeds = c.inputs.map((_, k) => 1000 * index + k + 1);
        const reference = referenceResult(c, seeds);
        const inputs = c.inputs.map((spec, k) => T.fromTyped(inputData(spec, seeds[k]), spec.shape, backend));
        try {
          const out = T.tidy(() => c.run(...inputs));
          try {
            expect(out.backend).toBe(backend);
            expect(out.dtype).toBe(reference.dtype);
            expect(out.shape).toEqual(reference.shape);
            const got = await out.data();
            const miss = firstMismatch(got, reference.data, tolerances.classes[c.tol]);
            expect(miss, `${c.name} (${c.tol}): ${miss}`).toBeNull();
          } finally {
            out.dispose();
          }
        } finally {
          for (const x of inputs) x.dispose();
        }
      });
    });
  });
}

/** The case on the cpu backend with only its reference kernels. */
function referenceResult(
  c: Case,
  seeds: number[],
): { shape: readonly number[]; dtype: T.DType; data: T.TypedArray } {
  const fast = T.getCpuOptions().fast;
  T.setCpuOptions({ fast: false });
  try {
    return T.tidy(() => {
      const inputs = c.inputs.map((spec, k) => T.fromTyped(inputData(spec, seeds[k]), spec.shape, 'cpu'));
      const out = c.run(...inputs);
      return { shape: out.shape, dtype: out.dtype, data: out.dataSync() };
    });
  } finally {
    T.setCpuOptions({ fast });
  }
}
