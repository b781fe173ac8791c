import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { describe, expect, it } from 'vitest';

/** Live arrays and storages after `steps` calls of `step`, sampled after each. */
function liveCounts(steps: number, step: () => void): { arrays: number[]; storages: number[] } {
  const arrays: number[] = [];
  const storages: number[] = [];
  for (let i = 0; i < steps; i++) {
    step();
    const m = T.memory();
    arrays.push(m.arrays);
    storages.push(m.storages.cpu ?? 0);
  }
  return { arrays, storages };
}

/** A small two-layer model: parameters outlive the steps, everything else must not. */
function makeModel() {
  const param = (shape: number[], seed: number) =>
    A.tensor(T.randomNormal(shape, { seed, dtype: 'float64', std: 0.3 }), { requiresGrad: true });
  return { w1: param([4, 5], 1), b1: param([5], 2), w2: param([5, 3], 3), gamma: param([5], 4) };
}

describe('memory: repeated forward/backward/update keeps the number of live arrays constant', () => {
  it('training steps inside tidy (backward, update with assign, zeroGrad)', () => {
    const model = makeModel();
    const params = Object.values(model);
    const x = T.randomNormal([6, 4], { seed: 7, dtype: 'float64' });
    const targets = T.fromArray([0, 2, 1, -100, 2, 0], { dtype: 'int32' });
    const losses: number[] = [];
    const step = () =>
      T.tidy(() => {
        const h = A.gelu(A.layerNorm(A.add(A.matmul(A.tensor(x), model.w1), model.b1), model.gamma));
        const logits = A.matmul(A.dropout(h, 0.2, { seed: 1 }), model.w2);
        const loss = A.crossEntropy(logits, targets, { labelSmoothing: 0.1 });
        loss.backward();
        losses.push(loss.item());
        for (const p of params) {
          p.assign(T.sub(p.value, T.mul(p.grad!.value, 0.1)));
          p.zeroGrad();
        }
      });
    step(); // warm-up
    const { arrays, storages } = liveCounts(5, step);
    expect(new Set(arrays).size, `live arrays per step: ${arrays.join(', ')}`).toBe(1);
    expect(new Set(storages).size, `live storages per step: ${storages.join(', ')}`).toBe(1);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]); // the steps really train
  });

  it('gradients accumulated across steps (no zeroGrad) replace the previous .grad array', () => {
    const model = makeModel();
    const x = T.randomNormal([3, 4], { seed: 8, dtype: 'float64' });
    const step = () =>
      T.tidy(() => {
        A.sum(A.tanh(A.matmul(A.matmul(A.tensor(x), model.w1), model.w2))).backward();
      });
    step();
    const { arrays } = liveCounts(4, step);
    expect(new Set(arrays).size, `live arrays per step: ${arrays.join(', ')}`).toBe(1);
  });

  it('valueAndGrad and second-order grad inside tidy', () => {
    const w = A.tensor(T.randomNormal([4], { seed: 9, dtype: 'float64' }));
    const f = (t: A.Tensor) => A.sum(A.exp(A.tanh(t)));
    const step = () =>
      T.tidy(() => {
        const { value, grads } = A.valueAndGrad(f)(w);
        const hv = A.grad((t) => A.sum(A.grad(f)(t)[0]))(w)[0];
        return value.item() + grads[0].item.length + hv.size; // numbers only escape
      });
    step();
    const { arrays } = liveCounts(4, step);
    expect(new Set(arrays).size, `live arrays per step: ${arrays.join(', ')}`).toBe(1);
  });

  it('gradcheck frees every array it makes', () => {
    const x = T.randomNormal([3, 2], { seed: 10, dtype: 'float64' });
    const before = T.memory().arrays;
    const result = A.gradcheck((t) => A.softmax(A.matmul(t, A.transpose(t)), -1), [x]);
    expect(result.ok).toBe(true);
    expect(T.memory().arrays).toBe(before);
  });

  it('backward releases the graph: saved tensors are no longer referenced by the nodes', () => {
    const x = A.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const y = A.exp(x);
    const loss = A.sum(y);
    loss.backward();
    expect(loss.node!.released).toBe(true);
    expect(y.node!.released).toBe(true);
    expect(y.node!.inputs).toEqual([]);
  });
});
