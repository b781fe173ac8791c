import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, ShapeError } from '../src/errors.js';
import { eigh, matrixRank, qr, singularValues, svd } from '../src/linalg/index.js';
import type { NDArray } from '../src/ndarray.js';
import { fromArray, fromTyped, randomNormal } from '../src/ops/creation.js';

const EPS = 2 ** -52;

// ---- small dense helpers, independent of the code under test ----

interface Dense {
  rows: number;
  cols: number;
  data: Float64Array;
}

function dense(x: NDArray): Dense {
  expect(x.dtype).toBe('float64');
  expect(x.rank).toBe(2);
  return { rows: x.shape[0], cols: x.shape[1], data: Float64Array.from(x.dataSync()) };
}

const toNDArray = (a: Dense) => fromTyped(a.data.slice(), [a.rows, a.cols]);
const at = (a: Dense, i: number, j: number) => a.data[i * a.cols + j];

function matmul(a: Dense, b: Dense): Dense {
  const out = { rows: a.rows, cols: b.cols, data: new Float64Array(a.rows * b.cols) };
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++)
      for (let j = 0; j < b.cols; j++) out.data[i * b.cols + j] += at(a, i, k) * at(b, k, j);
  return out;
}

function transposed(a: Dense): Dense {
  const out = { rows: a.cols, cols: a.rows, data: new Float64Array(a.data.length) };
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = at(a, i, j);
  return out;
}

/** a·diag(s), with s padded by zeros (or cut) to a's column count. */
function scaleColumns(a: Dense, s: ArrayLike<number>): Dense {
  return { ...a, data: a.data.map((v, k) => v * (s[k % a.cols] ?? 0)) };
}

/** U·diag(S)·Vh for thin or full factors. */
function reconstruct(u: Dense, s: ArrayLike<number>, vh: Dense): Dense {
  const k = s.length;
  const uk = {
    rows: u.rows,
    cols: k,
    data: Float64Array.from({ length: u.rows * k }, (_, p) => at(u, Math.floor(p / k), p % k)),
  };
  const vhk = { rows: k, cols: vh.cols, data: vh.data.slice(0, k * vh.cols) };
  return matmul(scaleColumns(uk, s), vhk);
}

const frobenius = (a: Dense) => Math.sqrt(a.data.reduce((sum, v) => sum + v * v, 0));
const distance = (a: Dense, b: Dense) => frobenius({ ...a, data: a.data.map((v, k) => v - b.data[k]) });

/** max |QᵀQ - I| over all entries: 0 for exactly orthonormal columns. */
function orthogonalityError(q: Dense): number {
  const g = matmul(transposed(q), q);
  let worst = 0;
  for (let i = 0; i < g.rows; i++)
    for (let j = 0; j < g.cols; j++) worst = Math.max(worst, Math.abs(at(g, i, j) - (i === j ? 1 : 0)));
  return worst;
}

const randomMatrix = (m: number, n: number, seed: number) =>
  dense(randomNormal([m, n], { seed, dtype: 'float64' }));

const randomOrthogonal = (n: number, seed: number) => dense(qr(toNDArray(randomMatrix(n, n, seed))).Q);

function expectDescending(values: ArrayLike<number>): void {
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
}

function expectClose(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);
}

/** Columns equal up to sign: each column of `actual` is ± the matching column of `expected`. */
function expectColumnsUpToSign(actual: Dense, expected: number[][], tol: number): void {
  for (let c = 0; c < expected.length; c++) {
    const sign = Math.sign(
      at(
        actual,
        expected[c].findIndex((v) => v !== 0),
        c,
      ),
    );
    for (let i = 0; i < expected[c].length; i++) expectClose(at(actual, i, c), sign * expected[c][i], tol);
  }
}

const shapeArb = fc.record({
  m: fc.integer({ min: 1, max: 30 }),
  n: fc.integer({ min: 1, max: 30 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

/** Checks the contract of svd(a, {full}) on a dense input; returns the factors. */
function checkSvd(a: Dense, full: boolean) {
  const { U, S, Vh } = svd(toNDArray(a), { full });
  const k = Math.min(a.rows, a.cols);
  expect(U.shape).toEqual([a.rows, full ? a.rows : k]);
  expect(S.shape).toEqual([k]);
  expect(Vh.shape).toEqual([full ? a.cols : k, a.cols]);
  const u = dense(U);
  const vh = dense(Vh);
  const s = S.dataSync();
  const size = Math.max(a.rows, a.cols);
  expect(distance(reconstruct(u, s, vh), a)).toBeLessThanOrEqual(20 * EPS * size * frobenius(a));
  expect(orthogonalityError(u)).toBeLessThanOrEqual(20 * EPS * size);
  expect(orthogonalityError(transposed(vh))).toBeLessThanOrEqual(20 * EPS * size);
  expectDescending(s);
  for (const v of s) expect(v).toBeGreaterThanOrEqual(0);
  return { u, s, vh };
}

describe('qr', () => {
  it('reconstructs A with orthonormal Q and upper-triangular R, reduced and complete', () => {
    fc.assert(
      fc.property(
        shapeArb,
        fc.constantFrom('reduced' as const, 'complete' as const),
        ({ m, n, seed }, mode) => {
          const a = randomMatrix(m, n, seed);
          const { Q, R } = qr(toNDArray(a), { mode });
          const k = Math.min(m, n);
          expect(Q.shape).toEqual([m, mode === 'complete' ? m : k]);
          expect(R.shape).toEqual([mode === 'complete' ? m : k, n]);
          const q = dense(Q);
          const r = dense(R);
          expect(distance(matmul(q, r), a)).toBeLessThanOrEqual(20 * EPS * Math.max(m, n) * frobenius(a));
          expect(orthogonalityError(q)).toBeLessThanOrEqual(20 * EPS * Math.max(m, n));
          for (let i = 0; i < r.rows; i++)
            for (let j = 0; j < Math.min(i, n); j++) expect(at(r, i, j)).toBe(0);
        },
      ),
      { seed: 1234, numRuns: 60 },
    );
  });

  it('matches a hand-computed factorisation up to signs', () => {
    // a = [[3, 1], [4, 2]]: first column has norm 5, |R[0,1]| = (3 + 8) / 5, |R[1,1]| = det / 5.
    const { Q, R } = qr(
      fromArray([
        [3, 1],
        [4, 2],
      ]),
    );
    const r = dense(R);
    expectClose(Math.abs(at(r, 0, 0)), 5, 1e-14);
    expectClose(Math.abs(at(r, 0, 1)), 11 / 5, 1e-14);
    expectClose(Math.abs(at(r, 1, 1)), 2 / 5, 1e-14);
    expectColumnsUpToSign(dense(Q), [[3 / 5, 4 / 5]], 1e-15);
  });

  it('keeps Q orthonormal for rank-deficient and zero input', () => {
    const a = matmul(randomMatrix(12, 2, 5), randomMatrix(2, 7, 6));
    for (const input of [a, { rows: 6, cols: 4, data: new Float64Array(24) }]) {
      const { Q, R } = qr(toNDArray(input), { mode: 'complete' });
      expect(orthogonalityError(dense(Q))).toBeLessThan(1e-13);
      expect(distance(matmul(dense(Q), dense(R)), input)).toBeLessThanOrEqual(1e-13 * frobenius(input));
    }
  });
});

describe('svd', () => {
  it('reconstructs A with orthonormal U, Vh and descending S for tall, wide, square, 1xn, nx1', () => {
    fc.assert(
      fc.property(shapeArb, fc.boolean(), ({ m, n, seed }, full) => {
        const a = randomMatrix(m, n, seed);
        const { s } = checkSvd(a, full);
        expect(s[0]).toBeGreaterThan(0);
      }),
      { seed: 4321, numRuns: 80 },
    );
  });

  it('thin and full decompositions share the singular values', () => {
    const a = randomMatrix(9, 4, 11);
    expect(Array.from(checkSvd(a, true).s)).toEqual(Array.from(checkSvd(a, false).s));
    expect(Array.from(singularValues(toNDArray(a)).dataSync())).toEqual(Array.from(checkSvd(a, false).s));
  });

  it('finds exactly r singular values above 1e-10·S0 for A = B·C with inner dimension r', () => {
    const rankArb = fc
      .record({
        m: fc.integer({ min: 2, max: 30 }),
        n: fc.integer({ min: 2, max: 30 }),
        seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        rankFraction: fc.double({ min: 0, max: 1, noNaN: true }),
        full: fc.boolean(),
      })
      .map((p) => ({ ...p, r: 1 + Math.floor(p.rankFraction * (Math.min(p.m, p.n) - 1.0001)) }));
    fc.assert(
      fc.property(rankArb, ({ m, n, r, seed, full }) => {
        const a = matmul(randomMatrix(m, r, seed), randomMatrix(r, n, seed + 1));
        const { s } = checkSvd(a, full);
        const above = Array.from(s).filter((v) => v > 1e-10 * s[0]).length;
        expect(above).toBe(r);
        expect(matrixRank(toNDArray(a))).toBe(r);
      }),
      { seed: 99, numRuns: 60 },
    );
  });

  it('completes U and V to orthonormal bases when rows or columns are exactly zero', () => {
    fc.assert(
      fc.property(shapeArb, fc.boolean(), ({ m, n, seed }, full) => {
        // Zero every third row and every second column: exact zero singular values, not rounding noise.
        const a = randomMatrix(m, n, seed);
        const data = a.data.map((v, p) => (Math.floor(p / n) % 3 === 1 || p % n === 1 ? 0 : v));
        const zeroed = { ...a, data };
        const { s } = checkSvd(zeroed, full);
        const rank = Math.min(m - Math.floor((m + 1) / 3), n - (n > 1 ? 1 : 0));
        expect(matrixRank(toNDArray(zeroed))).toBe(rank);
        expect(Array.from(s).filter((v) => v === 0).length).toBe(Math.min(m, n) - rank);
      }),
      { seed: 5150, numRuns: 40 },
    );
  });

  it('matches hand-computed answers', () => {
    // aᵀa = [[25, 20], [20, 25]]: eigenvalues 45 and 5, eigenvectors (1, ±1)/√2; u = a·v / σ.
    const { u, s, vh } = checkSvd({ rows: 2, cols: 2, data: Float64Array.from([3, 0, 4, 5]) }, false);
    expectClose(s[0], Math.sqrt(45), 1e-14);
    expectClose(s[1], Math.sqrt(5), 1e-14);
    const h = Math.SQRT1_2;
    expectColumnsUpToSign(
      transposed(vh),
      [
        [h, h],
        [h, -h],
      ],
      1e-15,
    );
    expectColumnsUpToSign(
      u,
      [
        [1 / Math.sqrt(10), 3 / Math.sqrt(10)],
        [3 / Math.sqrt(10), -1 / Math.sqrt(10)],
      ],
      1e-15,
    );
    // rank one: ‖a‖_F = 5 is its only singular value.
    const rankOne = fromArray(
      [
        [1, 2],
        [2, 4],
      ],
      { dtype: 'float64' },
    );
    const rankOneS = singularValues(rankOne).dataSync();
    expectClose(rankOneS[0], 5, 1e-14);
    expectClose(rankOneS[1], 0, 1e-14);
    expect(matrixRank(rankOne)).toBe(1);
  });

  it('recovers a graded spectrum 10^0 .. 10^-12 to within backward-stable accuracy', () => {
    // a = U·diag(10^-k)·Vᵀ with random orthogonal U, V. Rounding while forming a in float64 already
    // moves each singular value by up to ~eps·S0 (for 1e-12 that is ~1e-4 relative; mpmath gives 6.5e-6
    // for one such a), so only |error| <= c·eps·S0 is owed at the bottom; 1e-6 relative is owed and
    // checked down to 1e-8.
    for (const [m, n, seed] of [
      [13, 13, 1],
      [20, 13, 2],
      [13, 17, 3],
    ]) {
      const k = Math.min(m, n);
      const sigma = Array.from({ length: k }, (_, i) => 10 ** -i);
      const u = firstColumns(randomOrthogonal(m, seed), k);
      const v = firstColumns(randomOrthogonal(n, seed + 7), k);
      const a = matmul(scaleColumns(u, sigma), transposed(v));
      const { s } = checkSvd(a, false);
      for (let i = 0; i < k; i++) {
        expect(Math.abs(s[i] - sigma[i])).toBeLessThanOrEqual(10 * EPS * Math.max(m, n));
        if (sigma[i] >= 1e-8) expect(Math.abs(s[i] - sigma[i]) / sigma[i]).toBeLessThan(1e-6);
      }
    }
  });

  it('is relatively accurate on graded input: Q·diag(10^-k) and its transpose, Q orthonormal', () => {
    // aᵀa = diag(10^-2k) up to eps, and rounding while forming a is column-relative, so every singular
    // value (even 1e-12) is determined to a few eps relative. One-sided Jacobi after a pivoted QR with
    // sorted rows delivers that for column-graded a and for row-graded aᵀ; bidiagonalisation does not.
    for (const [m, n, seed] of [
      [20, 13, 4],
      [13, 13, 5],
    ]) {
      const q = firstColumns(randomOrthogonal(m, seed), n);
      const ascending = Array.from({ length: n }, (_, i) => n - 1 - i);
      for (const exponents of [shuffled(n, seed), ascending]) {
        const d = exponents.map((i) => 10 ** -i);
        const a = scaleColumns(q, d);
        const expected = [...d].sort((x, y) => y - x);
        for (const input of [a, transposed(a)]) {
          const s = singularValues(toNDArray(input)).dataSync();
          for (let i = 0; i < n; i++) expect(Math.abs(s[i] - expected[i]) / expected[i]).toBeLessThan(1e-13);
          expect(checkSvd(input, false).s).toEqual(s);
        }
      }
    }
  });

  it('matches the 8x8 Hilbert matrix singular values', () => {
    // Eigenvalues (= singular values, the matrix is SPD) of the exact Hilbert matrix, computed with mpmath
    // (eigsy at 50 digits) and rounded to doubles.
    const reference = [
      1.6959389969219494, 0.2981252113169307, 0.02621284357811905, 0.0014676881177418672,
      5.436943369749942e-5, 1.2943320918728114e-6, 1.7988737458175767e-8, 1.1115389663724424e-10,
    ];
    const hilbert = Float64Array.from({ length: 64 }, (_, p) => 1 / (Math.floor(p / 8) + (p % 8) + 1));
    const { s } = checkSvd({ rows: 8, cols: 8, data: hilbert }, false);
    for (let i = 0; i < 8; i++) {
      const relative = Math.abs(s[i] - reference[i]) / reference[i];
      expect(relative).toBeLessThan(reference[i] > 1e-6 ? 1e-10 : 1e-6);
    }
  });

  it('handles repeated singular values, the identity and the zero matrix', () => {
    const repeated = [3, 3, 3, 1, 1, 0.5];
    for (const [m, n] of [
      [6, 6],
      [9, 6],
      [6, 9],
    ]) {
      const u = firstColumns(randomOrthogonal(m, m + n), 6);
      const v = firstColumns(randomOrthogonal(n, m * n), 6);
      const a = matmul(scaleColumns(u, repeated), transposed(v));
      const { s } = checkSvd(a, true);
      for (let i = 0; i < repeated.length; i++) expectClose(s[i], repeated[i], 1e-13);
    }
    const eye = {
      rows: 5,
      cols: 5,
      data: Float64Array.from({ length: 25 }, (_, p) => (p % 6 === 0 ? 1 : 0)),
    };
    const { u, s, vh } = checkSvd(eye, false);
    expect(Array.from(s)).toEqual([1, 1, 1, 1, 1]);
    expect(distance(matmul(u, vh), eye)).toBeLessThan(1e-14);
    for (const [m, n] of [
      [4, 3],
      [3, 4],
      [1, 1],
    ]) {
      const zero = { rows: m, cols: n, data: new Float64Array(m * n) };
      expect(Array.from(checkSvd(zero, true).s).every((v) => v === 0)).toBe(true);
      expect(matrixRank(toNDArray(zero))).toBe(0);
    }
  });

  it('decomposes a LoRA-sized low-rank update (48 x 160, rank 8)', () => {
    const delta = matmul(randomMatrix(48, 8, 21), randomMatrix(8, 160, 22));
    const { s } = checkSvd(delta, false);
    expect(matrixRank(toNDArray(delta))).toBe(8);
    expect(s[8] / s[0]).toBeLessThan(1e-14);
  });

  it('accepts float32 input and returns float64', () => {
    const a32 = randomNormal([5, 3], { seed: 3 });
    const { U, S, Vh } = svd(a32);
    for (const x of [U, S, Vh]) expect(x.dtype).toBe('float64');
    const a = { rows: 5, cols: 3, data: Float64Array.from(a32.dataSync()) };
    expect(distance(reconstruct(dense(U), S.dataSync(), dense(Vh)), a)).toBeLessThan(1e-14 * frobenius(a));
  });

  it('handles empty matrices', () => {
    const { U, S, Vh } = svd(fromTyped(new Float64Array(0), [0, 3]), { full: true });
    expect([U.shape, S.shape, Vh.shape]).toEqual([[0, 0], [0], [3, 3]]);
    expect(orthogonalityError(dense(Vh))).toBe(0);
    expect(svd(fromTyped(new Float64Array(0), [3, 0])).U.shape).toEqual([3, 0]);
  });
});

describe('eigh', () => {
  it('A·v = λ·v with orthonormal V and descending eigenvalues', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
        const b = randomMatrix(n, n, seed);
        const a = { ...b, data: b.data.map((v, p) => v + at(b, p % n, Math.floor(p / n))) };
        const { eigenvalues, eigenvectors } = eigh(toNDArray(a));
        expect(eigenvalues.shape).toEqual([n]);
        const lambda = eigenvalues.dataSync();
        const v = dense(eigenvectors);
        expectDescending(lambda);
        expect(orthogonalityError(v)).toBeLessThanOrEqual(20 * EPS * n);
        expect(distance(matmul(a, v), scaleColumns(v, lambda))).toBeLessThanOrEqual(
          20 * EPS * n * frobenius(a),
        );
      }),
      { seed: 777, numRuns: 60 },
    );
  });

  it('matches hand-computed answers, repeated eigenvalues included', () => {
    const { eigenvalues, eigenvectors } = eigh(
      fromArray([
        [2, 1],
        [1, 2],
      ]),
    );
    expect(Array.from(eigenvalues.dataSync()).map((v) => Math.round(v * 1e12) / 1e12)).toEqual([3, 1]);
    const h = Math.SQRT1_2;
    expectColumnsUpToSign(
      dense(eigenvectors),
      [
        [h, h],
        [h, -h],
      ],
      1e-15,
    );

    const q = randomOrthogonal(7, 8);
    const spectrum = [5, 5, 5, 2, -1, -1, -4];
    const a = matmul(scaleColumns(q, spectrum), transposed(q));
    const result = eigh(toNDArray(a));
    const lambda = result.eigenvalues.dataSync();
    for (let i = 0; i < spectrum.length; i++) expectClose(lambda[i], spectrum[i], 1e-13);
    expect(orthogonalityError(dense(result.eigenvectors))).toBeLessThan(1e-14);
    expect(Array.from(eigh(fromTyped(new Float64Array(9), [3, 3])).eigenvalues.dataSync())).toEqual([
      0, 0, 0,
    ]);
  });

  it('agrees with svd on a symmetric positive definite matrix', () => {
    const b = randomMatrix(12, 12, 31);
    const spd = matmul(b, transposed(b));
    const lambda = Array.from(eigh(toNDArray(spd)).eigenvalues.dataSync());
    const s = Array.from(singularValues(toNDArray(spd)).dataSync());
    for (let i = 0; i < s.length; i++) expectClose(lambda[i], s[i], 1e-12 * s[0]);
  });
});

describe('errors', () => {
  it('names the op and the shape for non-2-D input', () => {
    const vector = fromArray([1, 2, 3]);
    expect(() => svd(vector)).toThrow(ShapeError);
    expect(() => svd(vector)).toThrow(/svd.*\[3\]/);
    expect(() => qr(fromTyped(new Float64Array(8), [2, 2, 2]))).toThrow(/qr.*\[2, 2, 2\]/);
    expect(() => singularValues(vector)).toThrow(/singularValues.*\[3\]/);
    expect(() => matrixRank(vector)).toThrow(/matrixRank.*\[3\]/);
  });

  it('eigh rejects non-square and non-symmetric input', () => {
    expect(() => eigh(fromTyped(new Float64Array(6), [2, 3]))).toThrow(ShapeError);
    expect(() => eigh(fromTyped(new Float64Array(6), [2, 3]))).toThrow(/eigh.*\[2, 3\]/);
    expect(() =>
      eigh(
        fromArray([
          [1, 2],
          [0, 1],
        ]),
      ),
    ).toThrow(ArgumentError);
    expect(() =>
      eigh(
        fromArray([
          [1, 2],
          [0, 1],
        ]),
      ),
    ).toThrow(/eigh.*\[2, 2\].*not symmetric/);
    expect(() =>
      eigh(
        fromArray(
          [
            [1, 2],
            [2 + 1e-8, 1],
          ],
          { dtype: 'float64' },
        ),
      ),
    ).toThrow(/not symmetric/);
    expect(() =>
      eigh(
        fromArray(
          [
            [1, 2],
            [2 + 1e-8, 1],
          ],
          { dtype: 'float64' },
        ),
        { symmetryTol: 1e-6 },
      ),
    ).not.toThrow();
  });

  it('rejects non-float dtypes, non-finite entries and bad options', () => {
    expect(() => svd(fromArray([[1, 2]], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => svd(fromArray([[1, Number.NaN]]))).toThrow(ArgumentError);
    expect(() => eigh(fromArray([[Number.POSITIVE_INFINITY]]))).toThrow(/eigh.*non-finite/);
    expect(() => matrixRank(fromArray([[1]]), -1)).toThrow(ArgumentError);
    // @ts-expect-error: an unknown mode is reported, not ignored
    expect(() => qr(fromArray([[1]]), { mode: 'r' })).toThrow(/qr: mode/);
  });
});

function firstColumns(a: Dense, count: number): Dense {
  const data = Float64Array.from({ length: a.rows * count }, (_, p) =>
    at(a, Math.floor(p / count), p % count),
  );
  return { rows: a.rows, cols: count, data };
}

/** A deterministic permutation of 0..n-1. */
function shuffled(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let state = seed + 1;
  for (let i = n - 1; i > 0; i--) {
    state = (state * 48271) % 2147483647; // Park-Miller: products stay exact in doubles
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
