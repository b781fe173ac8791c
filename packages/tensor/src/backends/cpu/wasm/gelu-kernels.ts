import { mapRowsKernel } from './elementwise-kernels.js';
import {
  type Code,
  type FunctionBuilder,
  f32x4,
  get,
  i32,
  i32x4,
  type ModuleBuilder,
  set,
  ValType,
  v128,
} from './emitter.js';
import { expVector, type VectorFunction } from './simd-math.js';

/*
 * Fused GELU over rows (the elementwise row table of elementwise-kernels.ts):
 *   gelu_none: x·Φ(x), Φ(x) = erfc(-x/√2)/2, with erfc from Numerical Recipes' erfcc
 *              (t·exp(-z² + P(t)), t = 1/(1 + z/2), relative error < 1.2e-7 for every z >= 0);
 *              Φ(x) = q for x < 0 and 1 - q for x >= 0 where q = erfc(|x|/√2)/2, so neither side
 *              cancels. z² = x²/2 is kept exact (x split into a 12-bit head and a tail), since a
 *              rounded z² costs z²·2^-24 of relative accuracy. Results below ~1e-37 in magnitude
 *              (x < -13) flush to -0.
 *   gelu_tanh: 0.5·x·(1 + tanh(u)) = x / (1 + exp(-2u)), u = √(2/π)(x + 0.044715x³).
 * Both keep NaN, gelu(+Inf) = +Inf and gelu(-Inf) = NaN, as the composites of ops/nn.ts.
 */

const V = ValType.v128;
const k = (value: number): Code => f32x4.const(value);

export type GeluApproximation = 'none' | 'tanh';
export const GELU_APPROXIMATIONS = ['none', 'tanh'] as const satisfies readonly GeluApproximation[];

/** Numerical Recipes' erfcc polynomial in t, highest degree first (the exponent is -z² + P(t)). */
const ERFC_EXPONENT = [
  0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196,
  1.00002368, -1.26551223,
];
/** Past this |x| the result is x (x > 0) or a flushed zero (x < 0); keeps the split of x² finite. */
const ERF_CLAMP = 20;
/** Keeps the sign, exponent and 11 leading mantissa bits: the head of x squares exactly in float32. */
const HEAD_MASK = i32x4.splat(i32.const(0xfffff000 | 0));

function horner(x: number, coefficients: readonly number[]): Code {
  let acc: Code = k(coefficients[0]);
  for (const c of coefficients.slice(1)) acc = f32x4.add(f32x4.mul(acc, get(x)), k(c));
  return acc;
}

/**
 * exp(hi + lo) for hi + lo <= ~0, with `hi` exact and |lo| small: XNNPACK's rr2-p5 scheme
 * (as simd-math.ts's expNonPositiveVector) with lo added after the exact hi - n·ln2_hi, so
 * a large exact `hi` loses nothing. Below -87.34 (not a normal float) the result is 0.
 */
function expSplitVector(f: FunctionBuilder): (hi: Code, lo: Code) => Code {
  const [h, l, sum, t, u, n, r, p, s] = Array.from({ length: 9 }, () => f.local(V));
  const CUTOFF = -87.33654022216797;
  const MAGIC = 12583039; // 1.5·2^23 + 127: after the add, the low mantissa bits hold n + 127
  return (hi, lo) => [
    set(h, hi),
    set(l, lo),
    set(sum, f32x4.add(get(h), get(l))),
    set(t, f32x4.pmax(get(sum), k(CUTOFF))),
    set(u, f32x4.add(f32x4.mul(get(t), k(Math.LOG2E)), k(MAGIC))),
    set(s, i32x4.shl(get(u), i32.const(23))),
    set(n, f32x4.sub(get(u), k(MAGIC))),
    set(
      r,
      f32x4.add(
        f32x4.add(f32x4.add(get(h), f32x4.mul(get(n), k(-0.693145751953125))), get(l)),
        f32x4.mul(get(n), k(-1.428606765330187e-6)),
      ),
    ),
    set(
      p,
      horner(
        r,
        [
          0.008289290592074394, 0.04189782217144966, 0.16667652130126953, 0.4999915063381195,
          0.9999997019767761,
        ],
      ),
    ),
    set(r, f32x4.mul(get(r), get(s))),
    v128.andNot(f32x4.add(f32x4.mul(get(r), get(p)), get(s)), f32x4.lt(get(sum), k(CUTOFF))),
  ];
}

/** x·Φ(x) on f32x4 lanes (see the file comment). */
export function geluErfVector(f: FunctionBuilder): VectorFunction {
  const exp = expSplitVector(f);
  const [v, a, t, head, tail, q] = Array.from({ length: 6 }, () => f.local(V));
  return (x) => [
    set(v, x),
    set(a, f32x4.pmin(f32x4.abs(get(v)), k(ERF_CLAMP))), // pmin keeps NaN
    set(t, f32x4.div(k(1), f32x4.add(k(1), f32x4.mul(get(a), k(0.5 * Math.SQRT1_2))))),
    set(head, v128.and(get(a), HEAD_MASK)),
    set(tail, f32x4.sub(get(a), get(head))),
    // -z² = -(head² + tail·(a + head)) / 2, the head part exact
    set(
      q,
      exp(
        f32x4.mul(f32x4.mul(get(head), get(head)), k(-0.5)),
        f32x4.sub(
          horner(t, ERFC_EXPONENT),
          f32x4.mul(f32x4.mul(get(tail), f32x4.add(get(a), get(head))), k(0.5)),
        ),
      ),
    ),
    set(q, f32x4.mul(f32x4.mul(get(q), get(t)), k(0.5))),
    f32x4.mul(get(v), v128.bitselect(f32x4.sub(k(1), get(q)), get(q), f32x4.ge(get(v), k(0)))),
  ];
}

/** 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) as x / (1 + exp(-2√(2/π)(x + 0.044715x³))). */
export function geluTanhVector(f: FunctionBuilder): VectorFunction {
  const exp = expVector(f);
  const c = -2 * Math.sqrt(2 / Math.PI);
  const v = f.local(V);
  return (x) => [
    set(v, x),
    f32x4.div(
      get(v),
      f32x4.add(
        k(1),
        exp(f32x4.mul(get(v), f32x4.add(k(c), f32x4.mul(k(c * 0.044715), f32x4.mul(get(v), get(v)))))),
      ),
    ),
  ];
}

function geluKernel(approximate: GeluApproximation): FunctionBuilder {
  return mapRowsKernel(`gelu_${approximate}`, approximate === 'none' ? geluErfVector : geluTanhVector);
}

/** Adds the `gelu_none` and `gelu_tanh` chunk kernels (chunk, thread, params) over the elementwise row table. */
export function addGeluKernels(module: ModuleBuilder): void {
  for (const approximate of GELU_APPROXIMATIONS) module.addFunction(geluKernel(approximate));
}

export const GELU_KERNELS = GELU_APPROXIMATIONS.map((approximate) => `gelu_${approximate}` as const);
