import * as T from '@typegrad/tensor';
import type { Case } from './cases.js';
import { inputData } from './inputs.js';
import { firstMismatch, TOLERANCES } from './tolerances.js';

/*
 * One conformance case, run on a backend and on the cpu reference, without a test framework:
 * the vitest suite (suite.ts) and the browser conformance page (examples/web) both run cases
 * through checkCase.
 */

/**
 * Runs case `c` (the `index`-th, which seeds its inputs) on `backend` and on the cpu backend's
 * reference kernels from the same host inputs; compares after `await x.data()` with the
 * backend's tolerance for the case's class. Returns null when they agree, else what differs.
 * Frees everything it made.
 */
export async function checkCase(c: Case, index: number, backend: string): Promise<string | null> {
  const tolerances = TOLERANCES[backend];
  if (!tolerances) throw new Error(`conformance: no tolerances stated for backend '${backend}'`);
  const seeds = c.inputs.map((_, k) => 1000 * index + k + 1);
  const reference = referenceResult(c, seeds);
  const inputs = c.inputs.map((spec, k) => T.fromTyped(inputData(spec, seeds[k]), spec.shape, backend));
  try {
    const out = T.tidy(() => c.run(...inputs));
    try {
      if (out.backend !== backend) return `ran on '${out.backend}', not '${backend}'`;
      if (out.dtype !== reference.dtype) return `dtype ${out.dtype}, expected ${reference.dtype}`;
      if (out.shape.join() !== reference.shape.join()) {
        return `shape [${out.shape.join(', ')}], expected [${reference.shape.join(', ')}]`;
      }
      const miss = firstMismatch(
        await out.data(),
        reference.data,
        tolerances.classes[c.tol],
        tolerances.ieeeSpecials,
      );
      return miss === null ? null : `${c.name} (${c.tol}): ${miss}`;
    } finally {
      out.dispose();
    }
  } finally {
    for (const x of inputs) x.dispose();
  }
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
