import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arrayArb, toNDArray } from './helpers/arbitraries.js';
import { evaluate, exprArb, TREE_INPUT_SHAPES, treeSize } from './helpers/expression-tree.js';
import { checkProperty, expectClose, expectGradcheck } from './helpers/gradcheck.js';

const f64 = (values: number[], shape?: number[]) => A.tensor(values, { dtype: 'float64', shape });

describe('composite graphs', () => {
  it('random expression trees over three broadcasting inputs pass gradcheck end to end', () => {
    const sizes: number[] = [];
    checkProperty(
      fc.tuple(exprArb, fc.tuple(...TREE_INPUT_SHAPES.map((s) => arrayArb(s)))),
      ([expr, inputs]) => {
        sizes.push(treeSize(expr));
        // every input takes part, even when the tree does not use it (its gradient is then 0)
        expectGradcheck(
          (x, y, z) => A.add(evaluate(expr, [x, y, z]), A.mul(A.add(A.add(x, y), z), 0)),
          inputs.map(toNDArray),
        );
      },
      200,
    );
    // the generator must produce real trees, not just leaves
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(12);
  });

  it('a tensor used by several ops receives the sum of the gradients of every path', () => {
    checkProperty(arrayArb([2, 3]), (data) => {
      const f = (x: A.Tensor) => {
        const y = A.tanh(x); // shared by four consumers
        return A.add(A.add(A.mul(y, y), A.exp(y)), A.mul(A.sum(y), A.softmax(y, -1)));
      };
      expectGradcheck(f, [toNDArray(data)]);
      // closed form of the first two paths: d/dx (y² + eʸ) = (2y + eʸ)(1 − y²)
      const x = A.tensor(toNDArray(data), { requiresGrad: true });
      const y = A.tanh(x);
      A.sum(A.add(A.mul(y, y), A.exp(y))).backward();
      const yv = T.tanh(x.value).dataSync();
      expectClose(
        x.grad!.dataSync(),
        Array.from(yv, (v) => (2 * v + Math.exp(v)) * (1 - v * v)),
        { atol: 1e-12 },
      );
    });
  });

  it('gradients accumulate into .grad across backward calls with retainGraph, and zeroGrad resets', () => {
    const x = f64([0.5, -1, 2], [3]);
    x.requiresGrad = true;
    const loss = A.sum(A.mul(A.square(x), 3)); // dloss/dx = 6x
    loss.backward(undefined, { retainGraph: true });
    expect(Array.from(x.grad!.dataSync())).toEqual([3, -6, 12]);
    loss.backward(undefined, { retainGraph: true });
    expect(Array.from(x.grad!.dataSync())).toEqual([6, -12, 24]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
    loss.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([3, -6, 12]);
  });

  it('leaves fed by the same gradient array own separate .grad arrays', () => {
    const a = f64([1, 2], [2]);
    const b = f64([3, 4], [2]);
    a.requiresGrad = true;
    b.requiresGrad = true;
    A.sum(A.add(a, b)).backward();
    a.zeroGrad(); // must not free b's gradient
    expect(Array.from(b.grad!.dataSync())).toEqual([1, 1]);
  });

  it('backward with an explicit gradient computes the vector-Jacobian product', () => {
    const x = f64([1, 2, 3], [3]);
    x.requiresGrad = true;
    const y = A.mul(x, x);
    y.backward(f64([1, 0.5, -1], [3]));
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 2, -6]);
    const z = f64([1, 2], [2]);
    z.requiresGrad = true;
    A.mul(z, 3).backward(2); // a number fills the output shape
    expect(Array.from(z.grad!.dataSync())).toEqual([6, 6]);
  });

  it('only leaves get .grad; intermediate tensors and constants keep grad null', () => {
    const x = f64([1, 2], [2]);
    x.requiresGrad = true;
    const c = f64([5, 6], [2]);
    const y = A.mul(x, c);
    A.sum(y).backward();
    expect(y.grad).toBeNull();
    expect(c.grad).toBeNull();
    expect(Array.from(x.grad!.dataSync())).toEqual([5, 6]);
  });
});
