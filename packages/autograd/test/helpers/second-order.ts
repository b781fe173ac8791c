import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';

type ScalarFn = (...xs: A.Tensor[]) => A.Tensor;

/**
 * Hessian-vector products H·v of scalar `f` at `xs`, by differentiating the directional
 * derivative ⟨∇f(x), v⟩ (double backward). One result per input.
 */
export function hessianVectorProduct(
  f: ScalarFn,
  xs: readonly T.NDArray[],
  vs: readonly T.NDArray[],
): Float64Array[] {
  const directional = (...ts: A.Tensor[]) =>
    A.grad(f)(...ts).reduce(
      (acc: A.Tensor, g, i) => A.add(acc, A.sum(A.mul(g, A.tensor(vs[i])))),
      A.tensor(T.scalar(0, { dtype: 'float64' })),
    );
  return A.grad(directional)(...xs.map((x) => A.tensor(x))).map((g) => g.dataSync() as Float64Array);
}

/** The same product from central differences of the analytic gradient: (∇f(x+εv) − ∇f(x−εv)) / 2ε. */
export function finiteDifferenceHvp(
  f: ScalarFn,
  xs: readonly T.NDArray[],
  vs: readonly T.NDArray[],
  eps = 1e-5,
): Float64Array[] {
  const gradAt = (sign: 1 | -1) =>
    T.tidy(() => {
      const moved = xs.map((x, i) => A.tensor(T.add(x, T.mul(vs[i], sign * eps))));
      return A.grad(f)(...moved).map((g) => g.dataSync() as Float64Array);
    });
  const plus = gradAt(1);
  const minus = gradAt(-1);
  return plus.map((p, i) => p.map((pk, k) => (pk - minus[i][k]) / (2 * eps)));
}
