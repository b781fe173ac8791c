import * as T from '@typegrad/tensor';
import fc from 'fast-check';
import { broadcastShape, numel, type Ref } from './reference.js';

/*
 * fast-check generators for the tensor properties: shapes (size-1, size-0 and odd axes are
 * common), broadcast-compatible shape pairs, values with edge cases, and chains of views.
 * They produce plain data; NDArrays are made inside the property.
 */

/** Every property runs from this seed, so CI sees the same cases on every run. */
export const SEED = 0x7e2504;

/** fc.assert with the pinned seed and a fixed number of runs. */
export function assertProperty<Ts>(property: fc.IProperty<Ts>, numRuns = 100): void {
  fc.assert(property, { numRuns, seed: SEED });
}

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  /** Largest size of one axis. */
  maxDim?: number;
  /** Largest element count. */
  maxSize?: number;
  /** Whether axes of size 0 may appear. */
  allowZero?: boolean;
}

/** One axis: often 1, sometimes 0 (when allowed), else 2..maxDim (odd sizes included). */
export function dimArb(maxDim = 5, allowZero = true): fc.Arbitrary<number> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(1) },
    { weight: allowZero ? 1 : 0, arbitrary: fc.constant(0) },
    { weight: 6, arbitrary: fc.integer({ min: 2, max: Math.max(2, maxDim) }) },
  );
}

export function shapeArb(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4, maxDim = 5, maxSize = 120, allowZero = true } = options;
  return fc
    .array(dimArb(maxDim, allowZero), { minLength: minRank, maxLength: maxRank })
    .filter((shape) => numel(shape) <= maxSize);
}

/** An operand shape that broadcasts to `out`: some leading axes dropped, some axes set to 1. */
function broadcastOperandArb(out: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

export interface BroadcastPair {
  a: number[];
  b: number[];
  out: number[];
}

/** Two shapes that broadcast together (rank differences, size-1 and size-0 axes), and their result. */
export function broadcastPairArb(options: ShapeOptions = {}): fc.Arbitrary<BroadcastPair> {
  return broadcastGroupArb(2, options).map(({ shapes: [a, b], out }) => ({ a, b, out }));
}

/** `count` shapes that broadcast together, and their result. */
export function broadcastGroupArb(
  count: number,
  options: ShapeOptions = {},
): fc.Arbitrary<{ shapes: number[][]; out: number[] }> {
  return shapeArb(options).chain((target) =>
    fc.array(broadcastOperandArb(target), { minLength: count, maxLength: count }).map((shapes) => ({
      shapes,
      out: shapes.reduce<number[]>((acc, s) => broadcastShape(acc, s) ?? [], []),
    })),
  );
}

export type NumericDType = 'float32' | 'float64' | 'int32' | 'bool';

const F32_MAX = 3.4028234663852886e38;
const EDGE_VALUES: Record<'float32' | 'float64', number[]> = {
  float64: [0, -0, 1, -1, 0.5, -2.5, 5e-324, 1e-310, 1.7976931348623157e308, -1e300, 709.5, -745],
  float32: [0, -0, 1, -1, 0.5, -2.5, 1.401298464324817e-45, 1.1754943508222875e-38, F32_MAX, -F32_MAX, 88.5],
};
const NON_FINITE = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

export interface ValueOptions {
  /** Include NaN and ±Infinity among the edge values (default true). */
  nonFinite?: boolean;
  /** Include the edge values at all (default true); without them values lie in [-range, range]. */
  edges?: boolean;
  /** Half-width of the ordinary values (default 100). */
  range?: number;
}

/** One value that `dtype` can hold exactly, with edge values mixed in for floats. */
export function scalarArb(dtype: NumericDType, options: ValueOptions = {}): fc.Arbitrary<number> {
  const { nonFinite = true, edges = true, range = 100 } = options;
  if (dtype === 'bool') return fc.boolean().map((b) => (b ? 1 : 0));
  if (dtype === 'int32') {
    return fc.oneof(fc.constantFrom(0, 1, -1, 2, -3), fc.integer({ min: -range, max: range }));
  }
  const ordinary =
    dtype === 'float32'
      ? fc.float({ min: Math.fround(-range), max: Math.fround(range), noNaN: true })
      : fc.double({ min: -range, max: range, noNaN: true });
  return fc.oneof(
    { weight: 4, arbitrary: ordinary },
    { weight: edges ? 2 : 0, arbitrary: fc.constantFrom(...EDGE_VALUES[dtype]) },
    { weight: edges && nonFinite ? 1 : 0, arbitrary: fc.constantFrom(...NON_FINITE) },
  );
}

export function valuesArb(
  size: number,
  dtype: NumericDType,
  options: ValueOptions = {},
): fc.Arbitrary<number[]> {
  return fc.array(scalarArb(dtype, options), { minLength: size, maxLength: size });
}

/** A shape and values for it. */
export function refArb(
  dtype: NumericDType,
  shapeOptions: ShapeOptions = {},
  valueOptions: ValueOptions = {},
): fc.Arbitrary<Ref> {
  return shapeArb(shapeOptions).chain((shape) =>
    valuesArb(numel(shape), dtype, valueOptions).map((data) => ({ shape, data })),
  );
}

const TYPED = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

/** An NDArray holding `data` (cast by the typed array's storing rules). */
export function toNDArray(data: readonly number[], shape: readonly number[], dtype: NumericDType): T.NDArray {
  return T.fromTyped(TYPED[dtype].from(data), shape);
}

/** The reference form of an NDArray: its shape and row-major values. */
export function toRef(x: T.NDArray): Ref {
  return { shape: [...x.shape], data: Array.from(x.dataSync()) };
}

// ---- chains of views ----

export type ViewKind =
  | 'reshape'
  | 'permute'
  | 'transpose'
  | 'slice'
  | 'expand'
  | 'unsqueeze'
  | 'squeeze'
  | 'flatten';

/** A view step before it meets a shape: its kind and random picks that choose its arguments. */
export interface ViewStep {
  kind: ViewKind;
  picks: number[];
}

/** A view with concrete arguments for a given input shape. */
export type ViewOp =
  | { op: 'reshape'; shape: number[] }
  | { op: 'permute'; axes: number[] }
  | { op: 'transpose'; axis0: number; axis1: number }
  | { op: 'slice'; specs: T.SliceSpec[] }
  | { op: 'expand'; shape: number[] }
  | { op: 'unsqueeze'; axis: number }
  | { op: 'squeeze'; axes?: number[] }
  | { op: 'flatten'; start: number; end: number };

const VIEW_KINDS: ViewKind[] = [
  'reshape',
  'permute',
  'transpose',
  'slice',
  'expand',
  'unsqueeze',
  'squeeze',
  'flatten',
];

export function viewStepArb(kinds: readonly ViewKind[] = VIEW_KINDS): fc.Arbitrary<ViewStep> {
  return fc.record({
    kind: fc.constantFrom(...kinds),
    picks: fc.array(fc.nat(1 << 16), { minLength: 16, maxLength: 16 }),
  });
}

/** A base shape and up to `maxSteps` view steps to apply to it. */
export function viewChainArb(maxSteps = 4, kinds?: readonly ViewKind[]) {
  return fc.record({
    shape: shapeArb({ maxRank: 4, maxSize: 96 }),
    steps: fc.array(viewStepArb(kinds), { minLength: 1, maxLength: maxSteps }),
  });
}

/** Largest element count an expand may produce, to keep reference loops fast. */
const MAX_EXPANDED = 240;

/** Turns a step into a view that is valid for `shape`, drawing its arguments from the picks. */
export function viewOpFor(shape: readonly number[], step: ViewStep): ViewOp {
  let k = 0;
  const pick = (n: number) => (n <= 0 ? 0 : step.picks[k++ % step.picks.length] % n);
  const rank = shape.length;
  switch (step.kind) {
    case 'reshape':
      return { op: 'reshape', shape: randomFactorization(shape, pick) };
    case 'permute': {
      const axes = shape.map((_, i) => i);
      for (let i = axes.length - 1; i > 0; i--) {
        const j = pick(i + 1);
        [axes[i], axes[j]] = [axes[j], axes[i]];
      }
      // negative spellings of the same axes are also accepted
      return { op: 'permute', axes: axes.map((a) => (pick(3) === 0 ? a - rank : a)) };
    }
    case 'transpose':
      if (rank === 0) return { op: 'permute', axes: [] };
      return { op: 'transpose', axis0: pick(2 * rank) - rank, axis1: pick(2 * rank) - rank };
    case 'slice': {
      const count = pick(rank + 1);
      const specs: T.SliceSpec[] = [];
      for (let axis = 0; axis < count; axis++) specs.push(randomSliceSpec(shape[axis], pick));
      return { op: 'slice', specs };
    }
    case 'expand': {
      const lead = Array.from({ length: pick(3) }, () => 1 + pick(3));
      const to = [...lead, ...shape.map((d) => (d === 1 ? 1 + pick(4) : d))];
      return numel(to) <= MAX_EXPANDED ? { op: 'expand', shape: to } : { op: 'expand', shape: [...shape] };
    }
    case 'unsqueeze':
      return { op: 'unsqueeze', axis: pick(2 * rank + 2) - (rank + 1) };
    case 'squeeze': {
      const ones = shape.flatMap((d, i) => (d === 1 ? [i] : []));
      if (pick(3) === 0) return { op: 'squeeze' };
      return { op: 'squeeze', axes: ones.filter(() => pick(2) === 0).map((a) => (pick(2) ? a - rank : a)) };
    }
    case 'flatten': {
      if (rank === 0) return { op: 'flatten', start: 0, end: -1 };
      const start = pick(rank);
      const end = start + pick(rank - start);
      return { op: 'flatten', start: pick(2) ? start - rank : start, end: pick(2) ? end - rank : end };
    }
  }
}

/** A Python slice spec for an axis of size `dim`: all, an index, or [start, stop, step] with any of them null. */
function randomSliceSpec(dim: number, pick: (n: number) => number): T.SliceSpec {
  const choice = pick(5);
  if (choice === 0) return null;
  if (choice === 1 && dim > 0) return pick(2 * dim) - dim;
  const bound = () => (pick(4) === 0 ? null : pick(2 * dim + 5) - dim - 2);
  const steps = [null, 1, 2, 3, -1, -2, -3, 5];
  return [bound(), bound(), steps[pick(steps.length)]];
}

/** A shape with the same element count, rank 1..4, possibly with one -1. */
function randomFactorization(shape: readonly number[], pick: (n: number) => number): number[] {
  const size = numel(shape);
  const rank = 1 + pick(4);
  if (size === 0) {
    const out = Array.from({ length: rank }, () => 1 + pick(3));
    out[pick(rank)] = 0;
    const unknown = pick(rank + 1);
    // -1 is only resolvable when the other sizes are non-zero: it then stands for the 0.
    if (unknown < rank && out[unknown] === 0) out[unknown] = -1;
    return out;
  }
  const out = new Array<number>(rank).fill(1);
  let rest = size;
  for (let p = 2; rest > 1; p++) {
    while (rest % p === 0) {
      out[pick(rank)] *= p;
      rest /= p;
    }
  }
  const unknown = pick(rank + 1);
  if (unknown < rank) out[unknown] = -1;
  return out;
}
