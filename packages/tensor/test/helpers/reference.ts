/*
 * Naive reference implementations, written with explicit index loops and no code from src/,
 * so that a property "op(x) == reference(x)" checks the engine against an independent reading
 * of the semantics (NumPy's for shapes, Python's for slices, PyTorch's for the losses).
 *
 * A reference array is plain data: a shape and its elements in row-major order, as numbers.
 */

/** A row-major array as plain JS numbers. */
export interface Ref {
  shape: number[];
  data: number[];
}

/** Number of elements of a shape (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The multi-index of row-major position `flat`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = flat % shape[axis];
    flat = Math.floor(flat / shape[axis]);
  }
  return index;
}

/** Row-major position of a multi-index. */
export function ravel(index: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let axis = 0; axis < shape.length; axis++) flat = flat * shape[axis] + index[axis];
  return flat;
}

/** Builds an array by evaluating `at` at every multi-index of `shape`, in row-major order. */
export function build(shape: readonly number[], at: (index: number[]) => number): Ref {
  const data: number[] = [];
  const n = numel(shape);
  for (let i = 0; i < n; i++) data.push(at(unravel(i, shape)));
  return { shape: [...shape], data };
}

/** Element at a multi-index. */
export function get(x: Ref, index: readonly number[]): number {
  return x.data[ravel(index, x.shape)];
}

/** The elements of a strided view: storage[offset + sum(index[i] * strides[i])] for every index. */
export function readStrided(
  storage: ArrayLike<number>,
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): number[] {
  return build(shape, (index) => {
    let at = offset;
    for (let i = 0; i < index.length; i++) at += index[i] * strides[i];
    return storage[at];
  }).data;
}

// ---- broadcasting ----

/** NumPy's broadcast of two shapes, or null when they do not broadcast. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else return null;
  }
  return out;
}

/** Row-major position in `x` of the element that broadcasting sends to `outIndex` (leading axes dropped, size-1 axes pinned to 0). */
export function broadcastPosition(x: Ref, outIndex: readonly number[]): number {
  const skip = outIndex.length - x.shape.length;
  return ravel(
    x.shape.map((d, i) => (d === 1 ? 0 : outIndex[skip + i])),
    x.shape,
  );
}

/** The element of `x` that broadcasting sends to `outIndex`. */
export function broadcastGet(x: Ref, outIndex: readonly number[]): number {
  return x.data[broadcastPosition(x, outIndex)];
}

/** `f` applied to every pair of broadcast elements. */
export function binaryRef(f: (a: number, b: number) => number, a: Ref, b: Ref): Ref {
  const shape = broadcastShape(a.shape, b.shape);
  if (!shape) throw new Error(`reference: [${a.shape}] and [${b.shape}] do not broadcast`);
  return build(shape, (index) => f(broadcastGet(a, index), broadcastGet(b, index)));
}

export function mapRef(x: Ref, f: (v: number) => number): Ref {
  return { shape: [...x.shape], data: x.data.map(f) };
}

// ---- views ----

export function reshapeRef(x: Ref, shape: readonly number[]): Ref {
  const known = shape.filter((d) => d !== -1);
  const resolved = shape.map((d) => (d === -1 ? numel(x.shape) / numel(known) : d));
  if (numel(resolved) !== x.data.length) throw new Error('reference: bad reshape');
  return { shape: resolved, data: [...x.data] };
}

export function permuteRef(x: Ref, axes: readonly number[]): Ref {
  const ax = axes.map((a) => (a < 0 ? a + x.shape.length : a));
  const shape = ax.map((a) => x.shape[a]);
  return build(shape, (outIndex) => {
    const index = new Array<number>(ax.length);
    ax.forEach((a, i) => {
      index[a] = outIndex[i];
    });
    return get(x, index);
  });
}

/**
 * The indices Python's `range(dim)[start:stop:step]` selects, following CPython's
 * PySlice_AdjustIndices line by line.
 */
export function pySliceIndices(
  dim: number,
  start: number | null | undefined,
  stop: number | null | undefined,
  step: number | null | undefined,
): number[] {
  const s = step ?? 1;
  const adjust = (v: number | null | undefined, fallback: number): number => {
    if (v == null) return fallback;
    if (v < 0) {
      v += dim;
      if (v < 0) v = s < 0 ? -1 : 0;
    } else if (v >= dim) v = s < 0 ? dim - 1 : dim;
    return v;
  };
  const from = adjust(start, s < 0 ? dim - 1 : 0);
  const to = adjust(stop, s < 0 ? -1 : dim);
  const out: number[] = [];
  for (let i = from; s > 0 ? i < to : i > to; i += s) out.push(i);
  return out;
}

export type RefSliceSpec = number | null | readonly [number | null, (number | null)?, (number | null)?];

/** NumPy basic indexing: an integer drops its axis, a triple slices it, missing specs keep the axis. */
export function sliceRef(x: Ref, specs: readonly RefSliceSpec[]): Ref {
  const picks: number[][] = [];
  const kept: boolean[] = [];
  x.shape.forEach((dim, axis) => {
    const spec = axis < specs.length ? specs[axis] : null;
    if (typeof spec === 'number') {
      picks.push([spec < 0 ? spec + dim : spec]);
      kept.push(false);
    } else {
      const [start, stop, step] = spec ?? [null, null, null];
      picks.push(pySliceIndices(dim, start, stop, step));
      kept.push(true);
    }
  });
  const shape = picks.filter((_, i) => kept[i]).map((p) => p.length);
  return build(shape, (outIndex) => {
    let k = 0;
    const index = picks.map((p, axis) => (kept[axis] ? p[outIndex[k++]] : p[0]));
    return get(x, index);
  });
}

export function expandRef(x: Ref, shape: readonly number[]): Ref {
  return build(shape, (index) => broadcastGet(x, index));
}

// ---- matmul ----

/** NumPy matmul by the triple loop: 1-D operands become a row / column, batch axes broadcast. */
export function matmulRef(a: Ref, b: Ref): Ref {
  const a2 = a.shape.length === 1 ? { shape: [1, a.shape[0]], data: a.data } : a;
  const b2 = b.shape.length === 1 ? { shape: [b.shape[0], 1], data: b.data } : b;
  const [M, K] = a2.shape.slice(-2);
  const [K2, N] = b2.shape.slice(-2);
  if (K !== K2) throw new Error('reference: matmul inner dims differ');
  const batch = broadcastShape(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  if (!batch) throw new Error('reference: matmul batch dims do not broadcast');
  const full = build([...batch, M, N], (index) => {
    const lead = index.slice(0, -2);
    const [i, j] = index.slice(-2);
    // a2[..., i, k] is at aRow + k and b2[..., k, j] at bCol + k * N (row-major)
    const aRow = K === 0 ? 0 : broadcastPosition(a2, [...lead, i, 0]);
    const bCol = K === 0 ? 0 : broadcastPosition(b2, [...lead, 0, j]);
    let acc = 0;
    for (let k = 0; k < K; k++) acc += a2.data[aRow + k] * b2.data[bCol + k * N];
    return acc;
  });
  const shape = [...batch, ...(a.shape.length === 1 ? [] : [M]), ...(b.shape.length === 1 ? [] : [N])];
  return { shape, data: full.data };
}

/** Per output element, sum_k |a_ik| |b_kj|: the scale that bounds rounding error of a dot product. */
export function matmulAbsRef(a: Ref, b: Ref): Ref {
  return matmulRef(mapRef(a, Math.abs), mapRef(b, Math.abs));
}

// ---- reductions ----

function normAxes(axes: readonly number[], rank: number): number[] {
  return axes.map((a) => (a < 0 ? a + rank : a));
}

/** The row-major positions of `x` that reduce into each output element, output in row-major order. */
export function reductionGroups(shape: readonly number[], axes: readonly number[]): number[][] {
  const ax = normAxes(axes, shape.length);
  const outShape = shape.filter((_, i) => !ax.includes(i));
  const groups: number[][] = Array.from({ length: numel(outShape) }, () => []);
  for (let flat = 0; flat < numel(shape); flat++) {
    const index = unravel(flat, shape);
    groups[
      ravel(
        index.filter((_, i) => !ax.includes(i)),
        outShape,
      )
    ].push(flat);
  }
  return groups;
}

export function reducedShapeRef(
  shape: readonly number[],
  axes: readonly number[],
  keepdims: boolean,
): number[] {
  const ax = normAxes(axes, shape.length);
  return keepdims ? shape.map((d, i) => (ax.includes(i) ? 1 : d)) : shape.filter((_, i) => !ax.includes(i));
}

/** Folds each group of elements with `combine`, starting from `init`. */
export function reduceRef(
  x: Ref,
  axes: readonly number[],
  keepdims: boolean,
  init: number,
  combine: (acc: number, v: number) => number,
): Ref {
  const groups = reductionGroups(x.shape, axes);
  const data = groups.map((g) => g.reduce((acc, flat) => combine(acc, x.data[flat]), init));
  return { shape: reducedShapeRef(x.shape, axes, keepdims), data };
}

/** NaN if any element is NaN, else the largest / smallest. */
export const maxCombine = (acc: number, v: number): number =>
  Number.isNaN(acc) || Number.isNaN(v) ? NaN : Math.max(acc, v);
export const minCombine = (acc: number, v: number): number =>
  Number.isNaN(acc) || Number.isNaN(v) ? NaN : Math.min(acc, v);

/** Index of the first extreme along `axis` (a NaN counts as the extreme, as NumPy). */
export function argReduceRef(x: Ref, axis: number, kind: 'argmax' | 'argmin', keepdims: boolean): Ref {
  const groups = reductionGroups(x.shape, [axis]);
  const data = groups.map((g) => {
    let best = 0;
    for (let i = 0; i < g.length; i++) {
      const v = x.data[g[i]];
      if (Number.isNaN(v)) return i;
      const current = x.data[g[best]];
      if (kind === 'argmax' ? v > current : v < current) best = i;
    }
    return best;
  });
  return { shape: reducedShapeRef(x.shape, [axis], keepdims), data };
}

// ---- indexing ----

export function gatherRef(x: Ref, indices: Ref, axis: number): Ref {
  const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const k = indices.shape.length;
  return build(shape, (outIndex) => {
    const picked = get(indices, outIndex.slice(axis, axis + k));
    return get(x, [...outIndex.slice(0, axis), picked, ...outIndex.slice(axis + k)]);
  });
}

export function scatterAddRef(shape: readonly number[], indices: Ref, updates: Ref, axis: number): Ref {
  const out: Ref = { shape: [...shape], data: new Array<number>(numel(shape)).fill(0) };
  const k = indices.shape.length;
  for (let flat = 0; flat < updates.data.length; flat++) {
    const u = unravel(flat, updates.shape);
    const picked = get(indices, u.slice(axis, axis + k));
    out.data[ravel([...u.slice(0, axis), picked, ...u.slice(axis + k)], shape)] += updates.data[flat];
  }
  return out;
}

export function concatRef(xs: readonly Ref[], axis: number): Ref {
  const sizes = xs.map((x) => x.shape[axis]);
  const shape = [...xs[0].shape];
  shape[axis] = sizes.reduce((p, s) => p + s, 0);
  return build(shape, (index) => {
    let i = index[axis];
    let part = 0;
    while (i >= sizes[part]) i -= sizes[part++];
    const inner = [...index];
    inner[axis] = i;
    return get(xs[part], inner);
  });
}

// ---- scalar functions and composites (float64) ----

/**
 * erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)): a series of positive
 * terms (no cancellation, unlike the Taylor series), summed to `terms` terms.
 */
export function erfSeries(x: number, terms = 200): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < terms; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

/** The lanes (row-major positions) along `axis`, one per combination of the other axes. */
export function lanes(shape: readonly number[], axis: number): number[][] {
  return reductionGroups(shape, [axis]);
}

/** Applies `f` to each lane along `axis` (f maps a lane's values to new values). */
export function mapLanes(x: Ref, axis: number, f: (lane: number[]) => number[]): Ref {
  const data = [...x.data];
  for (const lane of lanes(x.shape, axis < 0 ? axis + x.shape.length : axis)) {
    const values = f(lane.map((i) => x.data[i]));
    lane.forEach((pos, k) => {
      data[pos] = values[k];
    });
  }
  return { shape: [...x.shape], data };
}

/** log(sum(exp(v))) by the textbook shift by the max; -Infinity for an all -Infinity lane. */
export function logsumexpLane(v: readonly number[]): number {
  let m = -Infinity;
  for (const x of v) m = Math.max(m, x);
  if (m === -Infinity || m === Infinity) return m;
  let s = 0;
  for (const x of v) s += Math.exp(x - m);
  return m + Math.log(s);
}

export function softmaxLane(v: readonly number[]): number[] {
  const lse = logsumexpLane(v);
  return v.map((x) => Math.exp(x - lse));
}

export function logSoftmaxLane(v: readonly number[]): number[] {
  const lse = logsumexpLane(v);
  return v.map((x) => x - lse);
}

export function meanOf(v: readonly number[]): number {
  let s = 0;
  for (const x of v) s += x;
  return s / v.length;
}

/** Sum of squared deviations divided by n - correction. */
export function varianceOf(v: readonly number[], correction = 0): number {
  const m = meanOf(v);
  let s = 0;
  for (const x of v) s += (x - m) ** 2;
  return s / (v.length - correction);
}

/** (x - mean) / sqrt(biased var + eps) * weight + bias, per lane of the last axis. */
export function layerNormLane(
  v: readonly number[],
  weight: readonly number[] | null,
  bias: readonly number[] | null,
  eps: number,
): number[] {
  const m = meanOf(v);
  const denom = Math.sqrt(varianceOf(v) + eps);
  return v.map((x, i) => ((x - m) / denom) * (weight ? weight[i] : 1) + (bias ? bias[i] : 0));
}

/** Standard normal CDF times x, via the series erf. */
export function geluExact(x: number): number {
  return 0.5 * x * (1 + erfSeries(x / Math.SQRT2));
}

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

/**
 * PyTorch's cross_entropy with class-index targets: per row
 * (1-eps) * (-logp[t]) + eps * mean_c(-logp[c]), 0 for ignored rows; 'mean' divides the sum by
 * the number of non-ignored rows.
 */
export function crossEntropyRef(
  logits: Ref,
  targets: readonly number[],
  options: { ignoreIndex: number; labelSmoothing: number; reduction: 'mean' | 'sum' | 'none' },
): number[] {
  const C = logits.shape[logits.shape.length - 1];
  const losses: number[] = [];
  let counted = 0;
  targets.forEach((t, row) => {
    if (t === options.ignoreIndex) {
      losses.push(0);
      return;
    }
    counted++;
    const logp = logSoftmaxLane(logits.data.slice(row * C, (row + 1) * C));
    const nll = -logp[t];
    const smooth = -meanOf(logp);
    const eps = options.labelSmoothing;
    losses.push((1 - eps) * nll + eps * smooth);
  });
  if (options.reduction === 'none') return losses;
  const total = losses.reduce((p, l) => p + l, 0);
  return [options.reduction === 'sum' ? total : total / counted];
}

// ---- comparison ----

export interface Tolerance {
  rtol?: number;
  atol?: number;
  /** Per-element absolute tolerance (added to atol), e.g. an error bound from a dot product. */
  scale?: ArrayLike<number>;
}

/**
 * Throws (failing the property) unless the arrays match elementwise: NaN matches NaN,
 * infinities must be equal, other values within atol + rtol*|expected| (+ scale[i]);
 * -0 and 0 are equal.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance = {},
  what = 'values',
): void {
  const { rtol = 0, atol = 0, scale } = tolerance;
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) ? Number.isNaN(a) : a === e) continue;
    const ok =
      Number.isFinite(e) &&
      Number.isFinite(a) &&
      Math.abs(a - e) <= atol + rtol * Math.abs(e) + (scale?.[i] ?? 0);
    if (!ok) {
      throw new Error(
        `${what}: element ${i} is ${a}, expected ${e} (rtol ${rtol}, atol ${atol}${scale ? `, scale ${scale[i]}` : ''})`,
      );
    }
  }
}

/** assertClose plus equal shapes. */
export function assertArrayClose(
  actual: { shape: readonly number[]; data: ArrayLike<number> },
  expected: Ref,
  tolerance: Tolerance = {},
  what = 'values',
): void {
  if (actual.shape.join(',') !== expected.shape.join(',')) {
    throw new Error(`${what}: shape [${actual.shape}], expected [${expected.shape}]`);
  }
  assertClose(actual.data, expected.data, tolerance, what);
}
