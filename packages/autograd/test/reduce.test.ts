import * as A from '@typegrad/autograd';
import { describe, expect, it } from 'vitest';
import { REDUCE_PROPERTIES } from './helpers/properties-reduce.js';
import { describeProperties } from './helpers/property-table.js';

describeProperties(REDUCE_PROPERTIES);

describe('max/min ties and argmax', () => {
  it('max splits the gradient evenly among tied maxima of each row', () => {
    const x = A.tensor(
      [
        [1, 3, 3],
        [2, 2, 2],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    A.sum(A.max(x, 1)).backward();
    const third = 1 / 3;
    expect(x.grad!.toArray()).toEqual([
      [0, 0.5, 0.5],
      [third, third, third],
    ]);
  });

  it('min over all axes splits among the tied minima', () => {
    const x = A.tensor([4, -1, 0, -1], { dtype: 'float64', requiresGrad: true });
    A.min(x).backward();
    expect(x.grad!.toArray()).toEqual([0, 0.5, 0, 0.5]);
  });

  it('argmax and argmin are int32 constants outside the graph', () => {
    const x = A.tensor([1, 5, 2], { dtype: 'float64', requiresGrad: true });
    const i = A.argmax(x);
    expect(i.requiresGrad).toBe(false);
    expect(i.dtype).toBe('int32');
    expect(i.item()).toBe(1);
    expect(A.argmin(x).item()).toBe(0);
  });
});
