import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { getBackend, getKernel } from '../kernels.js';
import { NDArray } from '../ndarray.js';
import { assertValidShape, normalizeAxis, type Shape } from '../shape.js';
import { sameBackend } from './util.js';

/** Checks `indices` address axis `axis` of an array of `shape`; the error names both shapes. */
function checkIndices(op: string, indices: NDArray, shape: Shape, axis: number): void {
  if (indices.dtype !== 'int32') throw new DTypeError(`${op}: indices must be int32, got ${indices.dtype}`);
  // Bounds are checked here once, so kernels can trust them; device backends pay a readback.
  if (indices.size === 0 || !getBackend(indices.backend).canReadSync) return;
  const dim = shape[axis];
  const idx = indices.dataSync();
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= dim) {
      throw new ArgumentError(
        `${op}: index ${idx[i]} is out of range for axis ${axis} of size ${dim} (array ${fmtShape(shape)}, indices ${fmtShape(indices.shape)})`,
      );
    }
  }
}

/**
 * np.take: selects slices of `x` along `axis` at `indices` (int32, any shape).
 * Output shape: x.shape[:axis] + indices.shape + x.shape[axis+1:]. An embedding lookup is gather(W, ids, 0).
 */
export function gather(x: NDArray, indices: NDArray, axis = 0): NDArray {
  const backend = sameBackend('gather', x, indices);
  const a = normalizeAxis('gather', axis, x.rank);
  checkIndices('gather', indices, x.shape, a);
  const shape = [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)];
  return new NDArray(getKernel(backend, 'gather')(x, indices, a), shape);
}

/** Zeros of `shape` with `updates` added at `indices` along `axis`; the gradient of gather. */
export function scatterAdd(shape: Shape, indices: NDArray, updates: NDArray, axis = 0): NDArray {
  const backend = sameBackend('scatterAdd', indices, updates);
  assertValidShape('scatterAdd', shape);
  const a = normalizeAxis('scatterAdd', axis, shape.length);
  checkIndices('scatterAdd', indices, shape, a);
  const expected = [...shape.slice(0, a), ...indices.shape, ...shape.slice(a + 1)];
  if (expected.length !== updates.rank || expected.some((d, i) => d !== updates.shape[i])) {
    throw new ShapeError(
      `scatterAdd: updates of shape ${fmtShape(updates.shape)} do not match ${fmtShape(expected)} (shape ${fmtShape(shape)}, indices ${fmtShape(indices.shape)}, axis ${a})`,
    );
  }
  return new NDArray(getKernel(backend, 'scatterAdd')(shape, indices, updates, a), shape);
}

/** Joins arrays along an existing axis. */
export function concat(xs: readonly NDArray[], axis = 0): NDArray {
  if (xs.length === 0) throw new ArgumentError('concat: needs at least one array');
  const backend = sameBackend('concat', ...xs);
  const first = xs[0];
  const a = normalizeAxis('concat', axis, first.rank);
  for (const x of xs) {
    const fits = x.rank === first.rank && x.shape.every((d, i) => i === a || d === first.shape[i]);
    if (!fits) {
      throw new ShapeError(
        `concat: shapes ${xs.map((y) => fmtShape(y.shape)).join(', ')} do not fit along axis ${a}`,
      );
    }
    if (x.dtype !== first.dtype)
      throw new DTypeError(`concat: dtypes differ (${xs.map((y) => y.dtype).join(', ')})`);
  }
  const shape = [...first.shape];
  shape[a] = xs.reduce((n, x) => n + x.shape[a], 0);
  return new NDArray(getKernel(backend, 'concat')(xs, a), shape);
}

/** Joins arrays of one shape along a new axis. */
export function stack(xs: readonly NDArray[], axis = 0): NDArray {
  if (xs.length === 0) throw new ArgumentError('stack: needs at least one array');
  const a = normalizeAxis('stack', axis, xs[0].rank + 1);
  for (const x of xs) {
    if (x.rank !== xs[0].rank || x.shape.some((d, i) => d !== xs[0].shape[i])) {
      throw new ShapeError(`stack: shapes differ: ${xs.map((y) => fmtShape(y.shape)).join(', ')}`);
    }
  }
  const expanded = xs.map((x) => x.unsqueeze(a));
  const out = concat(expanded, a);
  for (const e of expanded) e.dispose();
  return out;
}

/** Splits into views along `axis`: into `n` equal parts, or parts of the given sizes. */
export function split(x: NDArray, sections: number | readonly number[], axis = 0): NDArray[] {
  const a = normalizeAxis('split', axis, x.rank);
  const dim = x.shape[a];
  let sizes: number[];
  if (typeof sections === 'number') {
    if (!Number.isInteger(sections) || sections <= 0 || dim % sections !== 0) {
      throw new ShapeError(
        `split: axis ${a} of ${fmtShape(x.shape)} does not split into ${sections} equal parts`,
      );
    }
    sizes = new Array<number>(sections).fill(dim / sections);
  } else {
    sizes = [...sections];
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((p, s) => p + s, 0) !== dim) {
      throw new ShapeError(
        `split: sizes [${sizes.join(', ')}] do not add up to axis ${a} of ${fmtShape(x.shape)}`,
      );
    }
  }
  let start = 0;
  return sizes.map((s) => {
    const specs = x.shape.map((_, i) => (i === a ? ([start, start + s] as const) : null));
    start += s;
    return x.slice(...specs);
  });
}
