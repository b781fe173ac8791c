import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { arrayArb, axesArb, axisArb, shapeArb, shapedArrayArb, toNDArray } from './arbitraries.js';
import { checkProperty, expectGradcheck } from './gradcheck.js';
import { reductionArb } from './properties-reduce.js';
import type { PropertyTable } from './property-table.js';

const alongAxisArb = shapeArb({ minRank: 1 }).chain((shape) =>
  fc.tuple(arrayArb(shape), axisArb(shape.length)),
);

/**
 * layerNorm input: values on a grid of step 0.04 with at least two distinct values per row
 * (when the row has two elements), so the row variance is never tiny and 1/σ stays moderate.
 */
const layerNormArb = shapeArb({ minRank: 1 }).chain((shape) =>
  fc.tuple(
    arrayArb(shape, 'distinct'),
    arrayArb([shape[shape.length - 1]]),
    arrayArb([shape[shape.length - 1]]),
  ),
);

type Reduction = 'mean' | 'sum' | 'none';

/**
 * Logits [...batch, C] and int32 targets: classes, some replaced by the ignore index (negative,
 * or the last class). With the 'mean' reduction the first target is kept when all would be
 * ignored (the mean over none is NaN, as in PyTorch). Built without filters, so shrinking can
 * never reach a case that has no valid target.
 */
const crossEntropyArb = fc
  .record({
    batch: shapeArb({ maxRank: 2, maxDim: 3 }),
    classes: fc.integer({ min: 1, max: 5 }),
    ignore: fc.constantFrom<number | 'lastClass'>(-100, -1, 'lastClass'),
    labelSmoothing: fc.constantFrom(0, 0.1, 0.3),
    reduction: fc.constantFrom<Reduction>('mean', 'sum', 'none'),
  })
  .chain(({ ignore, ...c }) => {
    const ignoreIndex = ignore === 'lastClass' ? (c.classes > 1 ? c.classes - 1 : -1) : ignore;
    return fc.tuple(
      fc.constant({ ...c, ignoreIndex }),
      arrayArb([...c.batch, c.classes]),
      fc
        .array(fc.oneof(fc.integer({ min: 0, max: c.classes - 1 }), fc.constant(ignoreIndex)), {
          minLength: T.sizeOf(c.batch),
          maxLength: T.sizeOf(c.batch),
        })
        .map((targets) =>
          // class 0 is never the ignore index (that is negative or the last of ≥ 2 classes)
          c.reduction === 'mean' && targets.every((t) => t === ignoreIndex)
            ? [0, ...targets.slice(1)]
            : targets,
        ),
    );
  });

export const NN_PROPERTIES: PropertyTable = {
  softmax: {
    'random shape and axis': () =>
      checkProperty(alongAxisArb, ([x, axis]) => expectGradcheck((t) => A.softmax(t, axis), [toNDArray(x)])),
  },
  logSoftmax: {
    'random shape and axis': () =>
      checkProperty(alongAxisArb, ([x, axis]) =>
        expectGradcheck((t) => A.logSoftmax(t, axis), [toNDArray(x)]),
      ),
  },
  logsumexp: {
    'random axes and keepdims': () =>
      checkProperty(reductionArb('any'), ({ x, axes, keepdims }) =>
        expectGradcheck((t) => A.logsumexp(t, axes, { keepdims }), [toNDArray(x)]),
      ),
  },
  layerNorm: {
    'without weight and bias': () =>
      checkProperty(layerNormArb, ([x]) => expectGradcheck((t) => A.layerNorm(t), [toNDArray(x)])),
    'with weight and bias': () =>
      checkProperty(layerNormArb, ([x, w, b]) =>
        expectGradcheck((t, wt, bt) => A.layerNorm(t, wt, bt), [toNDArray(x), toNDArray(w), toNDArray(b)]),
      ),
    'weight only, and bias only': () =>
      checkProperty(layerNormArb, ([x, w, b]) => {
        expectGradcheck((t, wt) => A.layerNorm(t, wt, null), [toNDArray(x), toNDArray(w)]);
        expectGradcheck((t, bt) => A.layerNorm(t, null, bt), [toNDArray(x), toNDArray(b)]);
      }),
    'custom eps': () =>
      checkProperty(layerNormArb, ([x, w]) =>
        expectGradcheck((t, wt) => A.layerNorm(t, wt, null, 0.5), [toNDArray(x), toNDArray(w)]),
      ),
  },
  gelu: {
    'exact (erf)': () =>
      checkProperty(shapedArrayArb('any'), (x) => expectGradcheck((t) => A.gelu(t), [toNDArray(x)])),
    'tanh approximation': () =>
      checkProperty(shapedArrayArb('any'), (x) => expectGradcheck((t) => A.gelu(t, 'tanh'), [toNDArray(x)])),
  },
  crossEntropy: {
    'ignoreIndex, labelSmoothing and every reduction': () =>
      checkProperty(
        crossEntropyArb,
        ([{ batch, ignoreIndex, labelSmoothing, reduction }, logits, targets]) => {
          const t = T.fromTyped(Int32Array.from(targets), batch);
          expectGradcheck(
            (x) => A.crossEntropy(x, t, { ignoreIndex, labelSmoothing, reduction }),
            [toNDArray(logits)],
          );
        },
        60,
      ),
  },
  dropout: {
    'fixed seed, several p, training on and off': () =>
      checkProperty(
        fc.tuple(
          shapedArrayArb('any'),
          fc.constantFrom(0, 0.25, 0.5, 0.9),
          fc.boolean(),
          fc.integer({ min: 0, max: 1000 }),
        ),
        ([x, p, training, seed]) =>
          expectGradcheck((t) => A.dropout(t, p, { seed, training }), [toNDArray(x)]),
      ),
  },
  variance: {
    'random axes, keepdims and correction': () =>
      checkProperty(
        shapeArb()
          .chain((shape) =>
            fc.record({
              x: arrayArb(shape),
              axes: axesArb(shape.length),
              keepdims: fc.boolean(),
              correction: fc.constantFrom(0, 1),
            }),
          )
          // n − correction must stay positive
          .filter(({ x, axes, correction }) => reducedCount(x.shape, axes) > correction),
        ({ x, axes, keepdims, correction }) =>
          expectGradcheck((t) => A.variance(t, axes, { keepdims, correction }), [toNDArray(x)]),
      ),
  },
  clip: {
    // Values are even multiples of 0.02, bounds odd ones: no value sits on a bound.
    'values on both sides of the bounds': () =>
      checkProperty(
        fc.tuple(
          shapeArb().chain((shape) =>
            fc
              .array(fc.integer({ min: -50, max: 50 }), {
                minLength: T.sizeOf(shape),
                maxLength: T.sizeOf(shape),
              })
              .map((ints) => ({ shape, values: ints.map((i) => i * 0.04) })),
          ),
          fc.integer({ min: -40, max: 0 }),
          fc.integer({ min: 0, max: 40 }),
        ),
        ([x, lo, hi]) =>
          expectGradcheck((t) => A.clip(t, lo * 0.04 - 0.02, hi * 0.04 + 0.02), [toNDArray(x)]),
      ),
  },
};

function reducedCount(shape: readonly number[], axes: number | number[] | undefined): number {
  const list = axes === undefined ? shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : axes;
  return list.reduce((n, a) => n * shape[a < 0 ? a + shape.length : a], 1);
}
