import { assertDType } from '../dtype.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import type { NDArray } from '../ndarray.js';
import { fromTyped } from '../ops/creation.js';

/**
 * A dense row-major float64 matrix: element (i, j) is `data[i * cols + j]`.
 * The linear-algebra routines work on this plain type, away from NDArray views and backends.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A `rows` x `cols` matrix over `data` (taken over, not copied), zero-filled when omitted. */
export function matrix(rows: number, cols: number, data = new Float64Array(rows * cols)): Matrix {
  if (data.length !== rows * cols)
    throw new ShapeError(`matrix: ${data.length} values do not fill a ${rows}x${cols} matrix`);
  return { rows, cols, data };
}

/** Element (i, j). */
export function get(a: Matrix, i: number, j: number): number {
  return a.data[i * a.cols + j];
}

/** Sets element (i, j). */
export function set(a: Matrix, i: number, j: number, value: number): void {
  a.data[i * a.cols + j] = value;
}

/** The `rows` x `cols` identity (ones on the main diagonal). */
export function identity(rows: number, cols = rows): Matrix {
  const out = matrix(rows, cols);
  for (let i = 0; i < Math.min(rows, cols); i++) out.data[i * cols + i] = 1;
  return out;
}

/** A new matrix holding aᵀ. */
export function transpose(a: Matrix): Matrix {
  const out = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) out.data[j * a.rows + i] = a.data[i * a.cols + j];
  return out;
}

/** The product a·b (i-k-j loop order, so the inner loop runs along rows of b and out). */
export function multiply(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows)
    throw new ShapeError(`multiply: cannot multiply ${a.rows}x${a.cols} by ${b.rows}x${b.cols}`);
  const out = matrix(a.rows, b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    const outRow = i * n;
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      const bRow = k * n;
      for (let j = 0; j < n; j++) out.data[outRow + j] += aik * b.data[bRow + j];
    }
  }
  return out;
}

/** Largest absolute entry (0 for an empty matrix). */
export function maxAbs(a: Matrix): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const v = Math.abs(a.data[i]);
    if (v > m) m = v;
  }
  return m;
}

/** Throws unless every entry is finite; decompositions of NaN or Infinity have no meaning. */
export function assertFinite(op: string, a: Matrix): void {
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i])) {
      const row = Math.floor(i / a.cols);
      throw new ArgumentError(
        `${op}: input of shape [${a.rows}, ${a.cols}] has a non-finite entry ${a.data[i]} at [${row}, ${i - row * a.cols}]`,
      );
    }
  }
}

/**
 * Copies a 2-D float array into a float64 Matrix. The errors name `op`, the shape and the dtype.
 */
export function fromNDArray(op: string, x: NDArray): Matrix {
  x.assertAlive(op);
  if (x.rank !== 2)
    throw new ShapeError(`${op}: expected a 2-D matrix, got an array of shape ${fmtShape(x.shape)}`);
  assertDType(op, x.dtype, ['float32', 'float64']);
  return matrix(x.shape[0], x.shape[1], Float64Array.from(x.dataSync()));
}

/** A float64 NDArray holding a copy of `a`, on `backend` (default: the default backend). */
export function toNDArray(a: Matrix, backend?: string): NDArray {
  return fromTyped(a.data.slice(), [a.rows, a.cols], backend);
}
