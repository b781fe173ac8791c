import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ArrayData, arrayArb, shapeArb, toNDArray } from './helpers/arbitraries.js';
import { checkProperty, expectClose, expectGradcheck } from './helpers/gradcheck.js';
import { finiteDifferenceHvp, hessianVectorProduct } from './helpers/second-order.js';

const RUNS = 15;
const HVP_TOLERANCE = { atol: 1e-6, rtol: 1e-4 };

type ScalarFn = (...xs: A.Tensor[]) => A.Tensor;

/** Inputs of the given shapes plus a direction for each. */
const inputsWithDirections = (shapes: number[][]) =>
  fc.tuple(fc.tuple(...shapes.map((s) => arrayArb(s))), fc.tuple(...shapes.map((s) => arrayArb(s))));

/**
 * The three second-order checks of one scalar function:
 * 1. gradcheck of each gradient component (its analytic Jacobian, i.e. the Hessian, against
 *    finite differences of the analytic gradient), through `grad` nested inside `gradcheck`;
 * 2. a Hessian-vector product by double backward against finite differences of the gradient;
 * 3. optionally, the same product against a closed form.
 */
function checkSecondOrder(
  f: ScalarFn,
  inputs: readonly ArrayData[],
  directions: readonly ArrayData[],
  closedForm?: (xs: T.NDArray[], vs: T.NDArray[]) => ArrayLike<number>[],
): void {
  const xs = inputs.map(toNDArray);
  const vs = directions.map(toNDArray);
  xs.forEach((_, k) => {
    expectGradcheck((...ts) => A.grad(f)(...ts)[k], xs);
  });
  const hvp = hessianVectorProduct(f, xs, vs);
  const fd = finiteDifferenceHvp(f, xs, vs);
  hvp.forEach((h, i) => {
    expectClose(h, fd[i], HVP_TOLERANCE);
  });
  closedForm?.(xs, vs).forEach((c, i) => {
    expectClose(hvp[i], c, { atol: 1e-10, rtol: 1e-9 });
  });
}

const data = (x: T.NDArray) => x.dataSync() as Float64Array;

describe('second-order gradients (grad of grad, Hessian-vector products)', () => {
  it('tanh: H·v = −2·tanh(x)·(1 − tanh²(x))·v', () =>
    checkProperty(
      shapeArb().chain((s) => inputsWithDirections([s])),
      ([[x], [v]]) =>
        checkSecondOrder(
          (t) => A.sum(A.tanh(t)),
          [x],
          [v],
          ([xv], [vv]) => {
            const y = data(T.tanh(xv));
            return [y.map((yk, k) => -2 * yk * (1 - yk * yk) * data(vv)[k])];
          },
        ),
      RUNS,
    ));

  it('exp: H·v = exp(x)·v', () =>
    checkProperty(
      shapeArb().chain((s) => inputsWithDirections([s])),
      ([[x], [v]]) =>
        checkSecondOrder(
          (t) => A.sum(A.exp(t)),
          [x],
          [v],
          ([xv], [vv]) => [data(T.mul(T.exp(xv), vv))],
        ),
      RUNS,
    ));

  it('mul: f = Σ a·a·b has H·(va, vb) = (2b·va + 2a·vb, 2a·va)', () =>
    checkProperty(
      shapeArb().chain((s) => inputsWithDirections([s, s])),
      ([[a, b], [va, vb]]) =>
        checkSecondOrder(
          (x, y) => A.sum(A.mul(A.mul(x, x), y)),
          [a, b],
          [va, vb],
          ([av, bv], [vav, vbv]) => [
            data(T.add(T.mul(T.mul(bv, vav), 2), T.mul(T.mul(av, vbv), 2))),
            data(T.mul(T.mul(av, vav), 2)),
          ],
        ),
      RUNS,
    ));

  it('matmul: f = Σ W⊙(A·B) has H·(VA, VB) = (W·VBᵀ, VAᵀ·W); and Σ (A·B)² against finite differences', () =>
    checkProperty(
      fc
        .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))
        .chain(([m, k, n]) =>
          fc.tuple(
            inputsWithDirections([
              [m, k],
              [k, n],
            ]),
            arrayArb([m, n]),
          ),
        ),
      ([[[a, b], [va, vb]], w]) => {
        const weight = toNDArray(w);
        checkSecondOrder(
          (x, y) => A.sum(A.mul(A.matmul(x, y), A.tensor(weight))),
          [a, b],
          [va, vb],
          (_xs, [vav, vbv]) => [data(T.matmul(weight, vbv.T)), data(T.matmul(vav.T, weight))],
        );
        checkSecondOrder((x, y) => A.sum(A.square(A.matmul(x, y))), [a, b], [va, vb]);
      },
      RUNS,
    ));

  it('softmax: Σ c⊙softmax(x) along a random axis, against finite differences', () =>
    checkProperty(
      shapeArb({ minRank: 1 }).chain((s) =>
        fc.tuple(inputsWithDirections([s]), arrayArb(s), fc.integer({ min: 0, max: s.length - 1 })),
      ),
      ([[[x], [v]], c, axis]) => {
        const weight = toNDArray(c);
        checkSecondOrder((t) => A.sum(A.mul(A.softmax(t, axis), A.tensor(weight))), [x], [v]);
      },
      RUNS,
    ));

  it('layerNorm with weight and bias: Σ c⊙layerNorm(x, w, b), against finite differences', () =>
    checkProperty(
      shapeArb({ minRank: 1, maxSize: 12 }).chain((s) => {
        const d = s[s.length - 1];
        return fc.tuple(
          fc.tuple(arrayArb(s, 'distinct'), arrayArb([d]), arrayArb([d])),
          inputsWithDirections([s, [d], [d]]).map(([, vs]) => vs),
          arrayArb(s),
        );
      }),
      ([inputs, directions, c]) => {
        const weight = toNDArray(c);
        checkSecondOrder(
          (x, w, b) => A.sum(A.mul(A.layerNorm(x, w, b), A.tensor(weight))),
          inputs,
          directions,
        );
      },
      RUNS,
    ));

  it('grad(grad(f)) of x³ is 6x, and a third derivative is 6', () => {
    const cube = (x: A.Tensor) => A.sum(A.pow(x, 3));
    const x = A.tensor([-1.5, 0.5, 2], { dtype: 'float64' });
    const second = A.grad((t) => A.sum(A.grad(cube)(t)[0]))(x)[0];
    expect(Array.from(second.dataSync())).toEqual([-9, 3, 12]);
    const third = A.grad((t) => A.sum(A.grad((u) => A.sum(A.grad(cube)(u)[0]))(t)[0]))(x)[0];
    expect(Array.from(third.dataSync())).toEqual([6, 6, 6]);
  });

  it('backward with createGraph records the gradient so it can be differentiated', () => {
    const x = A.tensor([0.3, -0.7], { dtype: 'float64', requiresGrad: true });
    const [g] = A.gradients(A.sum(A.exp(x)), [x], { createGraph: true });
    expect(g.requiresGrad).toBe(true);
    A.sum(g).backward();
    expectClose(x.grad!.dataSync(), [Math.exp(0.3), Math.exp(-0.7)], { atol: 1e-12 });
  });

  it('grad works inside noGrad (gradcheck evaluates grad(f) there)', () => {
    const x = A.tensor([1, 2], { dtype: 'float64' });
    const [g] = A.noGrad(() => A.grad((t) => A.sum(A.square(t)))(x));
    expect(Array.from(g.dataSync())).toEqual([2, 4]);
    expect(g.requiresGrad).toBe(false);
  });
});
