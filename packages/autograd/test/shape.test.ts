import * as A from '@typegrad/autograd';
import { describe, expect, it } from 'vitest';
import { SHAPE_PROPERTIES } from './helpers/properties-shape.js';
import { describeProperties } from './helpers/property-table.js';

describeProperties(SHAPE_PROPERTIES);

describe('index-op gradients by hand', () => {
  it('gather with repeated indices adds the gradient of each pick', () => {
    const x = A.tensor([10, 20, 30], { dtype: 'float64', requiresGrad: true });
    A.sum(A.gather(x, A.tensor([2, 0, 2, 2], { dtype: 'int32' }))).backward();
    expect(x.grad!.toArray()).toEqual([1, 0, 3]);
  });

  it('a strided negative slice scatters its gradient back to the picked positions', () => {
    const x = A.tensor([0, 1, 2, 3, 4, 5], { dtype: 'float64', requiresGrad: true });
    const y = A.slice(x, [-1, null, -2]); // [5, 3, 1]
    expect(y.toArray()).toEqual([5, 3, 1]);
    A.sum(A.mul(y, A.tensor([1, 2, 3], { dtype: 'float64' }))).backward();
    expect(x.grad!.toArray()).toEqual([0, 3, 0, 2, 0, 1]);
  });
});
