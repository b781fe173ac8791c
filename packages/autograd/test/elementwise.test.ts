import * as A from '@typegrad/autograd';
import { describe, expect, it } from 'vitest';
import { ELEMENTWISE_PROPERTIES } from './helpers/properties-elementwise.js';
import { describeProperties } from './helpers/property-table.js';

describeProperties(ELEMENTWISE_PROPERTIES);

describe('elementwise gradients at special points', () => {
  it('maximum and minimum split the gradient evenly on ties', () => {
    const a = A.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const b = A.tensor([1, 5, 3], { dtype: 'float64', requiresGrad: true });
    A.sum(A.maximum(a, b)).backward();
    expect(Array.from(a.grad!.dataSync())).toEqual([0.5, 0, 0.5]);
    expect(Array.from(b.grad!.dataSync())).toEqual([0.5, 1, 0.5]);
    a.zeroGrad();
    b.zeroGrad();
    A.sum(A.minimum(a, b)).backward();
    expect(Array.from(a.grad!.dataSync())).toEqual([0.5, 1, 0.5]);
    expect(Array.from(b.grad!.dataSync())).toEqual([0.5, 0, 0.5]);
  });

  it('no gradient flows into a cast to int32 or from a comparison', () => {
    const x = A.tensor([1.5, -2.5], { dtype: 'float64', requiresGrad: true });
    expect(A.cast(x, 'int32').requiresGrad).toBe(false);
    expect(A.greater(x, 0).requiresGrad).toBe(false);
    expect(A.greater(x, 0).dtype).toBe('bool');
  });

  it('the gradient of a float32 → float64 cast is float32', () => {
    const x = A.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    A.sum(A.mul(A.cast(x, 'float64'), 2)).backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 2]);
  });
});
