import * as T from '@typegrad/tensor';
import { Linear } from '@typegrad/transformer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adapterSubspaceSimilarityGrid,
  amplification,
  gridValue,
  layerAmplification,
  subspaceSimilarity,
  subspaceSimilarityGrid,
} from '../src/analysis/index.js';
import { LoRALinear } from '../src/layers/lora-linear.js';

const SEED = 0x10ad;

// ---- small float64 helpers, independent of the code under test ----

/** Row-major rows×cols values as a float64 NDArray. */
const mat = (rows: number, cols: number, data: ArrayLike<number>) =>
  T.fromTyped(Float64Array.from(data), [rows, cols]);

/** An orthonormal basis of Rⁿ as columns: columns[k] is the k-th basis vector. */
function orthonormalColumns(n: number, seed: number): Float64Array[] {
  const q = T.linalg.qr(T.randomNormal([n, n], { seed, dtype: 'float64' })).Q.toArray() as number[][];
  return Array.from({ length: n }, (_, k) => Float64Array.from(q, (row) => row[k]));
}

/** Σ_k coefficient_k · vector_k. */
function combine(coefficients: readonly number[], vectors: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(vectors[0].length);
  coefficients.forEach((c, k) => {
    for (let i = 0; i < out.length; i++) out[i] += c * vectors[k][i];
  });
  return out;
}

/** The matrix with the given rows. */
const fromRows = (rows: readonly Float64Array[]) =>
  mat(
    rows.length,
    rows[0].length,
    rows.flatMap((r) => Array.from(r)),
  );

/** The matrix with the given columns. */
const fromCols = (cols: readonly Float64Array[]) => fromRows(cols).T.contiguous();

/** W = Σ_k σ_k·u_k·v_kᵀ, [u.length-of-vectors, v.length]. */
function withSpectrum(u: Float64Array[], sigma: readonly number[], v: Float64Array[]): T.NDArray {
  const rows = u[0].length;
  const cols = v[0].length;
  const data = new Float64Array(rows * cols);
  sigma.forEach((s, k) => {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] += s * u[k][i] * v[k][j];
  });
  return mat(rows, cols, data);
}

const frobenius = (x: T.NDArray) => Math.sqrt(Array.from(x.dataSync()).reduce((s, v) => s + v * v, 0));

const closeTo = (actual: number, expected: number, tol = 1e-10) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);

const randomMatrix = fc
  .record({ rows: fc.integer({ min: 1, max: 6 }), seed: fc.nat(1e6) })
  .map(({ rows, seed }) => T.randomNormal([rows, 10], { seed, dtype: 'float64' }));

describe('subspace similarity φ (right singular vectors of A)', () => {
  it('φ(A, A, i, j) = 1 for every i, j', () => {
    fc.assert(
      fc.property(randomMatrix, (A) => {
        const grid = subspaceSimilarityGrid(A, A);
        for (const v of grid.values) closeTo(v, 1);
      }),
      { seed: SEED, numRuns: 25 },
    );
  });

  it('φ = 0 when the row spaces are orthogonal', () => {
    const q = orthonormalColumns(12, 3);
    const A1 = fromRows([combine([2, 1, 0, 0], q), combine([0, -1, 3, 1], q), combine([1, 0, 0, 4], q)]);
    const A2 = fromRows([combine([0, 0, 0, 0, 1, 2, 0], q), combine([0, 0, 0, 0, 0, 1, -5], q)]);
    const grid = subspaceSimilarityGrid(A1, A2);
    expect([grid.rows, grid.cols]).toEqual([3, 2]);
    for (const v of grid.values) closeTo(v, 0);
  });

  it('nested subspaces give the values computed by hand', () => {
    // A1 = diag(6, 5, 4, 3)·[q1; q2; q3; q4]: its right singular vectors are q1..q4 in order.
    // A2 = diag(3, 1)·[cosθ·q1 + sinθ·q7; q2]: orthonormal rows, so those rows are its singular
    // vectors. U1ᵀU2 has cosθ at (1, 1), 1 at (2, 2), zeros elsewhere.
    const q = orthonormalColumns(10, 11);
    const theta = Math.PI / 3; // cos²θ = 1/4
    const A1 = fromRows([6, 5, 4, 3].map((s, k) => q[k].map((v) => s * v)));
    const tilted = combine([Math.cos(theta), 0, 0, 0, 0, 0, Math.sin(theta)], q);
    const A2 = fromRows([tilted.map((v) => 3 * v), q[1]]);
    const c2 = Math.cos(theta) ** 2;
    for (let i = 1; i <= 4; i++) {
      closeTo(subspaceSimilarity(A1, A2, i, 1), c2);
      closeTo(subspaceSimilarity(A1, A2, i, 2), i === 1 ? c2 : (c2 + 1) / 2);
    }
    closeTo(subspaceSimilarity(A1, A2, 2, 2), 0.625);
  });

  it('rows of A2 = a rotation of A1’s first rows: φ(A1, A2, r1, k) = 1', () => {
    const A1 = T.randomNormal([5, 9], { seed: 21, dtype: 'float64' });
    const rotation = T.linalg.qr(T.randomNormal([3, 3], { seed: 22, dtype: 'float64' })).Q;
    const A2 = T.matmul(rotation, A1.slice([0, 3]));
    closeTo(subspaceSimilarity(A1, A2, 5, 3), 1);
    // and the first 3 rows of A1 span a subspace only partly aligned with its top-3 singular vectors
    expect(subspaceSimilarity(A1, A2, 3, 3)).toBeLessThan(1);
  });

  it('is symmetric: φ(A1, A2, i, j) = φ(A2, A1, j, i)', () => {
    fc.assert(
      fc.property(randomMatrix, randomMatrix, (A1, A2) => {
        const g12 = subspaceSimilarityGrid(A1, A2);
        const g21 = subspaceSimilarityGrid(A2, A1);
        for (let i = 1; i <= g12.rows; i++)
          for (let j = 1; j <= g12.cols; j++) closeTo(gridValue(g12, i, j), gridValue(g21, j, i), 1e-12);
      }),
      { seed: SEED, numRuns: 25 },
    );
  });

  it('is invariant to scaling and rotating A’s rows within its row space', () => {
    fc.assert(
      fc.property(randomMatrix, randomMatrix, fc.double({ min: 0.1, max: 50, noNaN: true }), (A1, A2, c) => {
        const r = A1.shape[0];
        const rotation = T.linalg.qr(T.randomNormal([r, r], { seed: r + 5, dtype: 'float64' })).Q;
        const moved = T.mul(T.matmul(rotation, A1), c);
        const before = subspaceSimilarityGrid(A1, A2).values;
        const after = subspaceSimilarityGrid(moved, A2).values;
        for (let k = 0; k < after.length; k++) closeTo(after[k], before[k], 1e-9);
        // any invertible mixing keeps the whole row space: φ at i = r is unchanged
        const mixing = T.add(
          T.randomNormal([r, r], { seed: 99, dtype: 'float64' }),
          T.mul(T.eye(r, r, { dtype: 'float64' }), 4),
        );
        const mixed = T.matmul(mixing, A1);
        for (let j = 1; j <= A2.shape[0]; j++)
          closeTo(subspaceSimilarity(mixed, A2, r, j), subspaceSimilarity(A1, A2, r, j), 1e-9);
      }),
      { seed: SEED, numRuns: 20 },
    );
  });

  it('stays in [0, 1] and is monotone in the larger subspace', () => {
    fc.assert(
      fc.property(randomMatrix, randomMatrix, (A1, A2) => {
        const g = subspaceSimilarityGrid(A1, A2);
        for (const v of g.values) expect(v >= -1e-12 && v <= 1 + 1e-12).toBe(true);
        // for fixed i ≤ j, growing j only adds captured mass and min(i, j) = i stays fixed
        for (let i = 1; i <= g.rows; i++)
          for (let j = i + 1; j <= g.cols; j++)
            expect(gridValue(g, i, j)).toBeGreaterThanOrEqual(gridValue(g, i, j - 1) - 1e-12);
      }),
      { seed: SEED, numRuns: 20 },
    );
  });

  it('output-side bases: B2 = B1·R spans the same columns; ΔW bases follow B·A', () => {
    const q = orthonormalColumns(8, 5);
    const A1 = T.randomNormal([3, 6], { seed: 1, dtype: 'float64' });
    const B1 = fromCols([combine([1, 2, 0], q), combine([0, 1, -1], q), combine([3, 0, 1], q)]);
    const R = T.randomNormal([3, 3], { seed: 2, dtype: 'float64' });
    const B2 = T.matmul(B1, R);
    const leftB = adapterSubspaceSimilarityGrid({ A: A1, B: B1 }, { A: A1, B: B2 }, 'leftOfB');
    closeTo(gridValue(leftB, 3, 3), 1);
    // B3 writes only to q4, orthogonal to B1's columns
    const B3 = fromCols([q[3], q[3].map((v) => 2 * v), q[3].map((v) => -v)]);
    const A3 = T.randomNormal([3, 6], { seed: 3, dtype: 'float64' });
    const leftDelta = adapterSubspaceSimilarityGrid({ A: A1, B: B1 }, { A: A3, B: B3 }, 'leftOfDeltaW');
    // ΔW3 = B3·A3 has rank 1: only its first direction (q4) is determined, the rest complete a basis
    expect(leftDelta.cols).toBe(3);
    for (let i = 1; i <= 3; i++) closeTo(gridValue(leftDelta, i, 1), 0);
    const rightDelta = adapterSubspaceSimilarityGrid({ A: A1, B: B1 }, { A: A1, B: B2 }, 'rightOfDeltaW');
    closeTo(gridValue(rightDelta, 3, 3), 1);
    const rightOfA = adapterSubspaceSimilarityGrid({ A: A1, B: B1 }, { A: A3, B: B3 });
    expect(Array.from(rightOfA.values)).toEqual(Array.from(subspaceSimilarityGrid(A1, A3).values));
  });

  it('ΔW bases are ordered by the singular values of B·A, not by the factors', () => {
    // ΔW = 3·a1·b1ᵀ + 1·a2·b2ᵀ written as B·A with the factors mixed by a rotation R
    const a = orthonormalColumns(7, 41);
    const b = orthonormalColumns(6, 42);
    const R = T.linalg.qr(T.randomNormal([2, 2], { seed: 43, dtype: 'float64' })).Q;
    const B = T.matmul(fromCols([a[0].map((x) => 3 * x), a[1]]), R);
    const A = T.matmul(R.T, fromRows([b[0], b[1]]));
    const probe = (vector: Float64Array, side: 'left' | 'right') =>
      side === 'left'
        ? { A: fromRows([b[5]]), B: fromCols([vector]) }
        : { A: fromRows([vector]), B: fromCols([a[6]]) };
    const right = (v: Float64Array) =>
      adapterSubspaceSimilarityGrid({ A, B }, probe(v, 'right'), 'rightOfDeltaW');
    const left = (v: Float64Array) =>
      adapterSubspaceSimilarityGrid({ A, B }, probe(v, 'left'), 'leftOfDeltaW');
    closeTo(gridValue(right(b[0]), 1, 1), 1);
    closeTo(gridValue(right(b[1]), 1, 1), 0);
    closeTo(gridValue(right(b[1]), 2, 1), 1);
    closeTo(gridValue(left(a[0]), 1, 1), 1);
    closeTo(gridValue(left(a[1]), 1, 1), 0);
  });

  it('refuses bad indices and mismatched input dimensions', () => {
    const A = T.randomNormal([3, 5], { seed: 1, dtype: 'float64' });
    expect(() => subspaceSimilarity(A, A, 0, 1)).toThrow(/i must be an integer in \[1, 3\]/);
    expect(() => subspaceSimilarity(A, A, 1, 4)).toThrow(/j must be an integer in \[1, 3\]/);
    expect(() => subspaceSimilarityGrid(A, T.randomNormal([3, 6], { seed: 2 }))).toThrow(
      /differ in input features/,
    );
    expect(() => subspaceSimilarityGrid(T.zeros([3]), A)).toThrow(/A1 must be 2-D/);
  });
});

describe('amplification ‖ΔW‖ / ‖UᵀWVᵀ‖ (ΔW = scaling·B·A)', () => {
  const OUT = 12;
  const IN = 9;
  const u = orthonormalColumns(OUT, 31);
  const v = orthonormalColumns(IN, 32);
  const sigma = [10, 7, 5, 3, 2, 1.5, 1, 0.5, 0.25];
  const W = withSpectrum(u, sigma, v);

  it('ΔW = c·u1·v1ᵀ on W’s top directions: ‖UᵀWVᵀ‖ = σ1 exactly', () => {
    const report = amplification({
      W,
      A: fromRows([v[0].map((x) => 2 * x)]),
      B: fromCols([u[0]]),
      scaling: 1.5,
    });
    expect(report.deltaIncludesScaling).toBe(true);
    expect(report.r).toBe(1);
    closeTo(report.deltaNorm, 3); // 1.5 · 2 · ‖u1‖·‖v1‖
    closeTo(report.projectedNorm.delta, 10);
    closeTo(report.projectedNorm.base, 10);
    closeTo(report.amplification, 0.3);
    closeTo(report.baseNorm, Math.hypot(...sigma));
  });

  it('ΔW spanning W’s top-3 directions (mixed inside them): ‖UᵀWVᵀ‖ = √(σ1²+σ2²+σ3²)', () => {
    const G = T.randomNormal([3, 3], { seed: 4, dtype: 'float64' });
    const H = T.randomNormal([3, 3], { seed: 5, dtype: 'float64' });
    const B = T.matmul(fromCols(u.slice(0, 3)), G);
    const A = T.matmul(H, fromRows(v.slice(0, 3)));
    const report = amplification({ W, A, B, scaling: 0.25 });
    const expected = Math.hypot(10, 7, 5);
    closeTo(report.projectedNorm.delta, expected);
    closeTo(report.projectedNorm.base, expected);
    closeTo(report.deltaNorm, 0.25 * frobenius(T.matmul(B, A)));
    closeTo(report.amplification, report.deltaNorm / expected);
  });

  it('ΔW orthogonal to W’s range (or its row space) gives 0 and an infinite factor', () => {
    const lowRank = withSpectrum(u, [10, 7, 5], v); // range u1..u3, row space v1..v3
    const outside = amplification({ W: lowRank, A: fromRows([v[5]]), B: fromCols([u[6]]), scaling: 2 });
    closeTo(outside.projectedNorm.delta, 0);
    expect(outside.amplification).toBeGreaterThan(1e9);
    const halfOutside = amplification({ W: lowRank, A: fromRows([v[4]]), B: fromCols([u[0]]), scaling: 2 });
    closeTo(halfOutside.projectedNorm.delta, 0);
  });

  it('the random baseline is small for large dimensions, near r·‖W‖/√(out·in)', () => {
    const big = T.randomNormal([96, 80], { seed: 7, dtype: 'float64' });
    const A = T.randomNormal([4, 80], { seed: 8, dtype: 'float64' });
    const B = T.randomNormal([96, 4], { seed: 9, dtype: 'float64' });
    const report = amplification({ W: big, A, B, scaling: 1 }, { seed: 3 });
    const chance = (4 * report.baseNorm) / Math.sqrt(96 * 80);
    expect(report.projectedNorm.random).toBeLessThan(3 * chance);
    expect(report.projectedNorm.random).toBeLessThan(0.25 * report.projectedNorm.base);
    expect(report.randomSeed).toBe(3);
    // another seed, another (still small) baseline: the seed is really used
    const other = amplification({ W: big, A, B, scaling: 1 }, { seed: 4 });
    expect(other.projectedNorm.random).not.toBe(report.projectedNorm.random);
  });

  it('a precomputed SVD of W gives the same report', () => {
    const A = T.randomNormal([2, IN], { seed: 12, dtype: 'float64' });
    const B = T.randomNormal([OUT, 2], { seed: 13, dtype: 'float64' });
    const direct = amplification({ W, A, B, scaling: 2 });
    const cached = amplification({ W, A, B, scaling: 2 }, { baseSvd: T.linalg.svd(W) });
    closeTo(cached.projectedNorm.base, direct.projectedNorm.base);
    closeTo(cached.projectedNorm.base, Math.hypot(10, 7));
    expect(() => amplification({ W, A, B, scaling: 2 }, { baseSvd: T.linalg.svd(W.T.contiguous()) })).toThrow(
      /is not the SVD/,
    );
  });

  it('layerAmplification reads W (as [out, in]) on the adapter’s slice of a Conv1D layer', () => {
    const base = new Linear(5, 9, { generator: new T.Generator(1), layout: 'conv1d', dtype: 'float64' });
    const layer = new LoRALinear(base, {
      slices: ['q', 'k', 'v'].map((name, i) => ({ name, start: 3 * i, end: 3 * i + 3 })),
    });
    const adapter = layer.addAdapter('default', { r: 2, alpha: 4, seed: 1 }, ['q', 'v']);
    const vPair = adapter.pairs[1];
    vPair.B.assign(T.randomNormal([3, 2], { seed: 2, dtype: 'float64' }));
    const fromLayer = layerAmplification(layer, 'default', 'v', { seed: 5 });
    const W0 = base.weight.value.T.slice([6, 9]);
    const direct = amplification({ W: W0, A: vPair.A, B: vPair.B, scaling: 2 }, { seed: 5 });
    expect(fromLayer).toEqual(direct);
    expect(() => layerAmplification(layer)).toThrow(/name one slice/);
    layer.merge();
    expect(() => layerAmplification(layer, 'default', 'v')).toThrow(/unmerge first/);
  });

  it('refuses shapes that do not form W + B·A', () => {
    const A = T.randomNormal([2, IN + 1], { seed: 1, dtype: 'float64' });
    const B = T.randomNormal([OUT, 2], { seed: 1, dtype: 'float64' });
    expect(() => amplification({ W, A, B, scaling: 1 })).toThrow(/do not form W \+ B·A/);
  });
});
