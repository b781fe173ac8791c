import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertProperty,
  broadcastGroupArb,
  type NumericDType,
  refArb,
  shapeArb,
  toNDArray,
  toRef,
  type ValueOptions,
  valuesArb,
} from './helpers/arbitraries.js';
import {
  assertArrayClose,
  assertClose,
  broadcastGet,
  build,
  concatRef,
  gatherRef,
  numel,
  type Ref,
  scatterAddRef,
} from './helpers/reference.js';

/** An array, an axis of it (maybe negative) and int32 indices valid for that axis. */
const gatherCaseArb = (values: ValueOptions) =>
  fc
    .record({
      x: refArb('float64', { minRank: 1, maxRank: 3, maxSize: 40 }, values),
      indexShape: shapeArb({ maxRank: 2, maxDim: 4, maxSize: 8 }),
    })
    .chain(({ x, indexShape }) =>
      fc.integer({ min: -x.shape.length, max: x.shape.length - 1 }).chain((axis) => {
        const dim = x.shape[axis < 0 ? axis + x.shape.length : axis];
        // an empty axis only admits empty indices
        const shape = dim === 0 ? [0] : indexShape;
        return fc.record({
          x: fc.constant(x),
          axis: fc.constant(axis),
          indices: fc
            .array(fc.integer({ min: 0, max: Math.max(0, dim - 1) }), {
              minLength: numel(shape),
              maxLength: numel(shape),
            })
            .map((data): Ref => ({ shape, data })),
        });
      }),
    );

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe('gather and scatterAdd', () => {
  it('property: gather(x, i, axis) == x indexed at i along axis (np.take), for any index shape', () => {
    const caseArb = fc.record({
      c: gatherCaseArb({ range: 10 }),
      dtype: fc.constantFrom<NumericDType>('float64', 'int32', 'float32'),
    });
    assertProperty(
      fc.property(caseArb, ({ c, dtype }) =>
        T.tidy(() => {
          const x = toNDArray(c.x.data, c.x.shape, dtype);
          const out = T.gather(x, toNDArray(c.indices.data, c.indices.shape, 'int32'), c.axis);
          expect(out.dtype).toBe(dtype);
          const axis = c.axis < 0 ? c.axis + c.x.shape.length : c.axis;
          assertArrayClose({ shape: out.shape, data: out.dataSync() }, gatherRef(toRef(x), c.indices, axis));
        }),
      ),
      300,
    );
  });

  it('property: scatterAdd sums updates at repeated indices, and is the adjoint of gather: <gather(x,i), u> == <x, scatterAdd(shape,i,u)>', () => {
    const caseArb = gatherCaseArb({ edges: false, range: 10 }).chain((c) => {
      const axis = c.axis < 0 ? c.axis + c.x.shape.length : c.axis;
      const outShape = [...c.x.shape.slice(0, axis), ...c.indices.shape, ...c.x.shape.slice(axis + 1)];
      return fc.record({
        c: fc.constant(c),
        u: valuesArb(numel(outShape), 'float64', { edges: false, range: 10 }),
      });
    });
    assertProperty(
      fc.property(caseArb, ({ c, u }) =>
        T.tidy(() => {
          const axis = c.axis < 0 ? c.axis + c.x.shape.length : c.axis;
          const x = toNDArray(c.x.data, c.x.shape, 'float64');
          const indices = toNDArray(c.indices.data, c.indices.shape, 'int32');
          const g = T.gather(x, indices, c.axis);
          const updates = toNDArray(u, g.shape, 'float64');
          const s = T.scatterAdd(c.x.shape, indices, updates, c.axis);
          expect(s.shape).toEqual(c.x.shape);
          const ref = scatterAddRef(c.x.shape, c.indices, { shape: [...g.shape], data: u }, axis);
          assertArrayClose(
            { shape: s.shape, data: s.dataSync() },
            ref,
            { rtol: 1e-14, atol: 1e-12 },
            'scatterAdd',
          );
          const lhs = dot(g.dataSync(), u);
          const rhs = dot(c.x.data, s.dataSync());
          const scale = dot(g.dataSync().map(Math.abs), u.map(Math.abs));
          expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-12 * (1 + scale));
        }),
      ),
      200,
    );
  });

  it('an embedding lookup is gather along axis 0', () => {
    const table = T.fromArray(
      [
        [0, 0.5],
        [1, 1.5],
        [2, 2.5],
      ],
      { dtype: 'float64' },
    );
    const ids = T.fromArray(
      [
        [2, 0],
        [1, 1],
      ],
      { dtype: 'int32' },
    );
    expect(T.gather(table, ids).toArray()).toEqual([
      [
        [2, 2.5],
        [0, 0.5],
      ],
      [
        [1, 1.5],
        [1, 1.5],
      ],
    ]);
    expect(T.scatterAdd([3, 2], ids, T.ones([2, 2, 2], { dtype: 'float64' })).toArray()).toEqual([
      [1, 1],
      [2, 2],
      [1, 1],
    ]);
  });

  it('indices must be int32 and in range', () => {
    expect(() => T.gather(T.ones([3]), T.fromArray([0.5]))).toThrow(
      /gather: indices must be int32, got float32/,
    );
    expect(() => T.gather(T.ones([3]), T.fromArray([-1], { dtype: 'int32' }))).toThrow(/gather: index -1/);
    expect(() => T.scatterAdd([3], T.fromArray([1], { dtype: 'int32' }), T.ones([2]))).toThrow(
      /scatterAdd: updates of shape \[2\] do not match \[1\]/,
    );
  });
});

describe('concat, stack and split', () => {
  const partsArb = fc
    .record({
      base: shapeArb({ minRank: 1, maxRank: 3, maxSize: 30 }),
      sizes: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
      dtype: fc.constantFrom<NumericDType>('float64', 'int32', 'bool'),
    })
    .chain((c) =>
      fc.integer({ min: -c.base.length, max: c.base.length - 1 }).map((axis) => ({ ...c, axis })),
    );

  it('property: concat(parts, axis) equals the loop concatenation, and split(concat(parts), sizes) gives the parts back as views', () => {
    assertProperty(
      fc.property(partsArb, ({ base, sizes, dtype, axis }) =>
        T.tidy(() => {
          const a = axis < 0 ? axis + base.length : axis;
          let counter = 0;
          const parts = sizes.map((s) => {
            const shape = base.map((d, i) => (i === a ? s : d));
            const values = Array.from({ length: numel(shape) }, () => counter++ % 7);
            return toNDArray(values, shape, dtype);
          });
          const joined = T.concat(parts, axis);
          expect(joined.dtype).toBe(dtype);
          assertArrayClose({ shape: joined.shape, data: joined.dataSync() }, concatRef(parts.map(toRef), a));
          const back = T.split(joined, sizes, axis);
          expect(back.length).toBe(parts.length);
          back.forEach((piece, i) => {
            expect(piece.storage).toBe(joined.storage);
            assertArrayClose({ shape: piece.shape, data: piece.dataSync() }, toRef(parts[i]));
          });
        }),
      ),
      200,
    );
  });

  it('property: stack(xs, axis) has xs[i] at index i of the new axis; split into n equal parts round-trips', () => {
    const caseArb = fc.record({
      shape: shapeArb({ maxRank: 3, maxSize: 24 }),
      count: fc.integer({ min: 1, max: 4 }),
      seed: fc.nat(),
    });
    assertProperty(
      fc.property(caseArb, ({ shape, count, seed }) =>
        T.tidy(() => {
          const xs = Array.from({ length: count }, (_, i) =>
            T.randomNormal(shape, { seed: seed + i, dtype: 'float64' }),
          );
          for (let axis = -(shape.length + 1); axis <= shape.length; axis++) {
            const s = T.stack(xs, axis);
            const a = axis < 0 ? axis + shape.length + 1 : axis;
            const expectedShape = [...shape.slice(0, a), count, ...shape.slice(a)];
            expect(s.shape).toEqual(expectedShape);
            xs.forEach((x, i) => {
              const specs = expectedShape.map((_, k) => (k === a ? i : null));
              assertArrayClose(
                { shape: s.slice(...specs).shape, data: s.slice(...specs).dataSync() },
                toRef(x),
              );
            });
            const pieces = T.split(s, count, a);
            pieces.forEach((p, i) => {
              assertClose(p.dataSync(), xs[i].dataSync());
            });
          }
        }),
      ),
      60,
    );
  });

  it('concat rejects mixed dtypes and split rejects sizes that do not add up', () => {
    expect(() => T.concat([T.ones([2]), T.ones([2], { dtype: 'int32' })])).toThrow(/concat: dtypes differ/);
    expect(() => T.split(T.ones([5]), 2)).toThrow(/split: axis 0 of \[5\] does not split into 2 equal parts/);
    expect(() => T.split(T.ones([5]), [2, 2])).toThrow(
      /split: sizes \[2, 2\] do not add up to axis 0 of \[5\]/,
    );
    expect(() => T.stack([T.ones([2]), T.ones([3])])).toThrow(/stack: shapes differ: \[2\], \[3\]/);
  });
});

describe('where', () => {
  it('property: where(cond, a, b) picks a where cond else b, with cond, a, b broadcast together', () => {
    const caseArb = fc
      .record({
        group: broadcastGroupArb(3, { maxRank: 3, maxDim: 4, maxSize: 40 }),
        dtypeA: fc.constantFrom<NumericDType>('float64', 'float32', 'int32'),
        dtypeB: fc.constantFrom<NumericDType>('float64', 'float32', 'int32', 'bool'),
      })
      .chain((c) =>
        fc.record({
          c: fc.constant(c),
          cond: valuesArb(numel(c.group.shapes[0]), 'bool'),
          a: valuesArb(numel(c.group.shapes[1]), c.dtypeA),
          b: valuesArb(numel(c.group.shapes[2]), c.dtypeB),
        }),
      );
    const width = { bool: 0, int32: 1, float32: 2, float64: 3 } as const;
    assertProperty(
      fc.property(caseArb, ({ c, cond, a, b }) =>
        T.tidy(() => {
          const [sc, sa, sb] = c.group.shapes;
          const condArray = toNDArray(cond, sc, 'bool');
          const x = toNDArray(a, sa, c.dtypeA);
          const y = toNDArray(b, sb, c.dtypeB);
          const out = T.where(condArray, x, y);
          expect(out.dtype).toBe(width[c.dtypeA] >= width[c.dtypeB] ? c.dtypeA : c.dtypeB);
          const [rc, ra, rb] = [toRef(condArray), toRef(x), toRef(y)];
          const expected = build(c.group.out, (index) =>
            broadcastGet(rc, index) ? broadcastGet(ra, index) : broadcastGet(rb, index),
          );
          // float64 -> float32 is the only lossy promotion here, and it never happens (we widen)
          assertArrayClose({ shape: out.shape, data: out.dataSync() }, expected);
        }),
      ),
      200,
    );
  });

  it('numbers on either side take the array dtype; the condition must be bool', () => {
    const cond = T.fromArray([true, false, true]);
    const x = T.fromArray([1, 2, 3], { dtype: 'float64' });
    expect(T.where(cond, x, 0).toArray()).toEqual([1, 0, 3]);
    expect(T.where(cond, -1, x).toArray()).toEqual([-1, 2, -1]);
    expect(T.where(cond, x, 0).dtype).toBe('float64');
    expect(T.where(cond, 2, 0).dtype).toBe('int32');
    expect(T.where(cond, 0.5, 0).dtype).toBe('float32');
    expect(() => T.where(x, 1, 0)).toThrow(/where: condition must be bool, got float64/);
  });
});

describe('cast', () => {
  it('property: float to int32 truncates toward zero; to bool is x != 0 (NaN is true); to float32 rounds; from bool is 0/1', () => {
    const caseArb = fc.record({
      values: fc.array(
        fc.oneof(
          fc.double({ min: -1e9, max: 1e9, noNaN: true }),
          fc.constantFrom(-0.5, 0.5, -1.5, 2.99, 0, -0, Number.NaN, 1e-40),
        ),
        { maxLength: 20 },
      ),
      transpose: fc.boolean(),
    });
    assertProperty(
      fc.property(caseArb, ({ values, transpose }) =>
        T.tidy(() => {
          const n = values.length;
          const base = T.fromTyped(Float64Array.from(values), [n, 1]);
          const x = transpose ? base.T : base;
          const ints = T.cast(x, 'int32');
          expect(ints.dtype).toBe('int32');
          expect(Array.from(ints.dataSync())).toEqual(
            values.map((v) => (Number.isNaN(v) ? 0 : Math.trunc(v) | 0)),
          );
          expect(Array.from(T.cast(x, 'bool').dataSync())).toEqual(values.map((v) => (v !== 0 ? 1 : 0)));
          assertClose(T.cast(x, 'float32').dataSync(), values.map(Math.fround));
          const bools = T.cast(x, 'bool');
          expect(Array.from(T.cast(bools, 'float64').dataSync())).toEqual(
            values.map((v) => (v !== 0 ? 1 : 0)),
          );
          const same = T.cast(x, 'float64');
          expect(same.storage).not.toBe(x.storage);
          assertClose(same.dataSync(), values);
        }),
      ),
      150,
    );
  });
});
