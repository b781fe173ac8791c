import * as T from '@typegrad/tensor';
import {
  type Dense,
  denseOf,
  lowRankSvd,
  type MatrixLike,
  multiply,
  transpose,
  truncatedSvd,
} from './dense.js';

/**
 * Which orthonormal directions of an adapter the subspace similarity compares:
 * - `rightOfA`: right singular vectors of `lora_A` [r, in] (rows of Vh of svd(A)), the input
 *   space the adapter reads. The default, and the choice of `subspaceSimilarity`.
 * - `leftOfB`: left singular vectors of `lora_B` [out, r] (columns of U of svd(B)), output space.
 * - `leftOfDeltaW` / `rightOfDeltaW`: left / right singular vectors of ΔW = B·A (the scaling, a
 *   positive factor, does not change them), ordered by ΔW's singular values.
 */
export type SubspaceBasis = 'rightOfA' | 'leftOfB' | 'leftOfDeltaW' | 'rightOfDeltaW';

/** The two factors of one adapter pair: A [r, in], B [out, r]. */
export interface LowRankFactors {
  A: MatrixLike;
  B: MatrixLike;
}

/** φ(i, j) for every i ≤ rows and j ≤ cols. */
export interface SubspaceGrid {
  /** φ(i, j) is `values[(i − 1) · cols + (j − 1)]`. */
  values: Float64Array;
  /** Directions available on the first side (min(r1, dim)). */
  rows: number;
  /** Directions available on the second side (min(r2, dim)). */
  cols: number;
  basis: SubspaceBasis;
}

/** φ(i, j) read from a grid (1-based, as in the paper). */
export function gridValue(grid: SubspaceGrid, i: number, j: number): number {
  checkIndex('gridValue', i, grid.rows, 'i');
  checkIndex('gridValue', j, grid.cols, 'j');
  return grid.values[(i - 1) * grid.cols + (j - 1)];
}

/**
 * Subspace similarity of Hu et al. (2021), Section 7.2:
 * φ(A1, A2, i, j) = ‖U1[:, :i]ᵀ·U2[:, :j]‖²_F / min(i, j) ∈ [0, 1],
 * with U the **right** singular vectors of `lora_A` [r, in] (rows of Vh of svd(A), transposed into
 * columns), i.e. directions of the input space. The paper is inconsistent here: it says
 * "right-singular unitary matrices" but names them U and takes their "columns", as one would for
 * left singular vectors. Left singular vectors of A live in R^r, which differs between the ranks
 * the paper compares (8 vs 64), so only the right ones make φ well defined; they are used here.
 * For output-side variants (B, or ΔW = B·A) use `adapterSubspaceSimilarityGrid`.
 * @throws ShapeError when A1, A2 are not 2-D with the same number of columns; ArgumentError when
 * i or j is not an integer in [1, min(r, in)].
 */
export function subspaceSimilarity(A1: MatrixLike, A2: MatrixLike, i: number, j: number): number {
  const grid = subspaceSimilarityGrid(A1, A2);
  checkIndex('subspaceSimilarity', i, grid.rows, 'i');
  checkIndex('subspaceSimilarity', j, grid.cols, 'j');
  return gridValue(grid, i, j);
}

/** φ(A1, A2, i, j) for all i ≤ r1 and j ≤ r2 (right singular vectors of A, as `subspaceSimilarity`). */
export function subspaceSimilarityGrid(A1: MatrixLike, A2: MatrixLike): SubspaceGrid {
  const a1 = denseOf(A1, 'subspaceSimilarity', 'A1');
  const a2 = denseOf(A2, 'subspaceSimilarity', 'A2');
  if (a1.cols !== a2.cols)
    throw new T.ShapeError(
      `subspaceSimilarity: A1 [${a1.rows}, ${a1.cols}] and A2 [${a2.rows}, ${a2.cols}] differ in input features`,
    );
  return basisSimilarityGrid(rightBasis(a1), rightBasis(a2), 'rightOfA');
}

/**
 * The φ grid between two adapter pairs on the chosen basis (see `SubspaceBasis`): `rightOfA`
 * reproduces `subspaceSimilarityGrid(p1.A, p2.A)`; the others compare output-side directions.
 */
export function adapterSubspaceSimilarityGrid(
  p1: LowRankFactors,
  p2: LowRankFactors,
  basis: SubspaceBasis = 'rightOfA',
): SubspaceGrid {
  const u1 = adapterBasis(p1, basis, 'first');
  const u2 = adapterBasis(p2, basis, 'second');
  if (u1.rows !== u2.rows)
    throw new T.ShapeError(
      `adapterSubspaceSimilarityGrid: ${basis} directions live in ${u1.rows} vs ${u2.rows} dimensions`,
    );
  return basisSimilarityGrid(u1, u2, basis);
}

/** Orthonormal directions of one adapter as the columns of [dim, k]. */
function adapterBasis(p: LowRankFactors, basis: SubspaceBasis, which: string): Dense {
  const op = 'adapterSubspaceSimilarityGrid';
  const A = denseOf(p.A, op, `A of the ${which} adapter`);
  if (basis === 'rightOfA') return rightBasis(A);
  const B = denseOf(p.B, op, `B of the ${which} adapter`);
  if (basis === 'leftOfB') return truncatedSvd(B, Math.min(B.rows, B.cols)).U;
  const svd = lowRankSvd(B, A);
  return basis === 'leftOfDeltaW' ? svd.U : transpose(svd.Vh);
}

/** Right singular vectors of a [r, n] matrix as the columns of [n, min(r, n)]. */
function rightBasis(a: Dense): Dense {
  return transpose(truncatedSvd(a, Math.min(a.rows, a.cols)).Vh);
}

/**
 * φ(i, j) = ‖U1[:, :i]ᵀ·U2[:, :j]‖²_F / min(i, j) for all i, j, from one product M = U1ᵀ·U2 and
 * 2-D prefix sums of M² (the squared norm of a leading block is the sum of its squared entries).
 */
function basisSimilarityGrid(u1: Dense, u2: Dense, basis: SubspaceBasis): SubspaceGrid {
  const m = multiply(transpose(u1), u2); // [k1, k2]
  const rows = m.rows;
  const cols = m.cols;
  const prefix = new Float64Array((rows + 1) * (cols + 1)); // prefix[i][j] = Σ_{a<i, b<j} M[a, b]²
  const values = new Float64Array(rows * cols);
  for (let i = 1; i <= rows; i++) {
    for (let j = 1; j <= cols; j++) {
      const v = m.data[(i - 1) * cols + (j - 1)];
      const sum =
        v * v +
        prefix[(i - 1) * (cols + 1) + j] +
        prefix[i * (cols + 1) + j - 1] -
        prefix[(i - 1) * (cols + 1) + j - 1];
      prefix[i * (cols + 1) + j] = sum;
      values[(i - 1) * cols + (j - 1)] = sum / Math.min(i, j);
    }
  }
  return { values, rows, cols, basis };
}

function checkIndex(op: string, value: number, max: number, name: string): void {
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new T.ArgumentError(`${op}: ${name} must be an integer in [1, ${max}], got ${value}`);
}
