import type { SliceSpec } from '@typegrad/tensor';
import * as T from '@typegrad/tensor';
import { record } from '../record.js';
import { Tensor } from '../tensor.js';
import { sumToShape } from './broadcast.js';

/*
 * Views and index ops. A view's gradient is the inverse view of the output gradient; the
 * adjoint of picking elements (slice, gather) is adding them back (scatterAdd).
 */

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return record('reshape', [x], x.value.reshape(shape), (g) => [reshape(g, x.shape)]);
}

export function permute(x: Tensor, axes: readonly number[]): Tensor {
  const value = x.value.permute(axes);
  const rank = x.shape.length;
  const inverse = new Array<number>(rank);
  axes.forEach((a, i) => {
    inverse[a < 0 ? a + rank : a] = i;
  });
  return record('permute', [x], value, (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const rank = x.shape.length;
  const axes = x.shape.map((_, i) => i);
  const [a, b] = [axis0 < 0 ? axis0 + rank : axis0, axis1 < 0 ? axis1 + rank : axis1];
  [axes[a], axes[b]] = [axes[b], axes[a]];
  return permute(x, axes);
}

export function expand(x: Tensor, shape: readonly number[]): Tensor {
  return record('expand', [x], x.value.expand(shape), (g) => [sumToShape(g, x.shape)]);
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  return record('unsqueeze', [x], x.value.unsqueeze(axis), (g) => [reshape(g, x.shape)]);
}

export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  return record('squeeze', [x], x.value.squeeze(axes), (g) => [reshape(g, x.shape)]);
}

export function flatten(x: Tensor, start = 0, end = -1): Tensor {
  return record('flatten', [x], x.value.flatten(start, end), (g) => [reshape(g, x.shape)]);
}

export function contiguous(x: Tensor): Tensor {
  return record('contiguous', [x], x.value.contiguous(), (g) => [g]);
}

/** Python-style slicing; backward scatters the gradient back axis by axis. */
export function slice(x: Tensor, ...specs: SliceSpec[]): Tensor {
  return record('slice', [x], x.value.slice(...specs), (g) => {
    let grad = g;
    for (let axis = 0; axis < x.shape.length; axis++) {
      const spec = specs[axis] ?? null;
      if (spec === null) continue;
      // The indices this axis selected: the same slice applied to 0..dim-1.
      const all = T.arange(x.shape[axis], undefined, 1, { backend: x.value.backend });
      const picked = Tensor.constant(
        typeof spec === 'number' ? all.slice([spec, spec === -1 ? null : spec + 1]) : all.slice(spec),
      );
      if (typeof spec === 'number') grad = unsqueeze(grad, axis);
      const shape = [...grad.shape];
      shape[axis] = x.shape[axis];
      grad = scatterAdd(shape, picked, grad, axis);
    }
    return [grad];
  });
}

/** np.take along `axis`; the gradient adds back into the taken rows (embedding backward). */
export function gather(x: Tensor, indices: Tensor | T.NDArray, axis = 0): Tensor {
  const idx = indices instanceof Tensor ? indices : Tensor.constant(indices);
  const a = axis < 0 ? axis + x.shape.length : axis;
  return record('gather', [x], T.gather(x.value, idx.value, a), (g) => [scatterAdd(x.shape, idx, g, a)]);
}

/** Zeros of `shape` plus `updates` added at `indices` along `axis`; the gradient gathers. */
export function scatterAdd(
  shape: readonly number[],
  indices: Tensor | T.NDArray,
  updates: Tensor,
  axis = 0,
): Tensor {
  const idx = indices instanceof Tensor ? indices : Tensor.constant(indices);
  const a = axis < 0 ? axis + shape.length : axis;
  return record('scatterAdd', [updates], T.scatterAdd(shape, idx.value, updates.value, a), (g) => [
    gather(g, idx, a),
  ]);
}

export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  const value = T.concat(
    xs.map((x) => x.value),
    axis,
  );
  const a = axis < 0 ? axis + xs[0].shape.length : axis;
  return record('concat', xs, value, (g) =>
    split(
      g,
      xs.map((x) => x.shape[a]),
      a,
    ),
  );
}

export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  return concat(
    xs.map((x) => unsqueeze(x, axis)),
    axis < 0 ? axis + xs[0].shape.length + 1 : axis,
  );
}

/** Splits into pieces along `axis`; each piece is a slice, with a slice's gradient. */
export function split(x: Tensor, sections: number | readonly number[], axis = 0): Tensor[] {
  const a = axis < 0 ? axis + x.shape.length : axis;
  const sizes =
    typeof sections === 'number' ? new Array<number>(sections).fill(x.shape[a] / sections) : sections;
  for (const v of T.split(x.value, sections, a)) v.dispose(); // validates sizes with a clear error
  let start = 0;
  return sizes.map((size) => {
    const specs: SliceSpec[] = x.shape.map((_, i) => (i === a ? [start, start + size] : null));
    start += size;
    return slice(x, ...specs);
  });
}
