import * as A from '@typegrad/autograd';
import fc from 'fast-check';
import { arrayArb, broadcastingShapeArb, shapeArb, toNDArray } from './arbitraries.js';
import { checkProperty, expectGradcheck } from './gradcheck.js';
import type { PropertyTable } from './property-table.js';

const dim = fc.integer({ min: 1, max: 4 });

/** Batch shapes of a and b that broadcast together (e.g. [2, 1] and [3]). */
const batchPairArb = shapeArb({ maxRank: 2, maxDim: 3 }).chain((batch) =>
  fc.tuple(broadcastingShapeArb(batch), broadcastingShapeArb(batch)),
);

/** Shapes of a and b for one matmul layout. */
type Layout = 'matrix × matrix' | 'vector × matrix' | 'matrix × vector' | 'vector × vector';
function operandShapesArb(layout: Layout): fc.Arbitrary<[number[], number[]]> {
  return fc.tuple(batchPairArb, dim, dim, dim).map(([[ba, bb], m, k, n]): [number[], number[]] => {
    const left = layout.startsWith('vector') ? [k] : [...ba, m, k];
    const right = layout.endsWith('vector') ? [k] : [...bb, k, n];
    return [left, right];
  });
}

function matmulProperty(layout: Layout): () => void {
  return () =>
    checkProperty(
      operandShapesArb(layout).chain(([sa, sb]) => fc.tuple(arrayArb(sa), arrayArb(sb))),
      ([a, b]) => expectGradcheck(A.matmul, [toNDArray(a), toNDArray(b)]),
    );
}

export const MATMUL_PROPERTIES: PropertyTable = {
  matmul: {
    'matrices with broadcast batch dims': matmulProperty('matrix × matrix'),
    '1-D left operand (batched right)': matmulProperty('vector × matrix'),
    '1-D right operand (batched left)': matmulProperty('matrix × vector'),
    'two vectors (dot product)': matmulProperty('vector × vector'),
    'a transposed view as operand': () =>
      checkProperty(
        fc.tuple(dim, dim, dim).chain(([m, k, n]) => fc.tuple(arrayArb([k, m]), arrayArb([k, n]))),
        ([a, b]) => expectGradcheck((x, y) => A.matmul(A.transpose(x), y), [toNDArray(a), toNDArray(b)]),
      ),
  },
};
