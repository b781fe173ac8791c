import * as T from '@typegrad/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { type Case, conformanceCases } from './cases.js';
import { checkCase } from './run-case.js';
import { TOLERANCES } from './tolerances.js';

/**
 * The backend-parametrised conformance suite: every case runs on `backend` and on the cpu
 * backend's plain TypeScript kernels (the reference: fast kernels off), from the same host
 * inputs, and the results are compared after `await x.data()`, with the backend's tolerances
 * (tolerances.ts says why each is what it is). run-case.ts runs one case.
 */
export function describeConformance(backend: string, options: { cases?: (c: Case) => boolean } = {}): void {
  if (!TOLERANCES[backend]) throw new Error(`conformance: no tolerances stated for backend '${backend}'`);
  const cases = conformanceCases().filter(options.cases ?? (() => true));
  describe(`conformance of '${backend}' against the cpu reference kernels`, () => {
    const before = T.memory().storages[backend] ?? 0;
    afterAll(() => {
      // every case disposes what it made, so the backend holds no more storages than before
      expect(T.memory().storages[backend] ?? 0).toBe(before);
    });
    cases.forEach((c, index) => {
      it(c.name, async () => {
        expect(await checkCase(c, index, backend)).toBeNull();
      });
    });
  });
}
