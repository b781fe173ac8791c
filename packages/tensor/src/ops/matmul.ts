import { isFloat } from '../dtype.js';
import { DTypeError, fmtShape, ShapeError } from '../errors.js';
import { getKernel } from '../kernels.js';
import { NDArray } from '../ndarray.js';
import { broadcastShapes } from '../shape.js';
import { sameBackend } from './util.js';

/**
 * Matrix product with NumPy's rules: [..., M, K] x [..., K, N] -> [..., M, N], batch dims
 * broadcast; a 1-D operand is a row (left) or column (right) vector and its axis is dropped.
 * Transposed views are read in place by the kernels, so `matmul(a, b.T)` copies nothing.
 */
export function matmul(a: NDArray, b: NDArray): NDArray {
  const backend = sameBackend('matmul', a, b);
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(
      `matmul: operands must have at least 1 dim, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  if (a.dtype !== b.dtype || !isFloat(a.dtype)) {
    throw new DTypeError(`matmul: operands must share a float dtype, got ${a.dtype} and ${b.dtype}`);
  }
  // shapes are checked before any view is made, so that a failed call leaks nothing
  const aShape = a.rank === 1 ? [1, a.shape[0]] : a.shape;
  const bShape = b.rank === 1 ? [b.shape[0], 1] : b.shape;
  const [M, K] = aShape.slice(-2);
  const [K2, N] = bShape.slice(-2);
  if (K !== K2) {
    throw new ShapeError(
      `matmul: inner dims differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)} (${K} vs ${K2})`,
    );
  }
  let batch: number[];
  try {
    batch = broadcastShapes('matmul', aShape.slice(0, -2), bShape.slice(0, -2));
  } catch {
    throw new ShapeError(
      `matmul: batch dims of ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be broadcast together`,
    );
  }
  const x = a.rank === 1 ? a.unsqueeze(0) : a;
  const y = b.rank === 1 ? b.unsqueeze(1) : b;
  const xv = x.expand([...batch, M, K]);
  const yv = y.expand([...batch, K, N]);
  const storage = getKernel(backend, 'matmul')(xv, yv, a.dtype);
  for (const t of [x, y, xv, yv]) if (t !== a && t !== b) t.dispose();
  const shape = [...batch, ...(a.rank === 1 ? [] : [M]), ...(b.rank === 1 ? [] : [N])];
  return new NDArray(storage, shape);
}
