import * as A from '@typegrad/autograd';
import type { SliceSpec } from '@typegrad/tensor';
import fc from 'fast-check';
import {
  arrayArb,
  axisArb,
  broadcastingShapeArb,
  indicesArb,
  int32Array,
  shapeArb,
  shapedArrayArb,
  toNDArray,
} from './arbitraries.js';
import { checkProperty, expectGradcheck } from './gradcheck.js';
import type { PropertyTable } from './property-table.js';

/** A random shape with its values and one more generated thing that depends on the shape. */
function withShape<V>(
  make: (shape: number[]) => fc.Arbitrary<V>,
  options: Parameters<typeof shapeArb>[0] = {},
) {
  return shapeArb(options).chain((shape) => fc.tuple(arrayArb(shape), make(shape)));
}

/** Same elements, another shape: the dims shuffled, size-1 axes inserted, maybe one -1. */
const reshapeTargetArb = (shape: number[]) =>
  fc
    .tuple(
      fc.shuffledSubarray(shape, { minLength: shape.length, maxLength: shape.length }),
      fc.integer({ min: 0, max: 2 }),
      fc.boolean(),
    )
    .map(([dims, ones, inferOne]) => {
      const target = [...dims, ...new Array<number>(ones).fill(1)];
      if (inferOne && target.length > 0) target[0] = -1;
      return target;
    });

const permutationArb = (rank: number) => {
  const axes = Array.from({ length: rank }, (_, i) => i);
  return fc.shuffledSubarray(axes, { minLength: rank, maxLength: rank });
};

/** One slice spec for an axis of size `dim`: all, an index (maybe negative), or start/stop/step. */
const sliceSpecArb = (dim: number): fc.Arbitrary<SliceSpec> => {
  const bound = fc.option(fc.integer({ min: -dim - 1, max: dim + 1 }), { nil: null });
  const step = fc.option(
    fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0),
    { nil: null },
  );
  return fc.oneof(
    fc.constant(null),
    fc.integer({ min: -dim, max: dim - 1 }),
    fc.tuple(bound, bound, step).map(([start, stop, s]): SliceSpec => [start, stop, s]),
    // a full reversal, the common negative-step case
    fc.constant([null, null, -1] as const),
  );
};

/** Specs for some leading axes (missing trailing specs mean "all"). */
const sliceSpecsArb = (shape: number[]) =>
  fc
    .tuple(...shape.map(sliceSpecArb))
    .chain((specs) => fc.integer({ min: 0, max: specs.length }).map((n) => specs.slice(0, n)));

/** Shapes that agree except along `axis` (concat/stack inputs). */
const piecesArb = (sizeAlongAxisMin: number) =>
  shapeArb({ minRank: 1, maxSize: 12 }).chain((shape) =>
    fc
      .tuple(fc.constant(shape), axisArb(shape.length), fc.integer({ min: 1, max: 3 }))
      .chain(([s, axis, n]) =>
        fc
          .array(fc.integer({ min: sizeAlongAxisMin, max: 3 }), { minLength: n, maxLength: n })
          .chain((sizes) => {
            const a = axis < 0 ? axis + s.length : axis;
            return fc.tuple(
              fc.constant(axis),
              fc.tuple(...sizes.map((d) => arrayArb(s.map((e, i) => (i === a ? d : e))))),
            );
          }),
      ),
  );

export const SHAPE_PROPERTIES: PropertyTable = {
  reshape: {
    'shuffled dims, inserted ones and -1': () =>
      checkProperty(withShape(reshapeTargetArb), ([x, target]) =>
        expectGradcheck((t) => A.reshape(t, target), [toNDArray(x)]),
      ),
    'reshape of a non-contiguous view': () =>
      checkProperty(
        withShape(() => fc.constant(null), { minRank: 2 }),
        ([x]) => expectGradcheck((t) => A.reshape(A.transpose(t, 0, -1), [-1]), [toNDArray(x)]),
      ),
  },
  permute: {
    'random permutations': () =>
      checkProperty(
        withShape((shape) => permutationArb(shape.length)),
        ([x, axes]) => expectGradcheck((t) => A.permute(t, axes), [toNDArray(x)]),
      ),
    // A cycle is not its own inverse, so a rule that reused the forward axes would fail here.
    'cyclic shift of three or four axes': () =>
      checkProperty(
        shapeArb({ minRank: 3, maxRank: 4, maxDim: 3, maxSize: 36 }).chain((shape) =>
          fc.tuple(arrayArb(shape), fc.integer({ min: 1, max: shape.length - 1 })),
        ),
        ([x, shift]) => {
          const rank = x.shape.length;
          const axes = Array.from({ length: rank }, (_, i) => (i + shift) % rank);
          expectGradcheck((t) => A.permute(t, axes), [toNDArray(x)]);
        },
      ),
    'negative axes': () =>
      checkProperty(
        withShape((shape) => permutationArb(shape.length), { minRank: 1 }),
        ([x, axes]) =>
          expectGradcheck(
            (t) =>
              A.permute(
                t,
                axes.map((a) => a - axes.length),
              ),
            [toNDArray(x)],
          ),
      ),
  },
  transpose: {
    'random pair of axes': () =>
      checkProperty(
        withShape((shape) => fc.tuple(axisArb(shape.length), axisArb(shape.length)), { minRank: 1 }),
        ([x, [a, b]]) => expectGradcheck((t) => A.transpose(t, a, b), [toNDArray(x)]),
      ),
    'default: last two axes (the .T getter)': () =>
      checkProperty(
        withShape(() => fc.constant(null), { minRank: 2 }),
        ([x]) => expectGradcheck((t) => t.T, [toNDArray(x)]),
      ),
  },
  expand: {
    'size-1 and new leading axes broadcast': () =>
      checkProperty(
        shapeArb({ maxSize: 12 }).chain((out) =>
          fc.tuple(
            fc.constant(out),
            broadcastingShapeArb(out).chain((small) => arrayArb(small)),
          ),
        ),
        ([out, x]) => expectGradcheck((t) => A.expand(t, out), [toNDArray(x)]),
      ),
  },
  squeeze: {
    'all size-1 axes, or some of them': () =>
      checkProperty(
        shapeArb({ maxDim: 3 }).chain((shape) => {
          const ones = shape.flatMap((d, i) => (d === 1 ? [i] : []));
          return fc.tuple(arrayArb(shape), fc.option(fc.subarray(ones), { nil: undefined }));
        }),
        ([x, axes]) => expectGradcheck((t) => A.squeeze(t, axes), [toNDArray(x)]),
      ),
  },
  unsqueeze: {
    'any axis, negative ones too': () =>
      checkProperty(
        withShape((shape) => fc.integer({ min: -shape.length - 1, max: shape.length })),
        ([x, axis]) => expectGradcheck((t) => A.unsqueeze(t, axis), [toNDArray(x)]),
      ),
  },
  flatten: {
    'random start and end': () =>
      checkProperty(
        withShape(
          (shape) =>
            fc
              .tuple(fc.nat(shape.length - 1), fc.nat(shape.length - 1))
              .map(([p, q]) => [Math.min(p, q), Math.max(p, q) - shape.length] as const),
          { minRank: 1 },
        ),
        ([x, [start, end]]) => expectGradcheck((t) => A.flatten(t, start, end), [toNDArray(x)]),
      ),
    'a scalar becomes [1]': () =>
      checkProperty(arrayArb([]), (x) => expectGradcheck((t) => A.flatten(t), [toNDArray(x)])),
  },
  contiguous: {
    'of a permuted (strided) view': () =>
      checkProperty(
        withShape((shape) => permutationArb(shape.length)),
        ([x, axes]) => expectGradcheck((t) => A.contiguous(A.permute(t, axes)), [toNDArray(x)]),
      ),
  },
  slice: {
    'indices, ranges and steps (negative too)': () =>
      checkProperty(withShape(sliceSpecsArb, { minRank: 1 }), ([x, specs]) =>
        expectGradcheck((t) => A.slice(t, ...specs), [toNDArray(x)]),
      ),
    'slice of a slice of a transposed view': () =>
      checkProperty(
        withShape(() => fc.constant(null), { minRank: 2 }),
        ([x]) =>
          expectGradcheck(
            (t) => A.slice(A.slice(A.transpose(t, 0, 1), [null, null, -1]), null, [1, null, 2]),
            [toNDArray(x)],
          ),
      ),
  },
  gather: {
    'random axis, repeated indices of any shape': () =>
      checkProperty(
        withShape(
          (shape) =>
            axisArb(shape.length).chain((axis) =>
              fc.tuple(fc.constant(axis), indicesArb(shape[axis < 0 ? axis + shape.length : axis])),
            ),
          { minRank: 1, maxSize: 12 },
        ),
        ([x, [axis, idx]]) => expectGradcheck((t) => A.gather(t, int32Array(idx), axis), [toNDArray(x)]),
      ),
  },
  scatterAdd: {
    'random axis, repeated indices (updates add up)': () =>
      checkProperty(
        shapeArb({ minRank: 1, maxSize: 12 }).chain((shape) =>
          axisArb(shape.length).chain((axis) => {
            const a = axis < 0 ? axis + shape.length : axis;
            return indicesArb(shape[a]).chain((idx) =>
              fc.tuple(
                fc.constant(shape),
                fc.constant(axis),
                fc.constant(idx),
                arrayArb([...shape.slice(0, a), ...idx.shape, ...shape.slice(a + 1)]),
              ),
            );
          }),
        ),
        ([shape, axis, idx, updates]) =>
          expectGradcheck((u) => A.scatterAdd(shape, int32Array(idx), u, axis), [toNDArray(updates)]),
      ),
  },
  concat: {
    'one to three pieces along a random axis': () =>
      checkProperty(piecesArb(1), ([axis, pieces]) =>
        expectGradcheck((...xs) => A.concat(xs, axis), pieces.map(toNDArray)),
      ),
    'the same tensor twice': () =>
      checkProperty(shapedArrayArb('any', { minRank: 1 }), (x) =>
        expectGradcheck((t) => A.concat([t, A.square(t)], -1), [toNDArray(x)]),
      ),
  },
  stack: {
    'one to three tensors on a new axis anywhere': () =>
      checkProperty(
        shapeArb({ maxSize: 8 }).chain((shape) =>
          fc.tuple(
            fc.integer({ min: -shape.length - 1, max: shape.length }),
            fc
              .integer({ min: 1, max: 3 })
              .chain((n) => fc.array(arrayArb(shape), { minLength: n, maxLength: n })),
          ),
        ),
        ([axis, xs]) => expectGradcheck((...ts) => A.stack(ts, axis), xs.map(toNDArray)),
      ),
  },
  split: {
    // A scalar function of every piece, with weights that depend on the piece index and the
    // values themselves, so a gradient routed to the wrong place or piece shows up.
    'into sizes or equal sections along a random axis': () =>
      checkProperty(
        piecesArb(0).chain(([axis, pieces]) => {
          const rank = pieces[0].shape.length;
          const a = axis < 0 ? axis + rank : axis;
          const sizes = pieces.map((p) => p.shape[a]);
          const total = sizes.reduce((p, q) => p + q, 0);
          const divisors = [1, 2, 3].filter((n) => total % n === 0);
          return fc.tuple(
            fc.constant(axis),
            arrayArb(pieces[0].shape.map((d, i) => (i === a ? total : d))),
            fc.oneof(fc.constant<number[] | number>(sizes), fc.constantFrom<number[] | number>(...divisors)),
          );
        }),
        ([axis, x, sections]) =>
          expectGradcheck(
            (t) =>
              A.split(t, sections, axis).reduce(
                (acc, piece, i) => A.add(acc, A.sum(A.mul(A.square(piece), i + 1))),
                A.tensor([0], { dtype: 'float64' }),
              ),
            [toNDArray(x)],
          ),
      ),
  },
  sumToShape: {
    'from a broadcast shape back to the original': () =>
      checkProperty(
        shapeArb({ maxSize: 12 }).chain((out) => fc.tuple(arrayArb(out), broadcastingShapeArb(out))),
        ([g, shape]) => expectGradcheck((t) => A.sumToShape(t, shape), [toNDArray(g)]),
      ),
  },
};
