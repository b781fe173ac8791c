import {
  type Code,
  type FunctionBuilder,
  f32,
  f32x4,
  get,
  i32,
  i32x4,
  set,
  ValType,
  v128,
} from './emitter.js';

/*
 * float32 transcendental functions on f32x4 lanes, after Cephes (expf, tanhf): about 1-2 ulp,
 * NaN in gives NaN out, and overflow / underflow give Inf / 0 as Math does. Each generator
 * takes the function (for its temporary locals) and returns a builder of the expression.
 */

export type VectorFunction = (x: Code) => Code;

const V = ValType.v128;
const k = (value: number): Code => f32x4.const(value);

/** Horner's rule: ((c0 x + c1) x + c2) ... with `x` a local. */
function horner(x: number, coefficients: readonly number[]): Code {
  let acc: Code = k(coefficients[0]);
  for (const c of coefficients.slice(1)) acc = f32x4.add(f32x4.mul(acc, get(x)), k(c));
  return acc;
}

/**
 * exp(x): 2^n · e^r with |r| <= ln2/2 and a degree-6 polynomial for e^r; 2^n is built in two
 * halves so that denormal results are right. n comes from the 1.5·2^23 rounding trick (one add,
 * no roundps/cvttps sequences), and the clamp uses pmin/pmax with x first, which keeps NaN (the
 * NaN-exact min/max lower to long instruction sequences on x64).
 */
export function expVector(f: FunctionBuilder): VectorFunction {
  const [t, u, n, r, p] = [f.local(V), f.local(V), f.local(V), f.local(V), f.local(V)];
  const MAGIC = 12582912; // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits
  const magicBits = new Int32Array(new Float32Array([MAGIC]).buffer)[0];
  const pow2 = (exponent: Code) => i32x4.shl(i32x4.add(exponent, i32x4.splat(i32.const(127))), i32.const(23));
  return (x) => [
    set(t, f32x4.pmin(f32x4.pmax(x, k(-104)), k(89))),
    set(u, f32x4.add(f32x4.mul(get(t), k(Math.LOG2E)), k(MAGIC))),
    set(n, f32x4.sub(get(u), k(MAGIC))),
    set(
      r,
      f32x4.sub(f32x4.sub(get(t), f32x4.mul(get(n), k(0.693359375))), f32x4.mul(get(n), k(-2.1219444e-4))),
    ),
    set(
      p,
      horner(r, [1.98756915e-4, 1.39819995e-3, 8.33345191e-3, 4.16657959e-2, 1.66666655e-1, 5.00000012e-1]),
    ),
    set(p, f32x4.add(f32x4.add(f32x4.mul(get(p), f32x4.mul(get(r), get(r))), get(r)), k(1))),
    set(u, i32x4.sub(get(u), i32x4.splat(i32.const(magicBits)))), // u is now n as i32 lanes
    set(n, i32x4.shrS(get(u), i32.const(1))), // and n its half, rounded down
    f32x4.mul(f32x4.mul(get(p), pow2(get(n))), pow2(i32x4.sub(get(u), get(n)))),
  ];
}

/**
 * exp(x) for x <= 0 (softmax after subtracting the row max), NaN kept: XNNPACK's rr2-p5 scheme
 * (two-constant range reduction, degree-5 polynomial, 2^n made by shifting the rounded
 * exponent). Results below the smallest normal float (x < -87.34) are flushed to 0, which is
 * within 1.2e-38 of the true value. Inputs above 0 are not handled (callers route rows whose
 * max is ±Inf or NaN to expVector).
 */
export function expNonPositiveVector(f: FunctionBuilder): VectorFunction {
  const [x0, t, u, n, r, p, s] = Array.from({ length: 7 }, () => f.local(V));
  const CUTOFF = -87.33654022216797; // -0x1.5D589Ep6: below it exp(x) is not a normal float
  // 0x1.8000FEp23 = 1.5·2^23 + 127: after the add, the low mantissa bits hold n + 127 (2^n's biased exponent).
  const MAGIC = 12583039;
  return (x) => [
    set(x0, x),
    set(t, f32x4.pmax(get(x0), k(CUTOFF))),
    set(u, f32x4.add(f32x4.mul(get(t), k(Math.LOG2E)), k(MAGIC))),
    set(s, i32x4.shl(get(u), i32.const(23))),
    set(n, f32x4.sub(get(u), k(MAGIC))),
    set(
      r,
      f32x4.add(
        f32x4.add(get(t), f32x4.mul(get(n), k(-0.693145751953125))),
        f32x4.mul(get(n), k(-1.428606765330187e-6)),
      ),
    ),
    // XNNPACK's minimax coefficients (0x1.0F9F9Cp-7 ... 0x1.FFFFF6p-1)
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
    v128.andNot(f32x4.add(f32x4.mul(get(r), get(p)), get(s)), f32x4.lt(get(x0), k(CUTOFF))),
  ];
}

/**
 * sigmoid(x) as the reference: with e = exp(-|x|), 1 / (1 + e) for x >= 0 and e / (1 + e) below
 * (so sigmoid(-90) is the denormal it should be, not 1 / Inf = 0).
 */
export function sigmoidVector(f: FunctionBuilder): VectorFunction {
  const exp = expVector(f);
  const [v, e] = [f.local(V), f.local(V)];
  return (x) => [
    set(v, x),
    set(e, exp(f32x4.neg(f32x4.abs(get(v))))),
    f32x4.div(v128.bitselect(k(1), get(e), f32x4.ge(get(v), k(0))), f32x4.add(k(1), get(e))),
  ];
}

/** tanh(x): an odd polynomial below |x| = 0.625, else 1 - 2 / (exp(2|x|) + 1) with the sign of x. */
export function tanhVector(f: FunctionBuilder): VectorFunction {
  const exp = expVector(f);
  const [v, ax, z, big] = [f.local(V), f.local(V), f.local(V), f.local(V)];
  const signMask = v128.const([0, 0, 0, 0x80, 0, 0, 0, 0x80, 0, 0, 0, 0x80, 0, 0, 0, 0x80]);
  return (x) => [
    set(v, x),
    set(ax, f32x4.abs(get(v))),
    set(big, f32x4.sub(k(1), f32x4.div(k(2), f32x4.add(exp(f32x4.add(get(ax), get(ax))), k(1))))),
    set(big, v128.or(get(big), v128.and(get(v), signMask))),
    set(z, f32x4.mul(get(v), get(v))),
    v128.bitselect(
      get(big),
      f32x4.add(
        f32x4.mul(
          f32x4.mul(
            horner(
              z,
              [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1],
            ),
            get(z),
          ),
          get(v),
        ),
        get(v),
      ),
      f32x4.ge(get(ax), k(0.625)),
    ),
  ];
}

/** A lane function applied to one float: splat, compute, take lane 0 (for loop tails). */
export function onScalar(fn: VectorFunction, x: Code): Code {
  return f32x4.extractLane(fn(f32x4.splat(x)), 0);
}

/** The largest lane (NaN if any lane is NaN). */
export function horizontalMax(x: number): Code {
  return f32.max(
    f32.max(f32x4.extractLane(get(x), 0), f32x4.extractLane(get(x), 1)),
    f32.max(f32x4.extractLane(get(x), 2), f32x4.extractLane(get(x), 3)),
  );
}

/** The sum of the lanes. */
export function horizontalSum(x: number): Code {
  return f32.add(
    f32.add(f32x4.extractLane(get(x), 0), f32x4.extractLane(get(x), 1)),
    f32.add(f32x4.extractLane(get(x), 2), f32x4.extractLane(get(x), 3)),
  );
}
