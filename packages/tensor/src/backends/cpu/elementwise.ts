import type { BinaryOp, Storage, UnaryOp } from '../../backend.js';
import { allocTyped, type DType } from '../../dtype.js';
import type { NDArray } from '../../ndarray.js';
import { erf } from './math.js';
import { cpuStorage, rowMajor } from './storage.js';

type Unary = (x: number) => number;
type Binary = (a: number, b: number) => number;

/** One scalar function per unary op: the definition every backend is tested against. */
export const UNARY: Record<UnaryOp, Unary> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  tanh: Math.tanh,
  erf,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), // keeps NaN and signed zero
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  relu: (x) => (x > 0 ? x : x === x ? 0 : x),
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x) => Math.sign(x) * Math.round(Math.abs(x)), // half away from zero
  square: (x) => x * x,
  log1p: Math.log1p,
  expm1: Math.expm1,
  logicalNot: (x) => (x === 0 ? 1 : 0), // NaN is non-zero, so true (as NumPy)
};

export const BINARY: Record<BinaryOp, Binary> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a >= b || a !== a ? a : b), // NaN propagates
  minimum: (a, b) => (a <= b || a !== a ? a : b),
  equal: (a, b) => (a === b ? 1 : 0),
  notEqual: (a, b) => (a !== b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  logicalAnd: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
};

export function unaryKernel(op: UnaryOp, x: NDArray, outDtype: DType): Storage {
  const f = UNARY[op];
  const src = rowMajor(x);
  const out = allocTyped(outDtype, src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i]);
  return cpuStorage(out);
}

export function binaryKernel(op: BinaryOp, a: NDArray, b: NDArray, outDtype: DType): Storage {
  const f = BINARY[op];
  const da = rowMajor(a);
  const db = rowMajor(b);
  const out = allocTyped(outDtype, da.length);
  for (let i = 0; i < da.length; i++) out[i] = f(da[i], db[i]);
  return cpuStorage(out);
}

export function whereKernel(cond: NDArray, a: NDArray, b: NDArray, outDtype: DType): Storage {
  const c = rowMajor(cond);
  const da = rowMajor(a);
  const db = rowMajor(b);
  const out = allocTyped(outDtype, c.length);
  for (let i = 0; i < c.length; i++) out[i] = c[i] ? da[i] : db[i];
  return cpuStorage(out);
}

/** Row-major copy, converting dtype by the storing rules (truncation to int32, 0/1 for bool). */
export function copyKernel(x: NDArray, dtype: DType): Storage {
  const src = rowMajor(x);
  if (dtype === 'bool') {
    const out = allocTyped('bool', src.length);
    for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0; // NaN is non-zero
    return cpuStorage(out);
  }
  const out = allocTyped(dtype, src.length);
  out.set(src);
  return cpuStorage(out);
}
