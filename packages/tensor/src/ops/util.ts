import { ArgumentError, fmtShape } from '../errors.js';
import type { NDArray } from '../ndarray.js';

/** Checks inputs are alive and on one backend; returns that backend. */
export function sameBackend(op: string, ...xs: NDArray[]): string {
  for (const x of xs) x.assertAlive(op);
  const backend = xs[0].backend;
  for (const x of xs) {
    if (x.backend !== backend) {
      throw new ArgumentError(
        `${op}: inputs live on different backends (${xs.map((y) => `${fmtShape(y.shape)} on ${y.backend}`).join(', ')}); move one with x.to(name)`,
      );
    }
  }
  return backend;
}
