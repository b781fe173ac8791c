import { ArgumentError } from '../errors.js';
import { type Matrix, matrix } from './matrix.js';

/**
 * A Householder QR factorisation A·P = Q·R in compact (LAPACK-style) form.
 *
 * Storage is column-major (column c of the m x n input occupies `factors[c*m .. c*m+m)`) because every
 * Householder step reads and updates whole columns; contiguous columns keep those loops cache-friendly.
 */
export interface HouseholderQr {
  readonly rows: number;
  readonly cols: number;
  /** R on and above the diagonal; below it, the tail of reflector j (its leading entry is an implicit 1). */
  readonly factors: Float64Array;
  /** H_j = I - tau[j]·v_j·v_jᵀ; tau[j] = 0 means H_j = I. */
  readonly tau: Float64Array;
  /** Column j of A·P is column perm[j] of A (the identity without pivoting). */
  readonly perm: Int32Array;
}

/** Reflector count: min(m, n). */
const reflectorCount = (f: HouseholderQr) => Math.min(f.rows, f.cols);

/** Copies a row-major matrix into column-major storage (row-major storage of its transpose). */
export function toColumnMajor(a: Matrix): Float64Array {
  const { rows: m, cols: n, data } = a;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let c = 0; c < n; c++) out[c * m + i] = data[i * n + c];
  return out;
}

/** The row-major `rows` x `count` matrix whose columns are stored one after another in `store`. */
export function fromColumnMajor(store: Float64Array, rows: number, count: number): Matrix {
  const out = matrix(rows, count);
  for (let c = 0; c < count; c++)
    for (let i = 0; i < rows; i++) out.data[i * count + c] = store[c * rows + i];
  return out;
}

const SQRT_EPS = Math.sqrt(2 ** -52);

/**
 * Householder QR of an m x n matrix given column-major (`columns` is overwritten with the factors).
 * With `pivot`, each step moves the remaining column of largest norm to the front (QR with column
 * pivoting), so |R[0,0]| >= |R[1,1]| >= ... and R reveals the rank.
 */
export function householderQr(columns: Float64Array, m: number, n: number, pivot: boolean): HouseholderQr {
  const f = columns;
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  // Squared norms of the not-yet-reduced part of each column, and the value at the last recomputation.
  const partial = new Float64Array(n);
  const reference = new Float64Array(n);
  if (pivot) {
    for (let c = 0; c < n; c++) partial[c] = reference[c] = sumSquares(f, c * m, c * m + m);
  }

  for (let j = 0; j < k; j++) {
    const col = j * m;
    if (pivot) {
      let best = j;
      for (let c = j + 1; c < n; c++) if (partial[c] > partial[best]) best = c;
      if (best !== j) {
        swapColumns(f, m, j, best);
        [partial[j], partial[best]] = [partial[best], partial[j]];
        [reference[j], reference[best]] = [reference[best], reference[j]];
        [perm[j], perm[best]] = [perm[best], perm[j]];
      }
    }

    tau[j] = makeReflector(f, col + j, col + m);
    if (tau[j] !== 0) {
      for (let c = j + 1; c < n; c++) applyReflector(f, col, tau[j], f, c * m, j, m);
    }

    if (pivot) {
      // Downdate the norms (LAPACK dgeqp3); recompute when cancellation has eaten half the digits.
      for (let c = j + 1; c < n; c++) {
        if (partial[c] === 0) continue;
        const r = f[c * m + j];
        partial[c] = Math.max(0, partial[c] - r * r);
        if (partial[c] <= SQRT_EPS * reference[c]) {
          partial[c] = reference[c] = sumSquares(f, c * m + j + 1, c * m + m);
        }
      }
    }
  }
  return { rows: m, cols: n, factors: f, tau, perm };
}

/**
 * Turns x = f[start..end) into (alpha, v_tail) with (I - tau·v·vᵀ)·x = alpha·e_1, v = (1, v_tail),
 * and returns tau. Leaves x alone (tau = 0) when its tail is already zero. Scaled norms: no overflow.
 */
function makeReflector(f: Float64Array, start: number, end: number): number {
  let scale = 0;
  for (let i = start + 1; i < end; i++) scale = Math.max(scale, Math.abs(f[i]));
  if (scale === 0) return 0;
  const x0 = f[start];
  scale = Math.max(scale, Math.abs(x0));
  let ss = 0;
  for (let i = start; i < end; i++) {
    const t = f[i] / scale;
    ss += t * t;
  }
  const norm = scale * Math.sqrt(ss);
  const alpha = x0 >= 0 ? -norm : norm;
  const v0 = x0 - alpha; // |v0| = |x0| + norm: no cancellation
  const inv = 1 / v0;
  for (let i = start + 1; i < end; i++) f[i] *= inv;
  f[start] = alpha;
  return (norm + Math.abs(x0)) / norm;
}

/**
 * Applies H_j = I - tau·v·vᵀ (v = 1 at row j, tail from `v[vCol + j + 1 ..]`) to the length-m column
 * of `x` starting at `xCol`; rows above j are untouched.
 */
function applyReflector(
  v: Float64Array,
  vCol: number,
  tau: number,
  x: Float64Array,
  xCol: number,
  j: number,
  m: number,
): void {
  let s = x[xCol + j];
  for (let i = j + 1; i < m; i++) s += v[vCol + i] * x[xCol + i];
  s *= tau;
  if (s === 0) return;
  x[xCol + j] -= s;
  for (let i = j + 1; i < m; i++) x[xCol + i] -= s * v[vCol + i];
}

/**
 * Overwrites the `count` length-m columns stored in `x` with Q·x (Q = H_0·H_1·…·H_{k-1}).
 * With `identityFrom` set, column c of x is taken to be e_{identityFrom + c}: the reflectors H_j with
 * j > identityFrom + c leave it alone, which halves the cost of forming Q.
 */
export function applyQ(qr: HouseholderQr, x: Float64Array, count: number, identityFrom?: number): void {
  const m = qr.rows;
  for (let j = reflectorCount(qr) - 1; j >= 0; j--) {
    const tau = qr.tau[j];
    if (tau === 0) continue;
    const first = identityFrom === undefined ? 0 : Math.max(0, j - identityFrom);
    for (let c = first; c < count; c++) applyReflector(qr.factors, j * m, tau, x, c * m, j, m);
  }
}

/** The first `count` columns of Q (m x count), column-major. */
export function formQ(qr: HouseholderQr, count: number): Float64Array {
  const m = qr.rows;
  const q = new Float64Array(m * count);
  for (let c = 0; c < count; c++) q[c * m + c] = 1;
  applyQ(qr, q, count, 0);
  return q;
}

/** The first `rowCount` rows of R (rowCount x n, row-major; zero below the diagonal). */
export function extractR(qr: HouseholderQr, rowCount: number): Matrix {
  const { rows: m, cols: n, factors } = qr;
  const r = matrix(rowCount, n);
  for (let i = 0; i < Math.min(rowCount, m); i++)
    for (let c = i; c < n; c++) r.data[i * n + c] = factors[c * m + i];
  return r;
}

function sumSquares(f: Float64Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s += f[i] * f[i];
  return s;
}

function swapColumns(f: Float64Array, m: number, a: number, b: number): void {
  for (let i = 0; i < m; i++) {
    const t = f[a * m + i];
    f[a * m + i] = f[b * m + i];
    f[b * m + i] = t;
  }
}

export type QrMode = 'reduced' | 'complete';

export interface QrResult {
  /** m x k (reduced) or m x m (complete), orthonormal columns. */
  Q: Matrix;
  /** k x n (reduced) or m x n (complete), upper triangular. */
  R: Matrix;
}

/**
 * Householder QR: a = Q·R with k = min(m, n). `reduced` gives Q m x k and R k x n; `complete` gives
 * Q m x m and R m x n. Backward stable; Q is orthonormal to rounding error for every input,
 * rank-deficient or not. Diagonal entries of R may be negative.
 */
export function qr(a: Matrix, mode: QrMode = 'reduced'): QrResult {
  if (mode !== 'reduced' && mode !== 'complete')
    throw new ArgumentError(`qr: mode must be 'reduced' or 'complete', got '${String(mode)}'`);
  const { rows: m, cols: n } = a;
  const factors = householderQr(toColumnMajor(a), m, n, false);
  const qCols = mode === 'complete' ? m : Math.min(m, n);
  return { Q: fromColumnMajor(formQ(factors, qCols), m, qCols), R: extractR(factors, qCols) };
}
