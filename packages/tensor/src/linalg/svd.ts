import { ArgumentError } from '../errors.js';
import { assertFinite, identity, type Matrix, matrix, maxAbs, transpose } from './matrix.js';
import { applyQ, type HouseholderQr, householderQr } from './qr.js';

const EPS = 2 ** -52;
/** Columns shorter than this (after scaling the input to max |a| = 1) count as exactly zero. */
const NEGLIGIBLE_NORM = 1e-140;
const MAX_SWEEPS = 80;

export interface SvdResult {
  /** m x k (thin) or m x m (full), orthonormal columns. */
  U: Matrix;
  /** k = min(m, n) singular values, descending, non-negative. */
  S: Float64Array;
  /** k x n (thin) or n x n (full), orthonormal rows. */
  Vh: Matrix;
}

/**
 * Singular value decomposition a = U·diag(S)·Vh, thin by default, full (U m x m, Vh n x n) with `full`.
 *
 * Method (Drmač and Veselić's preconditioned Jacobi SVD): scale to max |a| = 1, sort the rows by
 * decreasing max |a_ij|, Householder QR with column pivoting (A·P = Q·R), then one-sided (Hestenes)
 * Jacobi on Rᵀ. Backward stable (every S[i] within ~eps·S[0] of the exact one); for graded input,
 * B·D or D·B with D diagonal and B well conditioned, small singular values are also accurate relative
 * to themselves. Singular vectors of zero (or below 1e-140·max |a|) singular values are completed to an
 * orthonormal basis, so U and Vh are orthonormal for every input.
 */
export function svd(a: Matrix, full = false): SvdResult {
  assertFinite('svd', a);
  if (a.rows >= a.cols) {
    const { U, S, V } = svdTall(a, full, true);
    return { U: U!, S, Vh: transpose(V!) };
  }
  // a = (aᵀ)ᵀ = (U' S V'ᵀ)ᵀ = V' S U'ᵀ
  const { U, S, V } = svdTall(transpose(a), full, true);
  return { U: V!, S, Vh: transpose(U!) };
}

/** The min(m, n) singular values of `a`, descending (cheaper than svd: no singular vectors). */
export function singularValues(a: Matrix): Float64Array {
  assertFinite('singularValues', a);
  return svdTall(a.rows >= a.cols ? a : transpose(a), false, false).S;
}

/**
 * Numerical rank: the number of singular values above `tol`, by default
 * S[0]·max(m, n)·eps (NumPy's matrix_rank rule).
 */
export function matrixRank(a: Matrix, tol?: number): number {
  if (tol !== undefined && !(tol >= 0))
    throw new ArgumentError(`matrixRank: tol must be a non-negative number, got ${tol}`);
  const s = singularValues(a);
  if (s.length === 0) return 0;
  const threshold = tol ?? s[0] * Math.max(a.rows, a.cols) * EPS;
  let rank = 0;
  for (const v of s) if (v > threshold) rank++;
  return rank;
}

interface TallSvd {
  U?: Matrix;
  S: Float64Array;
  /** n x n, right singular vectors as columns. */
  V?: Matrix;
}

/** SVD of a tall or square matrix (m >= n). */
function svdTall(a: Matrix, full: boolean, vectors: boolean): TallSvd {
  const { rows: m, cols: n } = a;
  const uCols = full ? m : n;
  const scale = maxAbs(a);
  if (scale === 0) {
    // Every basis is a singular basis of the zero matrix.
    const S = new Float64Array(n);
    return vectors ? { U: identity(m, uCols), S, V: identity(n) } : { S };
  }

  // Rows sorted by decreasing max |a_ij| make the Householder QR row-wise backward stable (Cox and
  // Higham), which keeps the relative accuracy of small singular values for row-graded input D·B.
  const rowOrder = rowsByDecreasingMaxAbs(a);
  const columns = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = rowOrder[i] * n;
    for (let c = 0; c < n; c++) columns[c * m + i] = a.data[row + c] / scale;
  }
  const factors = householderQr(columns, m, n, true);

  // x = Rᵀ, column-major: column c of x is row c of R.
  const x = new Float64Array(n * n);
  for (let c = 0; c < n; c++) for (let i = c; i < n; i++) x[c * n + i] = factors.factors[i * m + c];
  const w = vectors ? identityStore(n) : null;
  const norms = jacobiOrthogonalize(x, n, n, w);

  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => norms[q] - norms[p]);
  const S = Float64Array.from(order, (c) => norms[c] * scale);
  if (!vectors || !w) return { S };

  // Rᵀ·W = X with orthogonal columns, so a·P = (Q·W)·diag(norms)·(X/norms)ᵀ.
  return {
    U: leftVectors(factors, w, order, uCols, rowOrder),
    S,
    V: rightVectors(x, norms, order, factors.perm),
  };
}

/**
 * One-sided Jacobi: rotates pairs of the `count` length-`len` columns of x (column-major) until every
 * pair is orthogonal to a relative tolerance, applying the same rotations to the columns of w.
 * Returns the final column norms.
 */
function jacobiOrthogonalize(
  x: Float64Array,
  len: number,
  count: number,
  w: Float64Array | null,
): Float64Array {
  const tol = Math.max(1, Math.sqrt(len)) * EPS;
  const norms = new Float64Array(count);
  for (let c = 0; c < count; c++) norms[c] = Math.sqrt(dot(x, c * len, c * len, len));

  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < count - 1; p++) {
      for (let q = p + 1; q < count; q++) {
        const np = norms[p];
        const nq = norms[q];
        if (np < NEGLIGIBLE_NORM || nq < NEGLIGIBLE_NORM) continue;
        const gamma = dot(x, p * len, q * len, len);
        if (Math.abs(gamma) <= tol * np * nq) continue;
        rotated = true;
        // The smaller of the two angles that zero the (p, q) entry of xᵀx (Rutishauser).
        const zeta = (nq - np) * ((nq + np) / (2 * gamma));
        const t =
          Math.abs(zeta) > 1e150
            ? 1 / (2 * zeta)
            : (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cos = 1 / Math.sqrt(1 + t * t);
        const sin = cos * t;
        const sums = rotate(x, p * len, q * len, len, cos, sin);
        norms[p] = Math.sqrt(sums[0]);
        norms[q] = Math.sqrt(sums[1]);
        if (w) rotate(w, p * count, q * count, count, cos, sin);
      }
    }
    if (!rotated) break;
  }
  return norms;
}

const rotateSums = new Float64Array(2);

/** (x_p, x_q) <- (cos·x_p - sin·x_q, sin·x_p + cos·x_q); returns the new squared norms. */
function rotate(
  x: Float64Array,
  po: number,
  qo: number,
  len: number,
  cos: number,
  sin: number,
): Float64Array {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < len; i++) {
    const a = x[po + i];
    const b = x[qo + i];
    const na = cos * a - sin * b;
    const nb = sin * a + cos * b;
    x[po + i] = na;
    x[qo + i] = nb;
    sp += na * na;
    sq += nb * nb;
  }
  rotateSums[0] = sp;
  rotateSums[1] = sq;
  return rotateSums;
}

function dot(x: Float64Array, po: number, qo: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += x[po + i] * x[qo + i];
  return s;
}

function rowsByDecreasingMaxAbs(a: Matrix): number[] {
  const rowMax = Array.from({ length: a.rows }, (_, i) => {
    let best = 0;
    for (let c = 0; c < a.cols; c++) best = Math.max(best, Math.abs(a.data[i * a.cols + c]));
    return best;
  });
  return Array.from({ length: a.rows }, (_, i) => i).sort((p, q) => rowMax[q] - rowMax[p]);
}

/** U = Q·[W; 0] with W's columns in `order`; full mode appends Q's remaining columns. */
function leftVectors(
  factors: HouseholderQr,
  w: Float64Array,
  order: number[],
  uCols: number,
  rowOrder: number[],
): Matrix {
  const { rows: m, cols: n } = factors;
  const u = new Float64Array(m * uCols);
  for (let t = 0; t < n; t++) u.set(w.subarray(order[t] * n, order[t] * n + n), t * m);
  for (let t = n; t < uCols; t++) u[t * m + t] = 1;
  applyQ(factors, u, uCols);
  // Row i of the factored matrix is row rowOrder[i] of a.
  const out = matrix(m, uCols);
  for (let t = 0; t < uCols; t++)
    for (let i = 0; i < m; i++) out.data[rowOrder[i] * uCols + t] = u[t * m + i];
  return out;
}

/** V = P·(X / norms), with orthonormal completion where a norm is negligible. */
function rightVectors(x: Float64Array, norms: Float64Array, order: number[], perm: Int32Array): Matrix {
  const n = norms.length;
  const normalized = new Float64Array(n * n);
  const valid: boolean[] = [];
  for (let t = 0; t < n; t++) {
    const c = order[t];
    valid.push(norms[c] >= NEGLIGIBLE_NORM);
    if (!valid[t]) continue;
    const inv = 1 / norms[c];
    for (let i = 0; i < n; i++) normalized[t * n + i] = x[c * n + i] * inv;
  }
  completeOrthonormal(normalized, n, valid);
  // Row i of the pivoted matrix is row perm[i] of the original: undo the column pivoting.
  const v = matrix(n, n);
  for (let t = 0; t < n; t++) for (let i = 0; i < n; i++) v.data[perm[i] * n + t] = normalized[t * n + i];
  return v;
}

/**
 * Fills the columns of `store` (column-major, `len` rows) not marked valid with unit vectors
 * orthogonal to every other column: each time, the standard basis vector with the largest component
 * outside the current span, Gram-Schmidt orthogonalised twice ("twice is enough").
 */
export function completeOrthonormal(store: Float64Array, len: number, valid: boolean[]): void {
  if (valid.every(Boolean)) return;
  // outside[i] = squared norm of e_i's component outside the span of the valid columns.
  const outside = new Float64Array(len).fill(1);
  const basis: number[] = [];
  const addToSpan = (c: number) => {
    basis.push(c);
    for (let i = 0; i < len; i++) outside[i] -= store[c * len + i] ** 2;
  };
  for (let c = 0; c < valid.length; c++) if (valid[c]) addToSpan(c);
  for (let t = 0; t < valid.length; t++) {
    if (valid[t]) continue;
    let best = 0;
    for (let i = 1; i < len; i++) if (outside[i] > outside[best]) best = i;
    const off = t * len;
    store.fill(0, off, off + len);
    store[off + best] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (const c of basis) {
        const proj = dot(store, off, c * len, len);
        for (let i = 0; i < len; i++) store[off + i] -= proj * store[c * len + i];
      }
    }
    const inv = 1 / Math.sqrt(dot(store, off, off, len));
    for (let i = 0; i < len; i++) store[off + i] *= inv;
    addToSpan(t);
  }
}

function identityStore(n: number): Float64Array {
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) w[i * n + i] = 1;
  return w;
}
