import { type BinaryOp, COMPARISON_OPS, type UnaryOp } from '../backend.js';
import { type DType, isFloat, promoteTypes } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { getKernel } from '../kernels.js';
import { NDArray } from '../ndarray.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { full } from './creation.js';
import { sameBackend } from './util.js';

/** Ops whose result is float even for integer input (exp of an int32 is float32). */
const FLOAT_RESULT: ReadonlySet<UnaryOp> = new Set<UnaryOp>([
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'tanh',
  'erf',
  'reciprocal',
  'sin',
  'cos',
  'sigmoid',
  'log1p',
  'expm1',
]);

function unaryDtype(op: UnaryOp, dtype: DType): DType {
  if (op === 'logicalNot') return 'bool';
  if (FLOAT_RESULT.has(op)) return isFloat(dtype) ? dtype : 'float32';
  if (dtype === 'bool' && op !== 'abs' && op !== 'floor' && op !== 'ceil' && op !== 'round') return 'int32';
  return dtype;
}

/** Applies a primitive unary op elementwise. */
export function unary(op: UnaryOp, x: NDArray): NDArray {
  const backend = sameBackend(op, x);
  return new NDArray(getKernel(backend, 'unary')(op, x, unaryDtype(op, x.dtype)), x.shape);
}

function binaryDtype(op: BinaryOp, a: DType, b: DType): DType {
  if (COMPARISON_OPS.has(op)) return 'bool';
  const t = promoteTypes(a, b);
  if ((op === 'div' || op === 'pow') && !isFloat(t)) return 'float32';
  if (t === 'bool' && op !== 'maximum' && op !== 'minimum') return 'int32';
  return t;
}

/** A JS number operand becomes a scalar of the other operand's dtype (it does not widen float32). */
function asArray(op: string, v: NDArray | number, other: NDArray | number): NDArray {
  if (v instanceof NDArray) return v;
  if (!(other instanceof NDArray)) throw new DTypeError(`${op}: at least one operand must be an NDArray`);
  const dtype = Number.isInteger(v) || isFloat(other.dtype) ? other.dtype : 'float32';
  return full([], v, {
    dtype: dtype === 'bool' && v !== 0 && v !== 1 ? 'int32' : dtype,
    backend: other.backend,
  });
}

/** Applies a primitive binary op with NumPy broadcasting; numbers are accepted on either side. */
export function binary(op: BinaryOp, a: NDArray | number, b: NDArray | number): NDArray {
  const temps: NDArray[] = [];
  const temp = (t: NDArray, original: unknown) => (t !== original && temps.push(t), t);
  const x = temp(asArray(op, a, b), a);
  const y = temp(asArray(op, b, a), b);
  const backend = sameBackend(op, x, y);
  const shape = broadcastShapes(op, x.shape, y.shape);
  const xv = shapesEqual(x.shape, shape) ? x : temp(x.expand(shape), x);
  const yv = shapesEqual(y.shape, shape) ? y : temp(y.expand(shape), y);
  const out = new NDArray(getKernel(backend, 'binary')(op, xv, yv, binaryDtype(op, x.dtype, y.dtype)), shape);
  for (const t of temps) t.dispose();
  return out;
}

type Operand = NDArray | number;
export const neg = (x: NDArray) => unary('neg', x);
export const exp = (x: NDArray) => unary('exp', x);
export const log = (x: NDArray) => unary('log', x);
export const sqrt = (x: NDArray) => unary('sqrt', x);
export const rsqrt = (x: NDArray) => unary('rsqrt', x);
export const tanh = (x: NDArray) => unary('tanh', x);
export const erf = (x: NDArray) => unary('erf', x);
export const abs = (x: NDArray) => unary('abs', x);
export const sign = (x: NDArray) => unary('sign', x);
export const reciprocal = (x: NDArray) => unary('reciprocal', x);
export const sin = (x: NDArray) => unary('sin', x);
export const cos = (x: NDArray) => unary('cos', x);
export const relu = (x: NDArray) => unary('relu', x);
export const sigmoid = (x: NDArray) => unary('sigmoid', x);
export const floor = (x: NDArray) => unary('floor', x);
export const ceil = (x: NDArray) => unary('ceil', x);
export const round = (x: NDArray) => unary('round', x);
export const square = (x: NDArray) => unary('square', x);
export const log1p = (x: NDArray) => unary('log1p', x);
export const expm1 = (x: NDArray) => unary('expm1', x);
export const logicalNot = (x: NDArray) => unary('logicalNot', x);

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

/** Picks from `a` where `cond` is true, else from `b`, with broadcasting of all three. */
export function where(cond: NDArray, a: Operand, b: Operand): NDArray {
  // checked before the scalar operands are made, so a failed call leaks nothing
  if (cond.dtype !== 'bool') throw new DTypeError(`where: condition must be bool, got ${cond.dtype}`);
  const x = asArray('where', a, b instanceof NDArray ? b : cond);
  const y = asArray('where', b, x);
  const backend = sameBackend('where', cond, x, y);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, x.shape), y.shape);
  const views = [cond, x, y].map((t) => t.expand(shape));
  const out = new NDArray(
    getKernel(backend, 'where')(views[0], views[1], views[2], promoteTypes(x.dtype, y.dtype)),
    shape,
  );
  for (const v of views) v.dispose();
  if (x !== a) x.dispose();
  if (y !== b) y.dispose();
  return out;
}

/** Converts to `dtype` (floats truncate toward zero into int32; non-zero is true for bool). */
export function cast(x: NDArray, dtype: DType): NDArray {
  const backend = sameBackend('cast', x);
  return new NDArray(getKernel(backend, 'copy')(x, dtype), x.shape);
}
