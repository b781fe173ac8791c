import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty } from './helpers/arbitraries.js';

/*
 * Every array made in this file is disposed (explicitly or by tidy), so no finalizer runs
 * in between and the live counters move only by what each test does.
 */
const liveArrays = () => T.memory().arrays;
const liveStorages = () => T.memory().storages.cpu ?? 0;

describe('tidy', () => {
  it('disposes intermediates and keeps the returned array', () => {
    const before = liveArrays();
    const storagesBefore = liveStorages();
    const made: T.NDArray[] = [];
    const out = T.tidy(() => {
      const a = T.ones([2, 3]);
      const b = T.add(a, a);
      const c = T.mul(b, 3);
      made.push(a, b);
      return T.sum(c, 1);
    });
    expect(made.every((x) => x.isDisposed)).toBe(true);
    expect(out.isDisposed).toBe(false);
    expect(Array.from(out.dataSync())).toEqual([18, 18]);
    expect(liveArrays()).toBe(before + 1);
    expect(liveStorages()).toBe(storagesBefore + 1);
    out.dispose();
    expect(liveArrays()).toBe(before);
    expect(liveStorages()).toBe(storagesBefore);
  });

  it('keeps arrays reachable from the result through arrays, objects and Maps', () => {
    const before = liveArrays();
    const result = T.tidy(() => {
      const x = T.ones([2]);
      const y = T.add(x, 1);
      return { list: [x, T.mul(y, 2)], map: new Map([['y', y]]), n: 3 };
    });
    const kept = [...result.list, ...result.map.values()];
    expect(kept.every((k) => !k.isDisposed)).toBe(true);
    expect(liveArrays()).toBe(before + 3);
    for (const k of kept) k.dispose();
    expect(liveArrays()).toBe(before);
  });

  it('nests: the inner result lives until the outer scope ends, unless returned or kept', () => {
    const before = liveArrays();
    let inner: T.NDArray | undefined;
    let pinned: T.NDArray | undefined;
    const outer = T.tidy(() => {
      inner = T.tidy(() => T.add(T.ones([2]), 1));
      expect(inner.isDisposed).toBe(false);
      pinned = T.keep(T.ones([1]));
      return T.mul(inner, 2);
    });
    expect(inner?.isDisposed).toBe(true);
    expect(pinned?.isDisposed).toBe(false);
    expect(Array.from(outer.dataSync())).toEqual([4, 4]);
    outer.dispose();
    pinned?.dispose();
    expect(liveArrays()).toBe(before);
  });

  it('a returned view of an intermediate still reads its values (the storage outlives the disposed array)', () => {
    const before = liveArrays();
    const storagesBefore = liveStorages();
    const v = T.tidy(() => T.arange(6, undefined, 1, { dtype: 'float64' }).reshape([2, 3]).T);
    expect(v.toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(liveArrays()).toBe(before + 1);
    expect(liveStorages()).toBe(storagesBefore + 1);
    v.dispose();
    expect(liveStorages()).toBe(storagesBefore);
  });

  it('property: after any chain of ops inside tidy, exactly the returned arrays stay live', () => {
    const opArb = fc.constantFrom(
      'add',
      'exp',
      'sum',
      'softmax',
      'matmul',
      'transpose',
      'logsumexp',
      'gather',
      'concat',
    );
    assertProperty(
      fc.property(fc.array(opArb, { maxLength: 8 }), fc.integer({ min: 0, max: 2 }), (ops, returned) => {
        const before = liveArrays();
        const storagesBefore = liveStorages();
        const out = T.tidy(() => {
          let x = T.randomNormal([3, 3], { seed: 1, dtype: 'float64' });
          for (const op of ops) {
            if (op === 'add') x = T.add(x, x);
            else if (op === 'exp') x = T.exp(T.mul(x, 0.1));
            else if (op === 'sum') x = T.add(T.sum(x, 0, { keepdims: true }), x);
            else if (op === 'softmax') x = T.softmax(x);
            else if (op === 'matmul') x = T.matmul(x, x);
            else if (op === 'transpose') x = x.T;
            else if (op === 'logsumexp') x = T.sub(x, T.logsumexp(x, 1, { keepdims: true }));
            else if (op === 'gather') x = T.gather(x, T.fromArray([2, 0, 1], { dtype: 'int32' }));
            else x = T.concat([x.slice([0, 2]), x.slice([2, 3])]);
          }
          return Array.from({ length: returned }, (_, i) => T.add(x, i));
        });
        expect(liveArrays()).toBe(before + returned);
        expect(liveStorages()).toBe(storagesBefore + returned);
        for (const o of out) o.dispose();
        expect(liveArrays()).toBe(before);
      }),
      100,
    );
  });

  it('a call that fails its checks leaks nothing', () => {
    const mask = T.ones([2]);
    const vector = T.ones([3]);
    const matrix = T.ones([2, 2]);
    const before = liveArrays();
    expect(() => T.where(mask, 1, 0)).toThrow(/where: condition must be bool/);
    expect(() => T.matmul(vector, matrix)).toThrow(/matmul: inner dims differ/);
    expect(liveArrays()).toBe(before);
    for (const x of [mask, vector, matrix]) x.dispose();
  });

  it('rejects an async function', () => {
    expect(() => T.tidy((async () => T.ones([1])) as unknown as () => T.NDArray)).toThrow(
      /tidy: fn must be synchronous/,
    );
  });
});

describe('dispose', () => {
  it('is safe to call twice and counts once', () => {
    const before = liveArrays();
    const x = T.ones([2]);
    x.dispose();
    x.dispose();
    expect(x.isDisposed).toBe(true);
    expect(liveArrays()).toBe(before);
  });

  it('using a disposed array throws an error naming the op and the shape', () => {
    const x = T.ones([2, 3]);
    x.dispose();
    expect(() => T.add(x, 1)).toThrow(/^add: array of shape \[2, 3\] was already disposed/);
    expect(() => T.matmul(x, x)).toThrow(/matmul: array of shape \[2, 3\] was already disposed/);
    expect(() => T.sum(x)).toThrow(/sum: .*already disposed/);
    expect(() => x.dataSync()).toThrow(/dataSync: array of shape \[2, 3\] was already disposed/);
    expect(() => x.toArray()).toThrow(/already disposed/);
    expect(() => x.T).toThrow(/already disposed/);
    expect(() => x.clone()).toThrow(/clone: .*already disposed/);
    expect(() => T.concat([x])).toThrow(/concat: .*already disposed/);
  });

  it('a view stays readable after its source is disposed; the storage goes with the last view', () => {
    const storagesBefore = liveStorages();
    const x = T.arange(4, undefined, 1, { dtype: 'float64' });
    const v = x.slice([null, null, -1]);
    x.dispose();
    expect(Array.from(v.dataSync())).toEqual([3, 2, 1, 0]);
    expect(liveStorages()).toBe(storagesBefore + 1);
    v.dispose();
    expect(liveStorages()).toBe(storagesBefore);
  });
});
