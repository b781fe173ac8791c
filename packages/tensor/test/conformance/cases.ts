import * as T from '@typegrad/tensor';
import type { InputSpec } from './inputs.js';
import type { ToleranceClass } from './tolerances.js';

/** One conformance case: inputs (built alike on both backends), the op, and how close it must be. */
export interface Case {
  name: string;
  tol: ToleranceClass;
  inputs: InputSpec[];
  run: (...xs: T.NDArray[]) => T.NDArray;
}

const f = (...shape: number[]): InputSpec => ({ shape });
const v = (values: InputSpec['values'], ...shape: number[]): InputSpec => ({ shape, values });
const int = (lo: number, hi: number, ...shape: number[]): InputSpec => ({
  shape,
  dtype: 'int32',
  values: { lo, hi },
});
const bool = (...shape: number[]): InputSpec => ({ shape, dtype: 'bool' });

const TRANSCENDENTAL = new Set<T.UnaryOp>([
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'tanh',
  'erf',
  'sin',
  'cos',
  'sigmoid',
  'log1p',
  'expm1',
]);
const POSITIVE_DOMAIN = new Set<T.UnaryOp>(['log', 'sqrt', 'rsqrt', 'reciprocal']);

function unaryCases(): Case[] {
  return T.UNARY_OPS.flatMap((op): Case[] => {
    const tol: ToleranceClass = TRANSCENDENTAL.has(op)
      ? 'transcendental'
      : op === 'reciprocal'
        ? 'arithmetic'
        : 'exact';
    const run = (x: T.NDArray) => T.unary(op, x);
    return [
      { name: `unary ${op}`, tol, inputs: [v(POSITIVE_DOMAIN.has(op) ? 'positive' : 'normal', 6, 7)], run },
      { name: `unary ${op} on special values`, tol, inputs: [v('special', 3, 8)], run },
      {
        name: `unary ${op} on a transposed view`,
        tol,
        inputs: [v(POSITIVE_DOMAIN.has(op) ? 'positive' : 'grid', 4, 5)],
        run: (x) => T.unary(op, x.T),
      },
      { name: `unary ${op} on int32`, tol, inputs: [int(-6, 6, 9)], run },
      { name: `unary ${op} on bool`, tol, inputs: [bool(7)], run },
    ];
  });
}

const COMPARISONS = new Set<T.BinaryOp>([
  'equal',
  'notEqual',
  'less',
  'lessEqual',
  'greater',
  'greaterEqual',
  'logicalAnd',
  'logicalOr',
  'maximum',
  'minimum',
]);

function binaryCases(): Case[] {
  return T.BINARY_OPS.flatMap((op): Case[] => {
    const tol: ToleranceClass =
      op === 'pow' ? 'transcendental' : COMPARISONS.has(op) ? 'exact' : 'arithmetic';
    const run = (a: T.NDArray, b: T.NDArray) => T.binary(op, a, b);
    return [
      {
        name: `binary ${op} broadcast [4,1,5] with [3,1]`,
        tol,
        inputs: [v('grid', 4, 1, 5), v('grid', 3, 1)],
        run,
      },
      { name: `binary ${op} on normal values`, tol, inputs: [f(3, 6), f(3, 6)], run },
      {
        name: `binary ${op} on special values`,
        tol,
        inputs: [v('special', 15), v('special', 15)],
        run: (a, b) => T.binary(op, a, b.slice([null, null, -1])),
      },
      {
        name: `binary ${op} with a number`,
        tol,
        inputs: [v('grid', 2, 5)],
        run: (a) => T.binary(op, a, 1.5),
      },
      { name: `binary ${op} on int32`, tol, inputs: [int(-4, 4, 3, 4), int(1, 3, 4)], run },
      { name: `binary ${op} on bool`, tol, inputs: [bool(3, 4), bool(3, 1)], run },
      { name: `binary ${op} of int32 and float32`, tol, inputs: [int(-3, 3, 5), v('grid', 2, 1)], run },
    ];
  });
}

function reduceCases(): Case[] {
  const ops = ['sum', 'max', 'min', 'prod'] as const;
  return ops.flatMap((op): Case[] => {
    const tol: ToleranceClass = op === 'max' || op === 'min' ? 'exact' : 'reduction';
    const small = op === 'prod' ? 'grid' : 'normal';
    return [
      { name: `${op} over all axes`, tol, inputs: [v(small, 3, 4, 5)], run: (x) => T.reduce(op, x) },
      {
        name: `${op} over axis 1 keepdims`,
        tol,
        inputs: [v(small, 3, 4, 5)],
        run: (x) => T.reduce(op, x, 1, { keepdims: true }),
      },
      {
        name: `${op} over axes [0, 2]`,
        tol,
        inputs: [v(small, 3, 4, 5)],
        run: (x) => T.reduce(op, x, [0, 2]),
      },
      {
        name: `${op} over the last axis of a permuted view`,
        tol,
        inputs: [v(small, 3, 4, 5)],
        run: (x) => T.reduce(op, x.permute([2, 0, 1]), -1),
      },
      {
        name: `${op} over a long axis`,
        tol,
        inputs: [v(op === 'prod' ? { lo: 1, hi: 1 } : 'normal', 2, 3000)],
        run: (x) => T.reduce(op, x, 1),
      },
      {
        // long enough for webgpu's two-pass reduction, over a strided axis and over everything
        name: `${op} over 9000 rows, and over all of them`,
        tol,
        inputs: [v(op === 'prod' ? { lo: 1, hi: 1 } : 'normal', 9000, 3)],
        run: (x) => T.concat([T.reduce(op, x, 0), T.reduce(op, x).reshape([1])]),
      },
      {
        name: `${op} with NaN and infinities`,
        tol,
        inputs: [v('special', 3, 5)],
        run: (x) => T.reduce(op, x, 1),
      },
      {
        name: `${op} with an infinity before finite values`,
        tol,
        inputs: [v('special', 15)],
        run: (x) => T.reduce(op, T.concat([x.slice([13, 14]), x.slice([0, 12])]), 0),
      },
      { name: `${op} of int32`, tol, inputs: [int(-3, 3, 4, 6)], run: (x) => T.reduce(op, x, 0) },
      { name: `${op} of bool`, tol, inputs: [bool(4, 6)], run: (x) => T.reduce(op, x, 1) },
      { name: `${op} over an empty axis`, tol, inputs: [f(3, 0)], run: (x) => T.reduce(op, x, 1) },
    ];
  });
}

function argCases(): Case[] {
  return (['argmax', 'argmin'] as const).flatMap((op): Case[] => [
    {
      name: `${op} along the last axis with ties`,
      tol: 'exact',
      inputs: [v('grid', 5, 9)],
      run: (x) => T.argReduce(op, x, -1),
    },
    {
      name: `${op} along axis 0 of a transposed view`,
      tol: 'exact',
      inputs: [v('grid', 6, 4)],
      run: (x) => T.argReduce(op, x.T, 0, { keepdims: true }),
    },
    { name: `${op} with NaN`, tol: 'exact', inputs: [v('special', 5, 3)], run: (x) => T.argReduce(op, x, 0) },
    { name: `${op} of int32`, tol: 'exact', inputs: [int(-9, 9, 3, 7)], run: (x) => T.argReduce(op, x, 1) },
  ]);
}

function matmulCases(): Case[] {
  const mm = (a: T.NDArray, b: T.NDArray) => T.matmul(a, b);
  return [
    { name: 'matmul [5,7] x [7,3]', tol: 'matmul', inputs: [f(5, 7), f(7, 3)], run: mm },
    { name: 'matmul [33,64] x [64,17]', tol: 'matmul', inputs: [f(33, 64), f(64, 17)], run: mm },
    { name: 'matmul batched [2,3,4,5] x [5,6]', tol: 'matmul', inputs: [f(2, 3, 4, 5), f(5, 6)], run: mm },
    {
      name: 'matmul broadcast batch [2,1,4,5] x [3,5,2]',
      tol: 'matmul',
      inputs: [f(2, 1, 4, 5), f(3, 5, 2)],
      run: mm,
    },
    {
      name: 'matmul a.T x b.T',
      tol: 'matmul',
      inputs: [f(7, 5), f(3, 7)],
      run: (a, b) => T.matmul(a.T, b.T),
    },
    {
      name: 'matmul of batched transposed views',
      tol: 'matmul',
      inputs: [f(2, 6, 4), f(2, 3, 6)],
      run: (a, b) => T.matmul(a.transpose(1, 2), b.transpose(1, 2)),
    },
    {
      name: 'matmul of a sliced view',
      tol: 'matmul',
      inputs: [f(8, 10), f(5, 4)],
      run: (a, b) => T.matmul(a.slice([1, 7, 2], [0, 10, 2]), b),
    },
    { name: 'matmul vector x matrix', tol: 'matmul', inputs: [f(6), f(6, 4)], run: mm },
    { name: 'matmul matrix x vector', tol: 'matmul', inputs: [f(3, 6), f(6)], run: mm },
    { name: 'matmul with K = 0', tol: 'exact', inputs: [f(3, 0), f(0, 4)], run: mm },
  ];
}

function indexingCases(): Case[] {
  return [
    {
      name: 'gather rows with 2-D indices',
      tol: 'exact',
      inputs: [f(6, 4), int(0, 5, 2, 3)],
      run: (x, i) => T.gather(x, i, 0),
    },
    {
      name: 'gather along axis 1 with repeats',
      tol: 'exact',
      inputs: [f(3, 5, 2), int(0, 4, 7)],
      run: (x, i) => T.gather(x, i, 1),
    },
    {
      name: 'gather from a transposed view',
      tol: 'exact',
      inputs: [f(4, 6), int(0, 5, 3)],
      run: (x, i) => T.gather(x.T, i, 0),
    },
    {
      name: 'gather int32 values',
      tol: 'exact',
      inputs: [int(-50, 50, 5, 3), int(0, 4, 4)],
      run: (x, i) => T.gather(x, i, 0),
    },
    {
      name: 'gather with empty indices',
      tol: 'exact',
      inputs: [f(4, 3), int(0, 3, 0)],
      run: (x, i) => T.gather(x, i, 0),
    },
    {
      name: 'scatterAdd rows with repeats',
      tol: 'reduction',
      inputs: [int(0, 3, 9), f(9, 5)],
      run: (i, u) => T.scatterAdd([4, 5], i, u, 0),
    },
    {
      name: 'scatterAdd along axis 1 with 2-D indices',
      tol: 'reduction',
      inputs: [int(0, 2, 2, 3), f(2, 2, 3, 4)],
      run: (i, u) => T.scatterAdd([2, 3, 4], i, u, 1),
    },
    {
      name: 'scatterAdd of a transposed view',
      tol: 'reduction',
      inputs: [int(0, 4, 6), f(3, 6)],
      run: (i, u) => T.scatterAdd([5, 3], i, u.T, 0),
    },
    {
      name: 'scatterAdd int32 updates',
      tol: 'exact',
      inputs: [int(0, 2, 5), int(-9, 9, 5, 2)],
      run: (i, u) => T.scatterAdd([3, 2], i, u, 0),
    },
    {
      name: 'concat two along axis 0',
      tol: 'exact',
      inputs: [f(2, 3), f(4, 3)],
      run: (a, b) => T.concat([a, b], 0),
    },
    {
      name: 'concat five along the last axis (grouped)',
      tol: 'exact',
      inputs: [f(2, 1), f(2, 3), f(2, 2), f(2, 4), f(2, 1)],
      run: (...xs) => T.concat(xs, 1),
    },
    {
      name: 'concat views with an empty part',
      tol: 'exact',
      inputs: [f(3, 4), f(3, 0), f(4, 3)],
      run: (a, b, c) => T.concat([a, b, c.T], 1),
    },
    {
      name: 'concat bool',
      tol: 'exact',
      inputs: [bool(2, 2), bool(1, 2)],
      run: (a, b) => T.concat([a, b], 0),
    },
    {
      name: 'stack along a new middle axis',
      tol: 'exact',
      inputs: [f(3, 2), f(3, 2), f(3, 2)],
      run: (...xs) => T.stack(xs, 1),
    },
  ];
}

function copyCases(): Case[] {
  return [
    {
      name: 'copy of a reversed, strided slice',
      tol: 'exact',
      inputs: [f(6, 7)],
      run: (x) => x.slice([null, null, -2], [1, 6, 2]).contiguous(),
    },
    {
      name: 'copy of a permuted 4-D view',
      tol: 'exact',
      inputs: [f(2, 3, 4, 5)],
      run: (x) => x.permute([3, 1, 0, 2]).contiguous(),
    },
    {
      name: 'copy of a broadcast view',
      tol: 'exact',
      inputs: [f(3, 1)],
      run: (x) => x.expand([2, 3, 4]).contiguous(),
    },
    { name: 'copy of a scalar view', tol: 'exact', inputs: [f(4, 4)], run: (x) => x.slice(2, 3).clone() },
    {
      name: 'reshape of a transposed view',
      tol: 'exact',
      inputs: [f(4, 6)],
      run: (x) => x.T.reshape([3, 8]),
    },
    {
      name: 'cast float32 to int32 truncates toward zero',
      tol: 'exact',
      inputs: [v('special', 12)],
      run: (x) => T.cast(T.mul(x, 3.3), 'int32'),
    },
    { name: 'cast float32 to bool', tol: 'exact', inputs: [v('special', 15)], run: (x) => T.cast(x, 'bool') },
    {
      name: 'cast int32 to float32',
      tol: 'exact',
      inputs: [int(-1000, 1000, 10)],
      run: (x) => T.cast(x, 'float32'),
    },
    {
      name: 'cast bool to float32 and int32',
      tol: 'exact',
      inputs: [bool(8)],
      run: (x) => T.add(T.cast(x, 'float32'), T.cast(T.cast(x, 'int32'), 'float32')),
    },
    { name: 'cast int32 to bool', tol: 'exact', inputs: [int(-2, 2, 10)], run: (x) => T.cast(x, 'bool') },
    {
      name: 'where with broadcasting',
      tol: 'exact',
      inputs: [bool(4, 1), f(1, 5), f(4, 5)],
      run: (c, a, b) => T.where(c, a, b),
    },
    { name: 'where with numbers', tol: 'exact', inputs: [bool(3, 3)], run: (c) => T.where(c, 1.5, -2) },
    {
      name: 'where on int32',
      tol: 'exact',
      inputs: [bool(6), int(-5, 5, 6), int(-5, 5, 1)],
      run: (c, a, b) => T.where(c, a, b),
    },
  ];
}

function compositeCases(): Case[] {
  const weights = [f(2, 3, 8), f(8), f(8)];
  return [
    {
      name: 'softmax along the last axis',
      tol: 'composite',
      inputs: [f(4, 10)],
      run: (x) => T.softmax(T.mul(x, 4), -1),
    },
    {
      name: 'softmax along axis 0 with ±Infinity',
      tol: 'composite',
      inputs: [v('special', 5, 3)],
      run: (x) => T.softmax(T.where(T.notEqual(x, x), 0, x), 0),
    },
    {
      name: 'softmax with +Infinity first in its lane',
      tol: 'composite',
      inputs: [v('special', 15)],
      run: (x) => T.softmax(T.concat([x.slice([13, 14]), x.slice([0, 12])]), 0),
    },
    {
      name: 'logSoftmax with ±Infinity',
      tol: 'composite',
      inputs: [v('special', 3, 5)],
      run: (x) => T.logSoftmax(T.where(T.notEqual(x, x), 0, x), -1),
    },
    { name: 'logSoftmax', tol: 'composite', inputs: [f(3, 7)], run: (x) => T.logSoftmax(x, -1) },
    {
      name: 'logsumexp over two axes',
      tol: 'composite',
      inputs: [f(2, 3, 4)],
      run: (x) => T.logsumexp(x, [0, 2]),
    },
    {
      name: 'layerNorm with weight and bias',
      tol: 'composite',
      inputs: weights,
      run: (x, w, b) => T.layerNorm(x, w, b),
    },
    { name: 'layerNorm without affine', tol: 'composite', inputs: [f(5, 16)], run: (x) => T.layerNorm(x) },
    { name: 'gelu exact', tol: 'composite', inputs: [v('grid', 4, 6)], run: (x) => T.gelu(x) },
    { name: 'gelu tanh', tol: 'composite', inputs: [f(4, 6)], run: (x) => T.gelu(x, 'tanh') },
    {
      name: 'mean and variance',
      tol: 'composite',
      inputs: [f(6, 5)],
      run: (x) => T.add(T.mean(x, 0), T.variance(x, 0, { correction: 1 })),
    },
    {
      name: 'crossEntropy mean with ignoreIndex',
      tol: 'composite',
      inputs: [f(2, 3, 5), int(-1, 4, 2, 3)],
      run: (l, t) => T.crossEntropy(l, t, { ignoreIndex: -1 }),
    },
    {
      name: 'crossEntropy with label smoothing, per row',
      tol: 'composite',
      inputs: [f(4, 6), int(0, 5, 4)],
      run: (l, t) => T.crossEntropy(l, t, { labelSmoothing: 0.1, reduction: 'none' }),
    },
    { name: 'clip', tol: 'exact', inputs: [f(3, 4)], run: (x) => T.clip(x, -0.5, 0.5) },
  ];
}

/** Every case of the suite. */
export function conformanceCases(): Case[] {
  return [
    ...unaryCases(),
    ...binaryCases(),
    ...reduceCases(),
    ...argCases(),
    ...matmulCases(),
    ...indexingCases(),
    ...copyCases(),
    ...compositeCases(),
  ];
}
