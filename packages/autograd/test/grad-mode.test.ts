import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arrayArb, shapeArb, toNDArray } from './helpers/arbitraries.js';
import { checkProperty, expectClose } from './helpers/gradcheck.js';

const f64 = (values: number[], shape?: number[]) => A.tensor(values, { dtype: 'float64', shape });
const leaf = (values: number[], shape?: number[]) =>
  A.tensor(values, { dtype: 'float64', shape, requiresGrad: true });

describe('noGrad and detach', () => {
  it('results computed inside noGrad do not require grad and record no node', () => {
    const x = leaf([1, 2, 3]);
    const y = A.noGrad(() => A.sum(A.matmul(A.exp(x), A.tanh(x))));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(A.isGradEnabled()).toBe(true);
  });

  it('noGrad restores the grad mode after an exception and nests', () => {
    expect(() =>
      A.noGrad(() => {
        expect(A.isGradEnabled()).toBe(false);
        A.withGradMode(true, () => expect(A.isGradEnabled()).toBe(true));
        expect(A.isGradEnabled()).toBe(false);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(A.isGradEnabled()).toBe(true);
  });

  it('detach cuts the graph: only the attached path contributes', () => {
    const x = leaf([1, -2, 3]);
    const y = A.mul(x.detach(), x); // d/dx = x (the detached factor is a constant)
    A.sum(y).backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([1, -2, 3]);
    const d = A.mul(x, 2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
  });
});

describe('grad and valueAndGrad over several arguments', () => {
  it('match closed forms for f(a, b, c) = Σ a·b + sin(c)·a', () =>
    checkProperty(
      shapeArb().chain((s) => fc.tuple(arrayArb(s), arrayArb(s), arrayArb(s))),
      ([a, b, c]) => {
        const [av, bv, cv] = [a, b, c].map(toNDArray);
        const f = (x: A.Tensor, y: A.Tensor, z: A.Tensor) => A.sum(A.add(A.mul(x, y), A.mul(A.sin(z), x)));
        const { value, grads } = A.valueAndGrad(f)(A.tensor(av), A.tensor(bv), A.tensor(cv));
        const sinC = T.sin(cv);
        expectClose([value.item()], [T.sum(T.add(T.mul(av, bv), T.mul(sinC, av))).item()], { atol: 1e-12 });
        expectClose(grads[0].dataSync(), T.add(bv, sinC).dataSync(), { atol: 1e-12 });
        expectClose(grads[1].dataSync(), av.dataSync(), { atol: 1e-12 });
        expectClose(grads[2].dataSync(), T.mul(T.cos(cv), av).dataSync(), { atol: 1e-12 });
        const viaGrad = A.grad(f)(A.tensor(av), A.tensor(bv), A.tensor(cv));
        viaGrad.forEach((g, i) => {
          expectClose(g.dataSync(), grads[i].dataSync(), { atol: 0 });
        });
      },
    ));

  it('an argument the function ignores gets a zero gradient of its shape', () => {
    const [ga, gb] = A.grad((a: A.Tensor, _b: A.Tensor) => A.sum(A.square(a)))(f64([1, 2]), f64([5, 6, 7]));
    expect(Array.from(ga.dataSync())).toEqual([2, 4]);
    expect(gb.shape).toEqual([3]);
    expect(Array.from(gb.dataSync())).toEqual([0, 0, 0]);
  });

  it('grad returns gradients without touching .grad of its arguments', () => {
    const x = leaf([1, 2]);
    const [g] = A.grad((t) => A.sum(A.mul(t, 3)))(x);
    expect(Array.from(g.dataSync())).toEqual([3, 3]);
    expect(x.grad).toBeNull();
  });

  it('the same argument passed twice gets each position its own gradient', () => {
    const x = f64([2, 3]);
    const [g1, g2] = A.grad((a: A.Tensor, b: A.Tensor) => A.sum(A.mul(A.square(a), b)))(x, x);
    expect(Array.from(g1.dataSync())).toEqual([2 * 2 * 2, 2 * 3 * 3]);
    expect(Array.from(g2.dataSync())).toEqual([4, 9]);
  });
});
