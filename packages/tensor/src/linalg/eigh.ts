import { ArgumentError, ShapeError } from '../errors.js';
import { assertFinite, type Matrix, matrix, maxAbs } from './matrix.js';

const EPS = 2 ** -52;

export interface EighResult {
  /** The n eigenvalues, descending. */
  eigenvalues: Float64Array;
  /** n x n, orthonormal; column j is the eigenvector of eigenvalues[j]. */
  eigenvectors: Matrix;
}

/**
 * Eigendecomposition of a real symmetric matrix: a = V·diag(λ)·Vᵀ, λ descending.
 *
 * Householder reduction to tridiagonal form, then the implicit QL method with Wilkinson-style shifts
 * (EISPACK tred2/tql2, as in JAMA): backward stable, O(n³). `symmetryTol` is relative to max |a|;
 * the input must be symmetric within it and is then symmetrised, (a + aᵀ)/2.
 */
export function eigh(a: Matrix, symmetryTol = 1e-10): EighResult {
  const n = a.rows;
  if (a.cols !== n) throw new ShapeError(`eigh: expected a square matrix, got shape [${a.rows}, ${a.cols}]`);
  assertFinite('eigh', a);
  const v = symmetrised(a, symmetryTol);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tridiagonalize(v, d, e, n);
    // tql2 rotates pairs of eigenvector columns; rows of the transpose are contiguous.
    const vt = transposeSquare(v, n);
    diagonalizeTridiagonal(vt, d, e, n);
    v.set(transposeSquare(vt, n));
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => d[q] - d[p]);
  const eigenvectors = matrix(n, n);
  for (let i = 0; i < n; i++) for (let t = 0; t < n; t++) eigenvectors.data[i * n + t] = v[i * n + order[t]];
  return { eigenvalues: Float64Array.from(order, (i) => d[i]), eigenvectors };
}

function symmetrised(a: Matrix, symmetryTol: number): Float64Array {
  const n = a.rows;
  const x = a.data;
  const allowed = symmetryTol * maxAbs(a);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const gap = Math.abs(x[i * n + j] - x[j * n + i]);
      if (gap > allowed) {
        throw new ArgumentError(
          `eigh: matrix of shape [${n}, ${n}] is not symmetric: |a[${i}, ${j}] - a[${j}, ${i}]| = ${gap} ` +
            `exceeds ${symmetryTol} * max|a| = ${allowed}`,
        );
      }
      out[i * n + j] = out[j * n + i] = (x[i * n + j] + x[j * n + i]) / 2;
    }
  }
  return out;
}

function transposeSquare(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = x[i * n + j];
  return out;
}

/**
 * Householder reduction of the symmetric matrix in `v` (row-major, overwritten with the accumulated
 * orthogonal transform) to tridiagonal form: diagonal in d, subdiagonal in e[1..n-1] (EISPACK tred2).
 */
function tridiagonalize(v: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    // Scale the row to avoid under- and overflow.
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      // Householder vector.
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // Similarity transformation of the remaining columns.
      for (let j = 0; j < i; j++) {
        f = d[j];
        v[j * n + i] = f;
        g = e[j] + v[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += v[k * n + j] * d[k];
          e[k] += v[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) v[k * n + j] -= f * e[k] + g * d[k];
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i];
    v[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k * n + i + 1] * v[k * n + j];
        for (let k = 0; k <= i; k++) v[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j];
    v[(n - 1) * n + j] = 0;
  }
  v[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Implicit QL on the tridiagonal (d, e) (EISPACK tql2). `vt` holds the eigenvectors as rows and
 * receives the rotations; on return d holds the (unsorted) eigenvalues.
 */
function diagonalizeTridiagonal(vt: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const maxIterations = 60 * n;
  for (let l = 0; l < n; l++) {
    // Find a negligible subdiagonal element.
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > EPS * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > maxIterations)
          throw new ArgumentError(`eigh: QL iteration did not converge for a matrix of size ${n}`);
        // Implicit shift.
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        // Implicit QL transformation.
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          // Accumulate the rotation into eigenvectors i and i + 1.
          const rowI = i * n;
          const rowNext = rowI + n;
          for (let k = 0; k < n; k++) {
            const next = vt[rowNext + k];
            const cur = vt[rowI + k];
            vt[rowNext + k] = s * cur + c * next;
            vt[rowI + k] = c * cur - s * next;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}
