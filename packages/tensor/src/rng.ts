/**
 * Counter-based random numbers: value i of a stream is a pure function of (seed, i), so every
 * backend and every run produce the same numbers for the same seed, and work splits freely.
 * The hash is two rounds of MurmurHash3's 32-bit finalizer (fmix32) over the seed and counter.
 */

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32 random bits for position `counter` of stream `seed`. */
export function hash32(seed: number, counter: number): number {
  return fmix32((counter ^ fmix32((seed ^ 0x9e3779b9) >>> 0)) >>> 0);
}

/**
 * Uniform in the open interval (0, 1) with 23 random bits; exactly representable in float32,
 * so rounding to float32 never yields 0 or 1 (Box-Muller takes a log of it).
 */
export function uniformAt(seed: number, counter: number): number {
  return ((hash32(seed, counter) >>> 9) + 0.5) * 2 ** -23;
}

/** Standard normal at position `index` via Box-Muller on uniforms 2i and 2i+1. */
export function normalAt(seed: number, index: number): number {
  const u1 = uniformAt(seed, 2 * index);
  const u2 = uniformAt(seed, 2 * index + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * A stream position: ops that draw `n` numbers take `counter .. counter + n` and advance it.
 * `manualSeed` resets the global generator so a whole program becomes reproducible.
 */
export class Generator {
  constructor(
    public seed: number,
    public counter = 0,
  ) {}

  /** Reserves `n` counters and returns the first; ops use (seed, start + i). */
  take(n: number): { seed: number; start: number } {
    const start = this.counter;
    this.counter += n;
    return { seed: this.seed, start };
  }
}

let globalGenerator = new Generator(0x5eed);

export function manualSeed(seed: number): void {
  globalGenerator = new Generator(seed >>> 0);
}

export function defaultGenerator(): Generator {
  return globalGenerator;
}
