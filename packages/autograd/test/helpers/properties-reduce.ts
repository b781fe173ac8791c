import * as A from '@typegrad/autograd';
import fc from 'fast-check';
import { arrayArb, axesArb, shapeArb, toNDArray, type ValueKind } from './arbitraries.js';
import { checkProperty, expectGradcheck } from './gradcheck.js';
import type { PropertyTable } from './property-table.js';

type Reduction = (x: A.Tensor, axes?: number | number[], options?: { keepdims?: boolean }) => A.Tensor;

/** A reduction over random axes (all, one, or several, some negative), with and without keepdims. */
export function reductionArb(kind: ValueKind) {
  return shapeArb().chain((shape) =>
    fc.record({ x: arrayArb(shape, kind), axes: axesArb(shape.length), keepdims: fc.boolean() }),
  );
}

function reductionProperty(op: Reduction, kind: ValueKind): Record<string, () => void> {
  return {
    [`random axes and keepdims, ${kind} values`]: () =>
      checkProperty(reductionArb(kind), ({ x, axes, keepdims }) =>
        expectGradcheck((t) => op(t, axes, { keepdims }), [toNDArray(x)]),
      ),
  };
}

export const REDUCE_PROPERTIES: PropertyTable = {
  sum: reductionProperty(A.sum, 'any'),
  mean: reductionProperty(A.mean, 'any'),
  // Distinct values: no ties, so the max is differentiable at the point.
  max: reductionProperty(A.max, 'distinct'),
  min: reductionProperty(A.min, 'distinct'),
};
