import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty, refArb, shapeArb, toNDArray, valuesArb } from './helpers/arbitraries.js';
import {
  assertArrayClose,
  assertClose,
  crossEntropyRef,
  geluExact,
  geluTanh,
  layerNormLane,
  logSoftmaxLane,
  logsumexpLane,
  mapLanes,
  mapRef,
  numel,
  type Ref,
  reducedShapeRef,
  reductionGroups,
  softmaxLane,
  varianceOf,
} from './helpers/reference.js';

/** Logit-like float64 values: ordinary ones, large ones (±1000) and -Infinity now and then. */
const logitArb = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -30, max: 30, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(1000, 999.5, -1000, Number.NEGATIVE_INFINITY) },
);

function logitsRefArb(minRank = 1, allowZero = true): fc.Arbitrary<Ref> {
  return shapeArb({ minRank, maxRank: 3, maxSize: 48, allowZero }).chain((shape) =>
    fc.array(logitArb, { minLength: numel(shape), maxLength: numel(shape) }).map((data) => ({ shape, data })),
  );
}

const withAxis = <V extends { shape: number[] }>(x: V) =>
  fc.integer({ min: -x.shape.length, max: x.shape.length - 1 }).map((axis) => ({ x, axis }));

const f64 = (x: Ref) => toNDArray(x.data, x.shape, 'float64');
const read = (y: T.NDArray) => ({ shape: y.shape, data: y.dataSync() });

describe('softmax, logSoftmax, logsumexp', () => {
  it('property: softmax along any axis equals exp(x - logsumexp(x)) computed by loops', () => {
    assertProperty(
      fc.property(logitsRefArb().chain(withAxis), ({ x, axis }) =>
        T.tidy(() => {
          const expected = mapLanes(x, axis, softmaxLane);
          assertArrayClose(read(T.softmax(f64(x), axis)), expected, { rtol: 1e-13, atol: 1e-300 }, 'softmax');
        }),
      ),
      200,
    );
  });

  it('property: each softmax lane with a finite entry sums to 1, and adding a constant changes nothing', () => {
    const caseArb = fc.record({
      xa: logitsRefArb(1, false).chain(withAxis),
      shift: fc.double({ min: -100, max: 100, noNaN: true }),
    });
    assertProperty(
      fc.property(caseArb, ({ xa: { x, axis }, shift }) =>
        T.tidy(() => {
          const y = T.softmax(f64(x), axis);
          const sums = T.sum(y, axis).dataSync();
          const a = axis < 0 ? axis + x.shape.length : axis;
          reductionGroups(x.shape, [a]).forEach((lane, i) => {
            if (lane.some((p) => Number.isFinite(x.data[p])))
              expect(Math.abs(sums[i] - 1)).toBeLessThan(1e-12);
          });
          // x + shift is rounded; |x| <= 1000 and |shift| <= 100 bound that error by ~1e-13 per logit
          const shifted = T.softmax(T.add(f64(x), shift), axis);
          assertClose(shifted.dataSync(), y.dataSync(), { rtol: 1e-11, atol: 1e-300 }, 'shift invariance');
        }),
      ),
      150,
    );
  });

  it('softmax is stable for large inputs, and an all -Infinity lane is NaN (0/0, as PyTorch)', () => {
    const y = T.softmax(T.fromArray([1000, 1000, 999, Number.NEGATIVE_INFINITY], { dtype: 'float64' }));
    const e = Math.exp(-1);
    assertClose(y.dataSync(), [1 / (2 + e), 1 / (2 + e), e / (2 + e), 0], { rtol: 1e-15 });
    const f32 = T.softmax(T.fromArray([[1000, -1000, 0]]));
    expect(Array.from(f32.dataSync())).toEqual([1, 0, 0]);
    expect(
      T.softmax(T.fromArray([-Infinity, -Infinity]))
        .dataSync()
        .every(Number.isNaN),
    ).toBe(true);
  });

  it('property: logSoftmax equals x - logsumexp(x) by loops', () => {
    assertProperty(
      fc.property(logitsRefArb().chain(withAxis), ({ x, axis }) =>
        T.tidy(() => {
          const expected = mapLanes(x, axis, logSoftmaxLane);
          assertArrayClose(
            read(T.logSoftmax(f64(x), axis)),
            expected,
            { rtol: 1e-13, atol: 1e-12 },
            'logSoftmax',
          );
        }),
      ),
      200,
    );
  });

  it('property: logsumexp over any axes (keepdims, -Infinity entries) equals the shifted loop', () => {
    const caseArb = logitsRefArb(0).chain((x) =>
      fc.record({
        x: fc.constant(x),
        axes: fc.shuffledSubarray(x.shape.map((_, i) => i)),
        keepdims: fc.boolean(),
      }),
    );
    assertProperty(
      fc.property(caseArb, ({ x, axes, keepdims }) =>
        T.tidy(() => {
          const out = T.logsumexp(f64(x), axes, { keepdims });
          const data = reductionGroups(x.shape, axes).map((g) => logsumexpLane(g.map((i) => x.data[i])));
          const expected = { shape: reducedShapeRef(x.shape, axes, keepdims), data };
          assertArrayClose(read(out), expected, { rtol: 1e-14, atol: 1e-13 }, 'logsumexp');
        }),
      ),
      200,
    );
  });

  it('logsumexp of -Infinity entries: all -Infinity gives -Infinity, some give the rest', () => {
    const x = T.fromArray(
      [
        [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
        [Number.NEGATIVE_INFINITY, 2],
      ],
      { dtype: 'float64' },
    );
    expect(Array.from(T.logsumexp(x, 1).dataSync())).toEqual([-Infinity, 2]);
    expect(T.logsumexp(T.fromArray([1000, 1000], { dtype: 'float64' })).item()).toBeCloseTo(
      1000 + Math.LN2,
      12,
    );
  });

  it('float32 softmax lanes sum to 1 within float32 rounding', () => {
    const x = T.randomNormal([7, 33], { seed: 9, std: 5 });
    const sums = T.sum(T.softmax(x), -1).dataSync();
    // 33 terms each rounded to float32: |sum - 1| <= ~34 * 2^-24 < 3e-6
    for (const s of sums) expect(Math.abs(s - 1)).toBeLessThan(3e-6);
  });
});

describe('layerNorm, gelu, variance', () => {
  it('property: layerNorm over the last axis, with and without weight and bias, equals the loop definition', () => {
    const caseArb = refArb(
      'float64',
      { minRank: 1, maxRank: 3, maxSize: 40, allowZero: false },
      { edges: false, range: 10 },
    ).chain((x) => {
      const d = x.shape[x.shape.length - 1];
      return fc.record({
        x: fc.constant(x),
        weight: fc.option(valuesArb(d, 'float64', { edges: false, range: 3 }), { nil: null }),
        bias: fc.option(valuesArb(d, 'float64', { edges: false, range: 3 }), { nil: null }),
        eps: fc.constantFrom(1e-5, 1e-12, 0.5),
      });
    });
    assertProperty(
      fc.property(caseArb, ({ x, weight, bias, eps }) =>
        T.tidy(() => {
          const d = x.shape[x.shape.length - 1];
          const w = weight && toNDArray(weight, [d], 'float64');
          const b = bias && toNDArray(bias, [d], 'float64');
          const out = T.layerNorm(f64(x), w, b, eps);
          const expected = mapLanes(x, -1, (lane) => layerNormLane(lane, weight, bias, eps));
          // (x - mean) / std loses ~|x| / std * 1e-16; values are within 10 and lanes are not constant
          // except by chance, so 1e-9 absolute covers a std down to ~1e-6
          assertArrayClose(read(out), expected, { rtol: 1e-10, atol: 1e-9 }, 'layerNorm');
        }),
      ),
      200,
    );
  });

  it('layerNorm rejects a weight that does not match the last axis', () => {
    expect(() => T.layerNorm(T.ones([2, 3]), T.ones([4]))).toThrow(
      /layerNorm: weight of shape \[4\] does not match last dim of \[2, 3\]/,
    );
  });

  it('property: gelu exact is x * Phi(x) (series erf) and gelu tanh is the GPT-2 formula', () => {
    const caseArb = refArb('float64', { maxRank: 2, maxSize: 40 }, { edges: false, range: 8 });
    assertProperty(
      fc.property(caseArb, (x) =>
        T.tidy(() => {
          // erf is required within 1e-13, so x * erf(x / sqrt 2) / 2 is within 8 * 1e-13 / 2
          assertArrayClose(read(T.gelu(f64(x))), mapRef(x, geluExact), { atol: 5e-13 }, 'gelu exact');
          assertArrayClose(
            read(T.gelu(f64(x), 'tanh')),
            mapRef(x, geluTanh),
            { rtol: 1e-14, atol: 1e-15 },
            'gelu tanh',
          );
        }),
      ),
      150,
    );
  });

  it('property: variance over any axes with correction c is sum((x - mean)^2) / (n - c)', () => {
    const caseArb = refArb('float64', { maxRank: 3, maxSize: 40 }, { edges: false, range: 10 }).chain((x) =>
      fc.record({
        x: fc.constant(x),
        axes: fc.shuffledSubarray(x.shape.map((_, i) => i)),
        keepdims: fc.boolean(),
        correction: fc.constantFrom(0, 1),
      }),
    );
    assertProperty(
      fc.property(caseArb, ({ x, axes, keepdims, correction }) =>
        T.tidy(() => {
          const out = T.variance(f64(x), axes, { keepdims, correction });
          const data = reductionGroups(x.shape, axes).map((g) =>
            varianceOf(
              g.map((i) => x.data[i]),
              correction,
            ),
          );
          const expected = { shape: reducedShapeRef(x.shape, axes, keepdims), data };
          assertArrayClose(read(out), expected, { rtol: 1e-12, atol: 1e-12 }, 'variance');
        }),
      ),
      200,
    );
  });

  it('clip clamps into [low, high] and keeps NaN', () => {
    const x = T.fromArray([-5, 0.5, 7, Number.NaN], { dtype: 'float64' });
    expect(Array.from(T.clip(x, 0, 1).dataSync())).toEqual([0, 0.5, 1, NaN]);
  });
});

describe('crossEntropy', () => {
  const caseArb = fc
    .record({
      batch: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 2 }),
      C: fc.integer({ min: 1, max: 6 }),
      ignoreIndex: fc.constantFrom(undefined, -1, 0),
      labelSmoothing: fc.constantFrom(0, 0.1, 0.3),
      reduction: fc.constantFrom<'mean' | 'sum' | 'none' | undefined>(undefined, 'mean', 'sum', 'none'),
    })
    .chain((c) =>
      fc.record({
        c: fc.constant(c),
        logits: valuesArb(numel(c.batch) * c.C, 'float64', { edges: false, range: 20 }),
        targets: fc.array(
          fc.oneof(fc.integer({ min: 0, max: c.C - 1 }), fc.constant(c.ignoreIndex ?? -100)),
          { minLength: numel(c.batch), maxLength: numel(c.batch) },
        ),
      }),
    );

  it("property: crossEntropy equals PyTorch's definition (ignoreIndex, label smoothing, every reduction)", () => {
    assertProperty(
      fc.property(caseArb, ({ c, logits, targets }) =>
        T.tidy(() => {
          const out = T.crossEntropy(
            toNDArray(logits, [...c.batch, c.C], 'float64'),
            toNDArray(targets, c.batch, 'int32'),
            { ignoreIndex: c.ignoreIndex, labelSmoothing: c.labelSmoothing, reduction: c.reduction },
          );
          const reduction = c.reduction ?? 'mean';
          const expected = crossEntropyRef({ shape: [numel(c.batch), c.C], data: logits }, targets, {
            ignoreIndex: c.ignoreIndex ?? -100,
            labelSmoothing: c.labelSmoothing,
            reduction,
          });
          expect(out.shape).toEqual(reduction === 'none' ? c.batch : []);
          assertClose(out.dataSync(), expected, { rtol: 1e-12, atol: 1e-12 }, 'crossEntropy');
        }),
      ),
      300,
    );
  });

  it('a worked example: mean over the non-ignored targets only', () => {
    const logits = T.fromArray(
      [
        [2, 0, 0],
        [0, 0, 0],
        [0, 1, 0],
      ],
      { dtype: 'float64' },
    );
    const targets = T.fromArray([0, -100, 1], { dtype: 'int32' });
    const nll = -(2 - Math.log(Math.exp(2) + 2)) - (1 - Math.log(Math.exp(1) + 2));
    expect(T.crossEntropy(logits, targets).item()).toBeCloseTo(nll / 2, 14);
    expect(T.crossEntropy(logits, targets, { reduction: 'sum' }).item()).toBeCloseTo(nll, 14);
  });

  it('targets out of range (and not ignored) are rejected instead of reading a neighbouring row', () => {
    const logits = T.zeros([2, 3], { dtype: 'float64' });
    expect(() => T.crossEntropy(logits, T.fromArray([3, 0], { dtype: 'int32' }))).toThrow(
      /crossEntropy: target 3 is out of range for 3 classes \(logits \[2, 3\], targets \[2\]\)/,
    );
    expect(() => T.crossEntropy(logits, T.fromArray([0, -1], { dtype: 'int32' }))).toThrow(/target -1/);
    expect(() => T.crossEntropy(logits, T.fromArray([0, 1]))).toThrow(/crossEntropy: targets must be int32/);
    expect(() => T.crossEntropy(logits, T.fromArray([0], { dtype: 'int32' }))).toThrow(
      /crossEntropy: targets \[1\] do not match logits \[2, 3\]/,
    );
  });
});
