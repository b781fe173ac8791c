import type { BinaryOp, UnaryOp } from '@typegrad/tensor';
import * as T from '@typegrad/tensor';
import { record } from '../record.js';
import { Tensor } from '../tensor.js';
import { sumToShape } from './broadcast.js';

/** A Tensor or a JS number (a constant that never needs a gradient). */
export type Operand = Tensor | number;

const arrayOf = (x: Operand) => (typeof x === 'number' ? x : x.value);

/**
 * Backward rule of each unary op: dL/dx from x, the output and dL/dout. 'zero' marks ops whose
 * derivative is 0 almost everywhere (floor, sign, ...); 'none' marks ops with a bool output.
 * The Record type makes a new UnaryOp without a rule a compile error.
 */
const UNARY_RULES: Record<UnaryOp, ((x: Tensor, out: Tensor, g: Tensor) => Tensor) | 'zero' | 'none'> = {
  neg: (_x, _out, g) => neg(g),
  exp: (_x, out, g) => mul(g, out),
  log: (x, _out, g) => div(g, x),
  sqrt: (_x, out, g) => div(g, mul(out, 2)),
  rsqrt: (_x, out, g) => mul(g, mul(pow(out, 3), -0.5)),
  tanh: (_x, out, g) => mul(g, sub(1, square(out))),
  erf: (x, _out, g) => mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI))),
  abs: (x, _out, g) => mul(g, sign(x)),
  sign: 'zero',
  reciprocal: (_x, out, g) => neg(mul(g, square(out))),
  sin: (x, _out, g) => mul(g, cos(x)),
  cos: (x, _out, g) => neg(mul(g, sin(x))),
  relu: (x, _out, g) => mul(g, Tensor.constant(T.cast(T.greater(x.value, 0), x.dtype))),
  sigmoid: (_x, out, g) => mul(g, mul(out, sub(1, out))),
  floor: 'zero',
  ceil: 'zero',
  round: 'zero',
  square: (x, _out, g) => mul(g, mul(x, 2)),
  log1p: (x, _out, g) => div(g, add(x, 1)),
  expm1: (_x, out, g) => mul(g, add(out, 1)),
  logicalNot: 'none',
};

export function unary(op: UnaryOp, x: Tensor): Tensor {
  const rule = UNARY_RULES[op];
  const value = T.unary(op, x.value);
  if (rule === 'none' || !T.isFloat(value.dtype)) return Tensor.constant(value);
  const out: Tensor = record(op, [x], value, (g) => [rule === 'zero' ? zerosLike(x) : rule(x, out, g)]);
  return out;
}

/**
 * Backward rules of binary ops: gradients for a and b before un-broadcasting. Comparisons and
 * logical ops produce bool and are 'none'.
 */
type BinaryRule = (
  a: Operand,
  b: Operand,
  out: Tensor,
  g: Tensor,
  needs: readonly boolean[],
) => [Tensor | null, Tensor | null];

const BINARY_RULES: Record<BinaryOp, BinaryRule | 'none'> = {
  add: (_a, _b, _o, g) => [g, g],
  sub: (_a, _b, _o, g, n) => [g, n[1] ? neg(g) : null],
  mul: (a, b, _o, g, n) => [n[0] ? mul(g, b) : null, n[1] ? mul(g, a) : null],
  div: (a, b, _o, g, n) => [n[0] ? div(g, b) : null, n[1] ? neg(div(mul(g, a), square(b as Tensor))) : null],
  pow: (a, b, out, g, n) => [
    // A number exponent is folded here: sub(b, 1) of two numbers has no array to work on.
    n[0] ? mul(g, mul(b, pow(a, typeof b === 'number' ? b - 1 : sub(b, 1)))) : null,
    // d/db a^b = a^b log a, taken as 0 where a <= 0 (b is usually a constant there)
    n[1] ? mul(g, mul(out, logOfPositive(a))) : null,
  ],
  maximum: (a, b, _o, g, n) => pickGradient(a, b, g, n, 'greater'),
  minimum: (a, b, _o, g, n) => pickGradient(a, b, g, n, 'less'),
  equal: 'none',
  notEqual: 'none',
  less: 'none',
  lessEqual: 'none',
  greater: 'none',
  greaterEqual: 'none',
  logicalAnd: 'none',
  logicalOr: 'none',
};

/** log a where a > 0, else 0 (a number base stays a number). */
function logOfPositive(a: Operand): Operand {
  if (typeof a === 'number') return a > 0 ? Math.log(a) : 0;
  return log(where(greater(a, 0), a, 1));
}

/** Gradient of maximum/minimum: to the winner; split evenly on ties (as PyTorch). */
function pickGradient(
  a: Operand,
  b: Operand,
  g: Tensor,
  n: readonly boolean[],
  wins: 'greater' | 'less',
): [Tensor | null, Tensor | null] {
  const av = arrayOf(a);
  const bv = arrayOf(b);
  const weight = T.tidy(() =>
    T.add(
      T.cast(wins === 'greater' ? T.greater(av, bv) : T.less(av, bv), g.dtype),
      T.mul(T.cast(T.equal(av, bv), g.dtype), 0.5),
    ),
  );
  const wa = Tensor.constant(weight);
  return [n[0] ? mul(g, wa) : null, n[1] ? mul(g, sub(1, wa)) : null];
}

export function binary(op: BinaryOp, a: Operand, b: Operand): Tensor {
  const value = T.binary(op, arrayOf(a), arrayOf(b));
  const rule = BINARY_RULES[op];
  const inputs = [a, b].filter((x): x is Tensor => x instanceof Tensor);
  if (rule === 'none' || !T.isFloat(value.dtype)) return Tensor.constant(value);
  const out: Tensor = record(op, inputs, value, (g) => {
    const needs = [a instanceof Tensor && a.requiresGrad, b instanceof Tensor && b.requiresGrad];
    const [ga, gb] = rule(a, b, out, g, needs);
    const grads: (Tensor | null)[] = [];
    if (a instanceof Tensor) grads.push(ga && needs[0] ? sumToShape(ga, a.shape) : null);
    if (b instanceof Tensor) grads.push(gb && needs[1] ? sumToShape(gb, b.shape) : null);
    return grads;
  });
  return out;
}

export const neg = (x: Tensor) => unary('neg', x);
export const exp = (x: Tensor) => unary('exp', x);
export const log = (x: Tensor) => unary('log', x);
export const sqrt = (x: Tensor) => unary('sqrt', x);
export const rsqrt = (x: Tensor) => unary('rsqrt', x);
export const tanh = (x: Tensor) => unary('tanh', x);
export const erf = (x: Tensor) => unary('erf', x);
export const abs = (x: Tensor) => unary('abs', x);
export const sign = (x: Tensor) => unary('sign', x);
export const reciprocal = (x: Tensor) => unary('reciprocal', x);
export const sin = (x: Tensor) => unary('sin', x);
export const cos = (x: Tensor) => unary('cos', x);
export const relu = (x: Tensor) => unary('relu', x);
export const sigmoid = (x: Tensor) => unary('sigmoid', x);
export const floor = (x: Tensor) => unary('floor', x);
export const ceil = (x: Tensor) => unary('ceil', x);
export const round = (x: Tensor) => unary('round', x);
export const square = (x: Tensor) => unary('square', x);
export const log1p = (x: Tensor) => unary('log1p', x);
export const expm1 = (x: Tensor) => unary('expm1', x);
export const logicalNot = (x: Tensor) => unary('logicalNot', x);

export const add = (a: Operand, b: Operand) => binary('add', a, b);
export const sub = (a: Operand, b: Operand) => binary('sub', a, b);
export const mul = (a: Operand, b: Operand) => binary('mul', a, b);
export const div = (a: Operand, b: Operand) => binary('div', a, b);
export const pow = (a: Operand, b: Operand) => binary('pow', a, b);
export const maximum = (a: Operand, b: Operand) => binary('maximum', a, b);
export const minimum = (a: Operand, b: Operand) => binary('minimum', a, b);
export const equal = (a: Operand, b: Operand) => binary('equal', a, b);
export const notEqual = (a: Operand, b: Operand) => binary('notEqual', a, b);
export const less = (a: Operand, b: Operand) => binary('less', a, b);
export const lessEqual = (a: Operand, b: Operand) => binary('lessEqual', a, b);
export const greater = (a: Operand, b: Operand) => binary('greater', a, b);
export const greaterEqual = (a: Operand, b: Operand) => binary('greaterEqual', a, b);
export const logicalAnd = (a: Operand, b: Operand) => binary('logicalAnd', a, b);
export const logicalOr = (a: Operand, b: Operand) => binary('logicalOr', a, b);

/** Picks `a` where `cond` (a bool Tensor or array) holds, else `b`; gradients flow to the picked side. */
export function where(cond: Tensor | T.NDArray, a: Operand, b: Operand): Tensor {
  const c = cond instanceof Tensor ? cond.value : cond;
  const value = T.where(c, arrayOf(a), arrayOf(b));
  const inputs = [a, b].filter((x): x is Tensor => x instanceof Tensor);
  return record('where', inputs, value, (g) => {
    const grads: (Tensor | null)[] = [];
    if (a instanceof Tensor) grads.push(a.requiresGrad ? sumToShape(where(c, g, 0), a.shape) : null);
    if (b instanceof Tensor) grads.push(b.requiresGrad ? sumToShape(where(c, 0, g), b.shape) : null);
    return grads;
  });
}

export function zerosLike(x: Tensor): Tensor {
  return Tensor.constant(T.zerosLike(x.value));
}

/** Converts dtype; the gradient converts back (none flows into integer or bool results). */
export function cast(x: Tensor, dtype: T.DType): Tensor {
  const value = T.cast(x.value, dtype);
  if (!T.isFloat(dtype) || !T.isFloat(x.dtype)) return Tensor.constant(value);
  return record('cast', [x], value, (g) => [cast(g, x.dtype)]);
}
