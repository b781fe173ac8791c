/**
 * Dense linear algebra for small matrices (up to a few hundred rows): QR, SVD, symmetric eigh.
 * Inputs are 2-D float32 or float64 arrays on a backend that reads synchronously; the work is done
 * in float64 on the CPU and every result is float64, on the input's backend.
 */
import { ArgumentError } from '../errors.js';
import type { NDArray } from '../ndarray.js';
import { fromTyped } from '../ops/creation.js';
import { eigh as eighMatrix } from './eigh.js';
import { fromNDArray, toNDArray } from './matrix.js';
import { type QrMode, qr as qrMatrix } from './qr.js';
import {
  matrixRank as matrixRankMatrix,
  singularValues as singularValuesMatrix,
  svd as svdMatrix,
} from './svd.js';

export interface QrOptions {
  /** `reduced` (default): Q [m, k], R [k, n]; `complete`: Q [m, m], R [m, n]; k = min(m, n). */
  mode?: QrMode;
}

/**
 * QR decomposition a = Q·R by Householder reflections. Q has orthonormal columns, R is upper
 * triangular (its diagonal may be negative). Works for tall, square and wide matrices.
 * @throws ShapeError when `a` is not 2-D; DTypeError when it is not float32/float64.
 */
export function qr(a: NDArray, options: QrOptions = {}): { Q: NDArray; R: NDArray } {
  const { Q, R } = qrMatrix(fromNDArray('qr', a), options.mode ?? 'reduced');
  return { Q: toNDArray(Q, a.backend), R: toNDArray(R, a.backend) };
}

export interface SvdOptions {
  /** false (default): U [m, k], Vh [k, n]; true: U [m, m], Vh [n, n]; k = min(m, n). */
  full?: boolean;
}

/**
 * Singular value decomposition a = U·diag(S)·Vh with S [k] descending and non-negative.
 * One-sided Jacobi after a pivoted QR: accurate on ill-conditioned and rank-deficient input, and
 * U, Vh are orthonormal even when singular values are zero.
 * @throws ShapeError when `a` is not 2-D; DTypeError when not float; ArgumentError on NaN/Infinity.
 */
export function svd(a: NDArray, options: SvdOptions = {}): { U: NDArray; S: NDArray; Vh: NDArray } {
  const { U, S, Vh } = svdMatrix(fromNDArray('svd', a), options.full ?? false);
  return { U: toNDArray(U, a.backend), S: fromTyped(S, [S.length], a.backend), Vh: toNDArray(Vh, a.backend) };
}

/** The min(m, n) singular values of a 2-D array, descending, as float64 [k]. */
export function singularValues(a: NDArray): NDArray {
  const s = singularValuesMatrix(fromNDArray('singularValues', a));
  return fromTyped(s, [s.length], a.backend);
}

/**
 * Numerical rank of a 2-D array: how many singular values exceed `tol`
 * (default S[0]·max(m, n)·2⁻⁵², as NumPy's matrix_rank).
 */
export function matrixRank(a: NDArray, tol?: number): number {
  return matrixRankMatrix(fromNDArray('matrixRank', a), tol);
}

export interface EighOptions {
  /**
   * Largest |a[i, j] - a[j, i]| accepted, relative to max |a|; default 1e-10 for float64 input and
   * 1e-5 for float32 (whose products are rarely exactly symmetric).
   */
  symmetryTol?: number;
}

/**
 * Eigendecomposition of a symmetric matrix: a = V·diag(eigenvalues)·Vᵀ, eigenvalues descending,
 * eigenvectors as the (orthonormal) columns of V.
 * @throws ShapeError when `a` is not square 2-D; ArgumentError when it is not symmetric within
 * `symmetryTol`; DTypeError when not float.
 */
export function eigh(a: NDArray, options: EighOptions = {}): { eigenvalues: NDArray; eigenvectors: NDArray } {
  const tol = options.symmetryTol ?? (a.dtype === 'float32' ? 1e-5 : 1e-10);
  if (!(tol >= 0)) throw new ArgumentError(`eigh: symmetryTol must be a non-negative number, got ${tol}`);
  const { eigenvalues, eigenvectors } = eighMatrix(fromNDArray('eigh', a), tol);
  return {
    eigenvalues: fromTyped(eigenvalues, [eigenvalues.length], a.backend),
    eigenvectors: toNDArray(eigenvectors, a.backend),
  };
}
