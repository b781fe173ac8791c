import * as A from '@typegrad/autograd';
import { describe, expect, it } from 'vitest';
import { MATMUL_PROPERTIES } from './helpers/properties-matmul.js';
import { describeProperties } from './helpers/property-table.js';

describeProperties(MATMUL_PROPERTIES);

describe('matmul gradient shapes', () => {
  it('gradients of broadcast batch operands are summed back to each operand shape', () => {
    const a = A.tensor(new Float64Array(2 * 1 * 2 * 3).fill(1), { shape: [2, 1, 2, 3], requiresGrad: true });
    const b = A.tensor(new Float64Array(4 * 3 * 5).fill(1), { shape: [4, 3, 5], requiresGrad: true });
    A.sum(A.matmul(a, b)).backward();
    expect(a.grad!.shape).toEqual([2, 1, 2, 3]);
    expect(b.grad!.shape).toEqual([4, 3, 5]);
    // Each a element meets 4 batches × 5 columns of ones; each b element 2 batches × 2 rows.
    expect(new Set(a.grad!.dataSync())).toEqual(new Set([20]));
    expect(new Set(b.grad!.dataSync())).toEqual(new Set([4]));
  });
});
