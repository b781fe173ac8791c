import type { Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';

/** Scales all gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping. */
export function clipGradNorm(params: Tensor[], maxNorm: number): number {
  const withGrad = params.filter((p) => p.grad);
  const total = Math.sqrt(
    withGrad.reduce((s, p) => s + T.tidy(() => T.sum(T.square(p.grad!.value)).item()), 0),
  );
  if (total > maxNorm && total > 0) {
    const scale = maxNorm / (total + 1e-6);
    for (const p of withGrad) {
      const old = p.grad!.value;
      p.grad!.value = T.keep(T.mul(old, scale));
      old.dispose();
    }
  }
  return total;
}
