import { forEachRow, rowParam, vectorLoop } from './elementwise-kernels.js';
import {
  type Code,
  call,
  FunctionBuilder,
  f32,
  f32x4,
  f64,
  get,
  i32,
  ifThen,
  type ModuleBuilder,
  set,
  ValType,
  v128,
} from './emitter.js';
import {
  expNonPositiveVector,
  expVector,
  horizontalMax,
  horizontalSum,
  onScalar,
  type VectorFunction,
} from './simd-math.js';

/*
 * Fused kernels over the last axis, one row at a time (the row stays in L1 between passes).
 * They follow the composites in ops/nn.ts step for step, so that they agree to rounding:
 *   softmax:    m = max (0 when ±Inf), e = exp(x - m), out = e * (1 / sum(e))
 *   logSoftmax: out = x - (log(sum(exp(x - m))) + m)
 *   layerNorm:  c = x - mean, out = c * (1 / sqrt(mean(c²) + eps)) * weight + bias
 * Row table entries are [xOffset, -, outOffset, length]; layerNorm's weight and bias come as
 * operands b and c (the driver passes ones and zeros when they are absent).
 */

const I = ValType.i32;
const V = ValType.v128;
const F = ValType.f32;

const at = (base: number, offset: number) => i32.add(get(base), get(offset));

/**
 * Row max, NaN when the row has one, then 0 where it is ±Inf (the composite's stableMax).
 * pmax is one instruction but drops NaN, so NaN lanes are flagged on the side.
 */
function stableRowMax(f: FunctionBuilder, x: number, length: number, m: number, special: number): Code {
  const [acc, nan, v] = [f.local(V), f.local(V), f.local(V)];
  return [
    set(acc, f32x4.const(Number.NEGATIVE_INFINITY)),
    set(nan, f32x4.const(0)),
    set(m, f32.const(Number.NEGATIVE_INFINITY)),
    vectorLoop(
      f,
      length,
      (o) => [
        set(v, v128.load(at(x, o))),
        set(acc, f32x4.pmax(get(acc), get(v))),
        set(nan, v128.or(get(nan), f32x4.ne(get(v), get(v)))),
      ],
      (o) => set(m, f32.max(get(m), f32.load(at(x, o)))),
    ),
    set(m, f32.max(get(m), horizontalMax(acc))),
    ifThen(v128.anyTrue(get(nan)), set(m, f32.const(Number.NaN))),
    // ±Inf and NaN rows take the general exp: x - m may then be +Inf or NaN
    set(special, i32.eqz(f32.lt(f32.abs(get(m)), f32.const(Number.POSITIVE_INFINITY)))),
    ifThen(f32.eq(f32.abs(get(m)), f32.const(Number.POSITIVE_INFINITY)), set(m, f32.const(0))),
  ];
}

/**
 * Sum of exp(x - m) over the row; with `store`, each exp is also written to out. Finite rows
 * (x - m <= 0) use the fast exp; rows flagged `special` the general one.
 */
function sumExp(
  f: FunctionBuilder,
  x: number,
  out: number,
  length: number,
  m: number,
  sum: number,
  store: boolean,
  special: number,
): Code {
  return ifThen(
    get(special),
    sumExpWith(f, expVector(f), x, out, length, m, sum, store),
    sumExpWith(f, expNonPositiveVector(f), x, out, length, m, sum, store),
  );
}

function sumExpWith(
  f: FunctionBuilder,
  exp: VectorFunction,
  x: number,
  out: number,
  length: number,
  m: number,
  sum: number,
  store: boolean,
): Code {
  const [mv, acc, e] = [f.local(V), f.local(V), f.local(V)];
  const [es] = [f.local(F)];
  return [
    set(mv, f32x4.splat(get(m))),
    set(acc, f32x4.const(0)),
    set(sum, f32.const(0)),
    vectorLoop(
      f,
      length,
      (o) => [
        set(e, exp(f32x4.sub(v128.load(at(x, o)), get(mv)))),
        store ? v128.store(at(out, o), get(e)) : [],
        set(acc, f32x4.add(get(acc), get(e))),
      ],
      (o) => [
        set(es, onScalar(exp, f32.sub(f32.load(at(x, o)), get(m)))),
        store ? f32.store(at(out, o), get(es)) : [],
        set(sum, f32.add(get(sum), get(es))),
      ],
    ),
    set(sum, f32.add(horizontalSum(acc), get(sum))),
  ];
}

function softmaxKernel(): FunctionBuilder {
  const f = new FunctionBuilder('rows_softmax', [I, I, I]);
  const [m, sum, scale] = [f.local(F), f.local(F), f.local(F)];
  const special = f.local(I);
  const sv = f.local(V);
  f.setBody(
    forEachRow(f, ({ a: x, out, length }) => [
      stableRowMax(f, x, length, m, special),
      sumExp(f, x, out, length, m, sum, true, special),
      // one division per row; a multiply per element (within 1 ulp of e / sum)
      set(scale, f32.div(f32.const(1), get(sum))),
      set(sv, f32x4.splat(get(scale))),
      vectorLoop(
        f,
        length,
        (o) => v128.store(at(out, o), f32x4.mul(v128.load(at(out, o)), get(sv))),
        (o) => f32.store(at(out, o), f32.mul(f32.load(at(out, o)), get(scale))),
      ),
    ]),
  );
  return f;
}

function logSoftmaxKernel(log: number): FunctionBuilder {
  const f = new FunctionBuilder('rows_logSoftmax', [I, I, I]);
  const [m, sum, lse] = [f.local(F), f.local(F), f.local(F)];
  const special = f.local(I);
  const lv = f.local(V);
  f.setBody(
    forEachRow(f, ({ a: x, out, length }) => [
      stableRowMax(f, x, length, m, special),
      sumExp(f, x, out, length, m, sum, false, special),
      set(lse, f32.add(f32.demoteF64(call(log, f64.promoteF32(get(sum)))), get(m))),
      set(lv, f32x4.splat(get(lse))),
      vectorLoop(
        f,
        length,
        (o) => v128.store(at(out, o), f32x4.sub(v128.load(at(x, o)), get(lv))),
        (o) => f32.store(at(out, o), f32.sub(f32.load(at(x, o)), get(lse))),
      ),
    ]),
  );
  return f;
}

function layerNormKernel(): FunctionBuilder {
  const f = new FunctionBuilder('rows_layerNorm', [I, I, I]);
  const [mean, variance, rstd, n] = [f.local(F), f.local(F), f.local(F), f.local(F)];
  const [acc, mv, rv, c] = [f.local(V), f.local(V), f.local(V), f.local(V)];
  const [cs, bias] = [f.local(F), f.local(I)];
  const [weight] = [f.local(I)];
  f.setBody(
    set(weight, rowParam('bBase')),
    set(bias, rowParam('cBase')),
    forEachRow(f, ({ a: x, out, length }) => [
      set(n, f32.convertI32S(get(length))),
      // mean
      set(acc, f32x4.const(0)),
      set(mean, f32.const(0)),
      vectorLoop(
        f,
        length,
        (o) => set(acc, f32x4.add(get(acc), v128.load(at(x, o)))),
        (o) => set(mean, f32.add(get(mean), f32.load(at(x, o)))),
      ),
      set(mean, f32.div(f32.add(horizontalSum(acc), get(mean)), get(n))),
      set(mv, f32x4.splat(get(mean))),
      // variance of the centred row
      set(acc, f32x4.const(0)),
      set(variance, f32.const(0)),
      vectorLoop(
        f,
        length,
        (o) => [
          set(c, f32x4.sub(v128.load(at(x, o)), get(mv))),
          set(acc, f32x4.add(get(acc), f32x4.mul(get(c), get(c)))),
        ],
        (o) => [
          set(cs, f32.sub(f32.load(at(x, o)), get(mean))),
          set(variance, f32.add(get(variance), f32.mul(get(cs), get(cs)))),
        ],
      ),
      set(variance, f32.div(f32.add(horizontalSum(acc), get(variance)), get(n))),
      set(rstd, f32.div(f32.const(1), f32.sqrt(f32.add(get(variance), f32.reinterpretI32(rowParam('eps')))))),
      set(rv, f32x4.splat(get(rstd))),
      vectorLoop(
        f,
        length,
        (o) =>
          v128.store(
            at(out, o),
            f32x4.add(
              f32x4.mul(
                f32x4.mul(f32x4.sub(v128.load(at(x, o)), get(mv)), get(rv)),
                v128.load(at(weight, o)),
              ),
              v128.load(at(bias, o)),
            ),
          ),
        (o) =>
          f32.store(
            at(out, o),
            f32.add(
              f32.mul(f32.mul(f32.sub(f32.load(at(x, o)), get(mean)), get(rstd)), f32.load(at(weight, o))),
              f32.load(at(bias, o)),
            ),
          ),
      ),
    ]),
  );
  return f;
}

/** Adds `rows_softmax`, `rows_logSoftmax` and `rows_layerNorm`; `log` is the index of an imported f64 log. */
export function addRowKernels(module: ModuleBuilder, log: number): void {
  module.addFunction(softmaxKernel());
  module.addFunction(logSoftmaxKernel(log));
  module.addFunction(layerNormKernel());
}

export const ROW_KERNELS = ['rows_softmax', 'rows_logSoftmax', 'rows_layerNorm'] as const;
