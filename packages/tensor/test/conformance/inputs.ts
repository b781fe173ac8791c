import type { DType, TypedArray } from '@typegrad/tensor';

/** How a test input's values are drawn (all from one seeded stream, identical on every backend). */
export type Values =
  /** standard normal */
  | 'normal'
  /** uniform in (0.05, 4): the domain of log, sqrt, rsqrt, reciprocal */
  | 'positive'
  /** multiples of 0.5 in [-3, 3]: ties for comparisons, max and argmax; exact halves for round */
  | 'grid'
  /** zeros, signed zeros, halves, large values, NaN and ±Infinity, then normal values */
  | 'special'
  /** integers in [lo, hi] (int32 inputs, class targets, indices) */
  | { lo: number; hi: number }
  /** true/false at random (bool inputs) */
  | 'bool';

export interface InputSpec {
  shape: number[];
  dtype?: DType;
  values?: Values;
}

const SPECIAL = [0, -0, 1, -1, 0.5, -0.5, 2.5, -2.5, 1e-3, -1e-3, 30, -30, Number.NaN, Infinity, -Infinity];

/** mulberry32: a small seeded generator, so inputs do not depend on the engine under test. */
function stream(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The host values of an input (a fresh typed array of the input's dtype). */
export function inputData(spec: InputSpec, seed: number): TypedArray {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.dtype ?? 'float32';
  const values =
    spec.values ?? (dtype === 'bool' ? 'bool' : dtype === 'int32' ? { lo: -5, hi: 5 } : 'normal');
  const rand = stream(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
  const out =
    dtype === 'int32' ? new Int32Array(n) : dtype === 'bool' ? new Uint8Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (values === 'bool') out[i] = rand() < 0.5 ? 1 : 0;
    else if (values === 'normal') out[i] = normal();
    else if (values === 'positive') out[i] = 0.05 + 3.95 * rand();
    else if (values === 'grid') out[i] = Math.round(rand() * 12 - 6) / 2;
    else if (values === 'special') out[i] = i < SPECIAL.length ? SPECIAL[i] : normal();
    else out[i] = values.lo + Math.floor(rand() * (values.hi - values.lo + 1));
  }
  return out;
}
