import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { describe, expect, it } from 'vitest';
import { expectClose } from './helpers/gradcheck.js';
import { NN_PROPERTIES } from './helpers/properties-nn.js';
import { describeProperties } from './helpers/property-table.js';

describeProperties(NN_PROPERTIES);

describe('composites against the tensor package and closed forms', () => {
  it('crossEntropy forward matches the tensor package for every option', () => {
    const logits = T.randomNormal([2, 3, 4], { seed: 11, dtype: 'float64' });
    const targets = T.fromArray([0, 3, -1, 2, 1, -1], { dtype: 'int32', shape: [2, 3] });
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      for (const labelSmoothing of [0, 0.2]) {
        const options = { ignoreIndex: -1, labelSmoothing, reduction };
        const ours = A.crossEntropy(A.tensor(logits), targets, options).dataSync();
        expectClose(ours, T.crossEntropy(logits, targets, options).dataSync(), { atol: 1e-12 });
      }
    }
  });

  it('crossEntropy gradient is (softmax − target distribution) / kept rows, zero on ignored rows', () => {
    const logits = A.tensor(T.randomNormal([3, 4], { seed: 5, dtype: 'float64' }), { requiresGrad: true });
    const targets = T.fromArray([2, -100, 0], { dtype: 'int32' });
    const eps = 0.1;
    A.crossEntropy(logits, targets, { labelSmoothing: eps }).backward();
    const p = T.softmax(logits.value, -1).toArray() as number[][];
    const expected = p.flatMap((row, r) =>
      row.map((pc, c) => {
        const t = [2, -100, 0][r];
        if (t === -100) return 0;
        return (pc - ((c === t ? 1 - eps : 0) + eps / 4)) / 2;
      }),
    );
    expectClose(logits.grad!.dataSync(), expected, { atol: 1e-12 });
  });

  it('dropout with a fixed seed is reproducible and its gradient is the scaled mask', () => {
    const x = A.tensor(T.ones([50], { dtype: 'float64' }), { requiresGrad: true });
    const y1 = A.dropout(x, 0.4, { seed: 9 });
    const y2 = A.dropout(x, 0.4, { seed: 9 });
    expect(Array.from(y1.dataSync())).toEqual(Array.from(y2.dataSync()));
    A.sum(y1).backward();
    expect(Array.from(x.grad!.dataSync())).toEqual(Array.from(y1.dataSync()));
    expect(new Set(y1.dataSync())).toEqual(new Set([0, 1 / 0.6]));
    expect(A.dropout(x, 0.4, { training: false })).toBe(x);
  });
});
