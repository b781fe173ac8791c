import { Tensor } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';

/** A matrix the analyses accept: an NDArray or the value of a Tensor (a LoRA parameter). */
export type MatrixLike = T.NDArray | Tensor;

/**
 * A row-major float64 matrix: element (i, j) is `data[i * cols + j]`. The analyses work on this
 * plain type so their arithmetic is float64 and independent of the backend's kernels.
 */
export interface Dense {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A float64 copy of a 2-D float matrix; `op` and `what` name it in errors. */
export function denseOf(x: MatrixLike, op: string, what: string): Dense {
  const value = x instanceof Tensor ? x.value : x;
  if (value.rank !== 2)
    throw new T.ShapeError(`${op}: ${what} must be 2-D, got [${value.shape.join(', ')}] ${value.dtype}`);
  if (!T.isFloat(value.dtype))
    throw new T.DTypeError(
      `${op}: ${what} must be float32 or float64, got [${value.shape.join(', ')}] ${value.dtype}`,
    );
  return { rows: value.shape[0], cols: value.shape[1], data: Float64Array.from(value.dataSync()) };
}

export function toNDArray(a: Dense): T.NDArray {
  return T.fromTyped(a.data.slice(), [a.rows, a.cols]);
}

export function transpose(a: Dense): Dense {
  const data = new Float64Array(a.data.length);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) data[j * a.rows + i] = a.data[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, data };
}

export function multiply(a: Dense, b: Dense): Dense {
  if (a.cols !== b.rows)
    throw new T.ShapeError(`multiply: cannot multiply [${a.rows}, ${a.cols}] by [${b.rows}, ${b.cols}]`);
  const data = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      for (let j = 0; j < b.cols; j++) data[i * b.cols + j] += aik * b.data[k * b.cols + j];
    }
  return { rows: a.rows, cols: b.cols, data };
}

export function scale(a: Dense, factor: number): Dense {
  return { ...a, data: a.data.map((v) => v * factor) };
}

export function frobenius(a: Dense): number {
  let sum = 0;
  for (const v of a.data) sum += v * v;
  return Math.sqrt(sum);
}

/** Rows [0, k). */
export function firstRows(a: Dense, k: number): Dense {
  return { rows: k, cols: a.cols, data: a.data.slice(0, k * a.cols) };
}

/** Columns [0, k). */
export function firstCols(a: Dense, k: number): Dense {
  const data = new Float64Array(a.rows * k);
  for (let i = 0; i < a.rows; i++) data.set(a.data.subarray(i * a.cols, i * a.cols + k), i * k);
  return { rows: a.rows, cols: k, data };
}

/** Top singular triplets: U [m, k] (columns), S [k] descending, Vh [k, n] (rows). */
export interface TruncatedSvd {
  U: Dense;
  S: Float64Array;
  Vh: Dense;
}

/** The thin SVD of `a` cut to its first `k` singular triplets. */
export function truncatedSvd(a: Dense, k: number): TruncatedSvd {
  return T.tidy(() => {
    const { U, S, Vh } = T.linalg.svd(toNDArray(a));
    const u = denseOf(U, 'truncatedSvd', 'U');
    const vh = denseOf(Vh, 'truncatedSvd', 'Vh');
    const kept = Math.min(k, vh.rows);
    return {
      U: firstCols(u, kept),
      S: Float64Array.from(S.dataSync()).slice(0, kept),
      Vh: firstRows(vh, kept),
    };
  });
}

/**
 * The SVD of B·A ([m, r]·[r, n]) without forming it: with B = Qb·Rb and Aᵀ = Qa·Ra (thin QR),
 * B·A = Qb·(Rb·Raᵀ)·Qaᵀ, so the SVD of the small core Rb·Raᵀ gives U = Qb·Uc and Vh = Vhc·Qaᵀ.
 * Triplets beyond the rank of B·A have zero singular values and arbitrary orthonormal directions.
 */
export function lowRankSvd(B: Dense, A: Dense): TruncatedSvd {
  if (B.cols !== A.rows)
    throw new T.ShapeError(`lowRankSvd: B [${B.rows}, ${B.cols}] and A [${A.rows}, ${A.cols}] do not chain`);
  return T.tidy(() => {
    const qrB = T.linalg.qr(toNDArray(B));
    const qrA = T.linalg.qr(toNDArray(transpose(A)));
    const qb = denseOf(qrB.Q, 'lowRankSvd', 'Q of B');
    const qa = denseOf(qrA.Q, 'lowRankSvd', 'Q of Aᵀ');
    const core = multiply(
      denseOf(qrB.R, 'lowRankSvd', 'R of B'),
      transpose(denseOf(qrA.R, 'lowRankSvd', 'R of Aᵀ')),
    );
    const c = truncatedSvd(core, Math.min(core.rows, core.cols));
    return { U: multiply(qb, c.U), S: c.S, Vh: multiply(c.Vh, transpose(qa)) };
  });
}
