import * as A from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import {
  type ArrayData,
  arrayArb,
  broadcastShapesArb,
  shapedArrayArb,
  toNDArray,
  type ValueKind,
} from './arbitraries.js';
import { checkProperty, expectGradcheck } from './gradcheck.js';
import type { PropertyTable } from './property-table.js';

type Unary = (x: A.Tensor) => A.Tensor;
type Binary = (a: A.Tensor | number, b: A.Tensor | number) => A.Tensor;

/** A unary op on random shapes, values of `kind`. */
function unaryProperty(op: Unary, kind: ValueKind): Record<string, () => void> {
  return {
    [`random shapes, ${kind} values`]: () =>
      checkProperty(shapedArrayArb(kind), (x) => expectGradcheck(op, [toNDArray(x)])),
  };
}

/** Two arrays of broadcasting shapes with values of the given kinds. */
const broadcastPairArb = (kindA: ValueKind, kindB: ValueKind) =>
  broadcastShapesArb(2).chain(({ inputs: [sa, sb] }) => fc.tuple(arrayArb(sa, kindA), arrayArb(sb, kindB)));

/**
 * A binary op on broadcasting pairs and with a number on either side. `number` is the constant
 * used as the number operand (it must lie in the domain of the side it replaces).
 */
function binaryProperties(
  op: Binary,
  kindA: ValueKind,
  kindB: ValueKind,
  numbers: { left: number; right: number },
): Record<string, () => void> {
  return {
    'broadcasting pairs': () =>
      checkProperty(broadcastPairArb(kindA, kindB), ([a, b]) =>
        expectGradcheck(op, [toNDArray(a), toNDArray(b)]),
      ),
    'number on the right': () =>
      checkProperty(shapedArrayArb(kindA), (a) =>
        expectGradcheck((x) => op(x, numbers.right), [toNDArray(a)]),
      ),
    'number on the left': () =>
      checkProperty(shapedArrayArb(kindB), (b) =>
        expectGradcheck((x) => op(numbers.left, x), [toNDArray(b)]),
      ),
    'same tensor on both sides (gradients add)': () =>
      checkProperty(shapedArrayArb(kindA === kindB ? kindA : 'positive'), (a) =>
        expectGradcheck((x) => op(x, x), [toNDArray(a)]),
      ),
  };
}

/**
 * maximum/minimum need a and b never equal: a takes even multiples of 0.02, b odd ones, and
 * the number operand (0.01) is neither.
 */
function extremumProperties(op: Binary): Record<string, () => void> {
  const grid = (shape: number[], odd: boolean) =>
    fc
      .array(fc.integer({ min: -50, max: 50 }), { minLength: T.sizeOf(shape), maxLength: T.sizeOf(shape) })
      .map((ints): ArrayData => ({ shape, values: ints.map((i) => (2 * i + (odd ? 1 : 0)) * 0.02) }));
  const pair = broadcastShapesArb(2).chain(({ inputs: [sa, sb] }) =>
    fc.tuple(grid(sa, false), grid(sb, true)),
  );
  return {
    'broadcasting pairs without ties': () =>
      checkProperty(pair, ([a, b]) => expectGradcheck(op, [toNDArray(a), toNDArray(b)])),
    'number on either side': () =>
      checkProperty(shapedArrayArb('distinct'), (a) => {
        expectGradcheck((x) => op(x, 0.01), [toNDArray(a)]);
        expectGradcheck((x) => op(0.01, x), [toNDArray(a)]);
      }),
  };
}

export const ELEMENTWISE_PROPERTIES: PropertyTable = {
  neg: unaryProperty(A.neg, 'any'),
  exp: unaryProperty(A.exp, 'any'),
  log: unaryProperty(A.log, 'positive'),
  sqrt: unaryProperty(A.sqrt, 'positive'),
  rsqrt: unaryProperty(A.rsqrt, 'positive'),
  tanh: unaryProperty(A.tanh, 'any'),
  erf: unaryProperty(A.erf, 'any'),
  abs: unaryProperty(A.abs, 'awayFromZero'),
  sign: unaryProperty(A.sign, 'awayFromZero'),
  reciprocal: unaryProperty(A.reciprocal, 'awayFromZero'),
  sin: unaryProperty(A.sin, 'any'),
  cos: unaryProperty(A.cos, 'any'),
  relu: unaryProperty(A.relu, 'awayFromZero'),
  sigmoid: unaryProperty(A.sigmoid, 'any'),
  floor: unaryProperty(A.floor, 'nonInteger'),
  ceil: unaryProperty(A.ceil, 'nonInteger'),
  round: unaryProperty(A.round, 'nonInteger'),
  square: unaryProperty(A.square, 'any'),
  log1p: unaryProperty(A.log1p, 'positive'),
  expm1: unaryProperty(A.expm1, 'any'),

  add: binaryProperties(A.add, 'any', 'any', { left: 0.7, right: -1.3 }),
  sub: binaryProperties(A.sub, 'any', 'any', { left: 0.7, right: -1.3 }),
  mul: binaryProperties(A.mul, 'any', 'any', { left: 0.7, right: -1.3 }),
  div: binaryProperties(A.div, 'any', 'awayFromZero', { left: 0.7, right: -1.3 }),
  pow: {
    ...binaryProperties(A.pow, 'positive', 'any', { left: 1.7, right: -1.3 }),
    'integer exponent of a negative base': () =>
      checkProperty(shapedArrayArb('awayFromZero'), (a) =>
        expectGradcheck((x) => A.pow(x, 3), [toNDArray(a)]),
      ),
  },
  maximum: extremumProperties(A.maximum),
  minimum: extremumProperties(A.minimum),

  where: {
    'condition, a and b of broadcasting shapes': () =>
      checkProperty(
        broadcastShapesArb(3).chain(({ inputs: [sc, sa, sb] }) =>
          fc.tuple(
            fc.array(fc.boolean(), { minLength: T.sizeOf(sc), maxLength: T.sizeOf(sc) }),
            fc.constant(sc),
            arrayArb(sa),
            arrayArb(sb),
          ),
        ),
        ([flags, sc, a, b]) => {
          const cond = T.fromArray(flags, { dtype: 'bool', shape: sc });
          expectGradcheck((x, y) => A.where(cond, x, y), [toNDArray(a), toNDArray(b)]);
        },
      ),
    'a number on either side': () =>
      checkProperty(
        shapedArrayArb('any').chain((a) =>
          fc.tuple(
            fc.constant(a),
            fc.array(fc.boolean(), { minLength: a.values.length, maxLength: a.values.length }),
          ),
        ),
        ([a, flags]) => {
          const cond = A.tensor(flags, { dtype: 'bool', shape: a.shape });
          expectGradcheck((x) => A.where(cond, x, 0.5), [toNDArray(a)]);
          expectGradcheck((x) => A.where(cond, -0.5, x), [toNDArray(a)]);
        },
      ),
  },

  cast: {
    'float64 to float64': () =>
      checkProperty(shapedArrayArb('any'), (x) =>
        expectGradcheck((t) => A.cast(t, 'float64'), [toNDArray(x)]),
      ),
    // Through float32 the forward is rounded to ~1e-7, so finite differences need a large step.
    'float64 to float32 and back': () =>
      checkProperty(shapedArrayArb('any'), (x) =>
        expectGradcheck((t) => A.cast(A.mul(A.cast(t, 'float32'), 3), 'float64'), [toNDArray(x)], {
          eps: 1e-2,
          atol: 1e-3,
          rtol: 1e-3,
        }),
      ),
  },
};
