import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertProperty,
  type NumericDType,
  toNDArray,
  type ViewOp,
  viewChainArb,
  viewOpFor,
} from './helpers/arbitraries.js';
import {
  assertArrayClose,
  assertClose,
  expandRef,
  numel,
  permuteRef,
  pySliceIndices,
  type Ref,
  readStrided,
  reshapeRef,
  sliceRef,
} from './helpers/reference.js';

function applyView(x: T.NDArray, v: ViewOp): T.NDArray {
  switch (v.op) {
    case 'reshape':
      return x.reshape(v.shape);
    case 'permute':
      return x.permute(v.axes);
    case 'transpose':
      return x.transpose(v.axis0, v.axis1);
    case 'slice':
      return x.slice(...v.specs);
    case 'expand':
      return x.expand(v.shape);
    case 'unsqueeze':
      return x.unsqueeze(v.axis);
    case 'squeeze':
      return x.squeeze(v.axes);
    case 'flatten':
      return x.flatten(v.start, v.end);
  }
}

const axisOf = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** The same view on reference data: shape-only views are reshapes by definition. */
function applyViewRef(x: Ref, v: ViewOp): Ref {
  const rank = x.shape.length;
  switch (v.op) {
    case 'reshape':
      return reshapeRef(x, v.shape);
    case 'permute':
      return permuteRef(x, v.axes);
    case 'transpose': {
      const axes = x.shape.map((_, i) => i);
      const [a, b] = [axisOf(v.axis0, rank), axisOf(v.axis1, rank)];
      [axes[a], axes[b]] = [axes[b], axes[a]];
      return permuteRef(x, axes);
    }
    case 'slice':
      return sliceRef(x, v.specs);
    case 'expand':
      return expandRef(x, v.shape);
    case 'unsqueeze': {
      const shape = [...x.shape];
      shape.splice(axisOf(v.axis, rank + 1), 0, 1);
      return reshapeRef(x, shape);
    }
    case 'squeeze': {
      const drop = v.axes?.map((a) => axisOf(a, rank)) ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
      return reshapeRef(
        x,
        x.shape.filter((_, i) => !drop.includes(i)),
      );
    }
    case 'flatten': {
      if (rank === 0) return reshapeRef(x, [1]);
      const [s, e] = [axisOf(v.start, rank), axisOf(v.end, rank)];
      return reshapeRef(x, [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
    }
  }
}

/** Whether the docs promise this view shares storage: all do, except a reshape (or flatten) of a non-contiguous view. */
function sharesStorage(input: T.NDArray, v: ViewOp): boolean {
  return (v.op !== 'reshape' && v.op !== 'flatten') || input.isContiguous;
}

const storageOf = (x: T.NDArray) => T.getBackend(x.backend).readSync(x.storage);

describe('views agree with copying', () => {
  it('property: a chain of views (reshape, permute, transpose, slice, expand, squeeze, unsqueeze, flatten) reads the same elements as the reference, and shares storage where documented', () => {
    const caseArb = fc.record({
      chain: viewChainArb(4),
      dtype: fc.constantFrom<NumericDType>('float64', 'float32', 'int32'),
    });
    assertProperty(
      fc.property(caseArb, ({ chain, dtype }) =>
        T.tidy(() => {
          const values = Array.from({ length: numel(chain.shape) }, (_, i) => i - 7);
          let x = toNDArray(values, chain.shape, dtype);
          let ref: Ref = { shape: [...chain.shape], data: values };
          for (const step of chain.steps) {
            const v = viewOpFor(ref.shape, step);
            const next = applyView(x, v);
            ref = applyViewRef(ref, v);
            expect(next.storage === x.storage, `${v.op} shares storage`).toBe(sharesStorage(x, v));
            x = next;
            assertArrayClose({ shape: x.shape, data: x.dataSync() }, ref, {}, `after ${JSON.stringify(v)}`);
            // the layout itself addresses these elements: storage[offset + sum(index * strides)]
            assertClose(
              readStrided(storageOf(x), x.shape, x.strides, x.offset),
              ref.data,
              {},
              'strided read',
            );
          }
          expect(x.toArray()).toEqual(T.fromTyped(Float64Array.from(ref.data), ref.shape).toArray());
          const copy = x.contiguous();
          expect(copy.isContiguous).toBe(true);
          expect(copy.storage === x.storage).toBe(x.isContiguous);
          assertArrayClose({ shape: copy.shape, data: copy.dataSync() }, ref, {}, 'contiguous');
        }),
      ),
      500,
    );
  });

  it('property: slice(start, stop, step) selects what Python range(n)[start:stop:step] selects', () => {
    const bound = fc.option(fc.integer({ min: -12, max: 12 }), { nil: null });
    const caseArb = fc.record({
      n: fc.integer({ min: 0, max: 9 }),
      start: bound,
      stop: bound,
      step: fc.option(
        fc.integer({ min: -4, max: 4 }).filter((s) => s !== 0),
        { nil: null },
      ),
    });
    assertProperty(
      fc.property(caseArb, ({ n, start, stop, step }) =>
        T.tidy(() => {
          const x = T.arange(n, undefined, 1, { dtype: 'float64' });
          const got = x.slice([start, stop, step]);
          expect(Array.from(got.dataSync())).toEqual(pySliceIndices(n, start, stop, step));
          expect(got.storage).toBe(x.storage);
        }),
      ),
      400,
    );
  });

  it('property: an integer index drops its axis and counts from the end when negative', () => {
    const caseArb = fc
      .record({ rows: fc.integer({ min: 1, max: 5 }), cols: fc.integer({ min: 1, max: 5 }) })
      .chain((c) => fc.record({ c: fc.constant(c), i: fc.integer({ min: -c.rows, max: c.rows - 1 }) }));
    assertProperty(
      fc.property(caseArb, ({ c, i }) =>
        T.tidy(() => {
          const x = T.arange(c.rows * c.cols, undefined, 1, { dtype: 'float64' }).reshape([c.rows, c.cols]);
          const row = x.slice(i);
          const r = i < 0 ? i + c.rows : i;
          expect(row.shape).toEqual([c.cols]);
          expect(Array.from(row.dataSync())).toEqual(
            Array.from({ length: c.cols }, (_, j) => r * c.cols + j),
          );
          const col = x.slice(null, -1);
          expect(Array.from(col.dataSync())).toEqual(
            Array.from({ length: c.rows }, (_, k) => k * c.cols + c.cols - 1),
          );
        }),
      ),
      60,
    );
  });
});

describe('reshape', () => {
  it('infers -1, works on non-contiguous sources, and copies only then', () => {
    const x = T.arange(24, undefined, 1, { dtype: 'float64' }).reshape([2, 3, 4]);
    const y = x.reshape([4, -1]);
    expect(y.shape).toEqual([4, 6]);
    expect(y.storage).toBe(x.storage);
    const t = x.permute([2, 0, 1]);
    expect(t.isContiguous).toBe(false);
    const r = t.reshape([-1, 6]);
    expect(r.shape).toEqual([4, 6]);
    expect(r.storage).not.toBe(x.storage);
    expect(Array.from(r.dataSync())).toEqual(Array.from(t.dataSync()));
    expect(T.zeros([0, 3]).reshape([-1, 3]).shape).toEqual([0, 3]);
    expect(T.zeros([5]).reshape([1, 5, 1]).shape).toEqual([1, 5, 1]);
    expect(T.scalar(3).reshape([1, 1]).shape).toEqual([1, 1]);
  });

  it('a scalar flattens to [1]; unsqueeze then squeeze is the identity', () => {
    expect(T.scalar(2).flatten().shape).toEqual([1]);
    const x = T.arange(6).reshape([2, 3]);
    for (let axis = -3; axis <= 2; axis++) {
      const u = x.unsqueeze(axis);
      expect(u.rank).toBe(3);
      expect(u.squeeze(axis).shape).toEqual([2, 3]);
      expect(Array.from(u.dataSync())).toEqual([0, 1, 2, 3, 4, 5]);
    }
  });
});

describe('contiguous, clone and reading values', () => {
  it('views alias their source; clone and contiguous copies do not', () => {
    const x = T.arange(6, undefined, 1, { dtype: 'float64' }).reshape([2, 3]);
    const t = x.T;
    const sameLayout = x.contiguous();
    const copied = t.contiguous();
    const cloned = x.clone();
    expect(sameLayout.storage).toBe(x.storage);
    expect(copied.storage).not.toBe(x.storage);
    expect(cloned.storage).not.toBe(x.storage);
    expect(copied.strides).toEqual([2, 1]);
    // write through the storage: the view sees it, the copies do not
    (storageOf(x) as Float64Array)[1] = 100;
    expect(t.toArray()).toEqual([
      [0, 3],
      [100, 4],
      [2, 5],
    ]);
    expect(Array.from(copied.dataSync())).toEqual([0, 3, 1, 4, 2, 5]);
    expect(Array.from(cloned.dataSync())).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('dataSync returns a fresh array in row-major order, for contiguous and strided views', () => {
    const x = T.arange(12, undefined, 1, { dtype: 'int32' }).reshape([3, 4]);
    const d = x.dataSync();
    d[0] = 42;
    expect(x.dataSync()[0]).toBe(0);
    const v = x.slice([null, null, -1], [1, null, 2]);
    expect(v.dataSync()).toBeInstanceOf(Int32Array);
    expect(Array.from(v.dataSync())).toEqual([9, 11, 5, 7, 1, 3]);
    expect(v.toArray()).toEqual([
      [9, 11],
      [5, 7],
      [1, 3],
    ]);
    expect(T.fromArray([true, false]).toArray()).toEqual([true, false]);
    expect(T.scalar(1.5).toArray()).toBe(1.5);
    expect(T.zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(x.slice(1, 2).item()).toBe(6);
  });

  it('expand gives stride 0 and broadcastTo is the same view', () => {
    const x = T.fromArray([[1], [2]], { dtype: 'float64' });
    const e = x.expand([3, 2, 4]);
    expect(e.strides).toEqual([0, 1, 0]);
    expect(e.storage).toBe(x.storage);
    expect(x.broadcastTo([3, 2, 4]).toArray()).toEqual(e.toArray());
    expect(e.slice(2).toArray()).toEqual([
      [1, 1, 1, 1],
      [2, 2, 2, 2],
    ]);
  });
});
