import { ArgumentError, fromTyped, type NDArray, uniformAt } from '@typegrad/tensor';

/** Inputs and next-token targets: `y[b, t] = x[b, t + 1]` in the token stream. Both int32 `[B, T]`. */
export interface Batch {
  x: NDArray;
  y: NDArray;
}

export interface BatchOptions {
  batchSize: number;
  blockSize: number;
  /** Backend the arrays are created on; default: the current default backend. */
  backend?: string;
}

export interface RandomBatchOptions extends BatchOptions {
  seed: number;
  /** Step to start from: the `step` of a saved `RandomBatches.state()` resumes that sequence. */
  step?: number;
}

/** What a checkpoint saves to resume the batch sequence exactly. */
export interface RandomBatchState {
  seed: number;
  step: number;
}

/**
 * An endless stream of training batches at random offsets, like nanoGPT's `get_batch`. The offsets
 * of step s are a pure function of (seed, s) via the counter-based RNG, so resuming at a saved
 * step reproduces the identical sequence. The caller disposes each batch's arrays (or uses `tidy`).
 */
export class RandomBatches implements IterableIterator<Batch> {
  readonly seed: number;
  /** Index of the next batch `next()` returns. */
  step: number;
  private readonly tokens: Int32Array;
  private readonly batchSize: number;
  private readonly blockSize: number;
  private readonly backend?: string;

  constructor(tokens: Int32Array, options: RandomBatchOptions) {
    checkBatchOptions('randomBatches', tokens, options);
    const { seed, step = 0 } = options;
    if (!Number.isInteger(seed))
      throw new ArgumentError(`randomBatches: seed must be an integer, got ${seed}`);
    if (!Number.isInteger(step) || step < 0) {
      throw new ArgumentError(`randomBatches: step must be an integer >= 0, got ${step}`);
    }
    this.tokens = tokens;
    this.batchSize = options.batchSize;
    this.blockSize = options.blockSize;
    this.backend = options.backend;
    this.seed = seed >>> 0;
    this.step = step;
  }

  /** Start offsets of the windows of batch `step`; each in [0, n - blockSize). */
  offsetsAt(step: number): number[] {
    const starts = this.tokens.length - this.blockSize;
    const offsets: number[] = [];
    for (let row = 0; row < this.batchSize; row++) {
      // Two 23-bit draws make one 46-bit uniform, so corpora beyond 2^23 tokens have every offset reachable.
      const counter = 2 * (step * this.batchSize + row);
      const high = Math.floor(uniformAt(this.seed, counter) * 2 ** 23);
      const low = Math.floor(uniformAt(this.seed, counter + 1) * 2 ** 23);
      offsets.push(Math.floor(((high * 2 ** 23 + low) / 2 ** 46) * starts));
    }
    return offsets;
  }

  /** Batch `step` of this sequence, without moving the iterator. */
  batchAt(step: number): Batch {
    return windowsToBatch(this.tokens, this.offsetsAt(step), this.blockSize, this.backend);
  }

  next(): IteratorResult<Batch> {
    return { value: this.batchAt(this.step++), done: false };
  }

  [Symbol.iterator](): RandomBatches {
    return this;
  }

  state(): RandomBatchState {
    return { seed: this.seed, step: this.step };
  }
}

/** Random training batches; see `RandomBatches`. */
export function randomBatches(tokens: Int32Array, options: RandomBatchOptions): RandomBatches {
  return new RandomBatches(tokens, options);
}

/**
 * Evaluation batches in order: non-overlapping windows at offsets 0, T, 2T, ... covering the stream
 * (the tail shorter than a window is left out), `batchSize` windows a batch; the last batch may
 * have fewer rows. Deterministic, so validation losses are comparable across runs.
 */
export function* sequentialBatches(
  tokens: Int32Array,
  options: BatchOptions & { maxBatches?: number },
): Generator<Batch> {
  checkBatchOptions('sequentialBatches', tokens, options);
  const { batchSize, blockSize } = options;
  const windows = sequentialWindowCount(tokens.length, blockSize);
  const batches = Math.min(Math.ceil(windows / batchSize), options.maxBatches ?? Number.POSITIVE_INFINITY);
  for (let b = 0; b < batches; b++) {
    const offsets: number[] = [];
    for (let w = b * batchSize; w < Math.min(windows, (b + 1) * batchSize); w++) offsets.push(w * blockSize);
    yield windowsToBatch(tokens, offsets, blockSize, options.backend);
  }
}

/** Number of whole windows (each needs blockSize + 1 tokens, the last shared with the next window). */
export function sequentialWindowCount(tokenCount: number, blockSize: number): number {
  return Math.max(0, Math.floor((tokenCount - 1) / blockSize));
}

function windowsToBatch(
  tokens: Int32Array,
  offsets: readonly number[],
  blockSize: number,
  backend?: string,
): Batch {
  const rows = offsets.length;
  const x = new Int32Array(rows * blockSize);
  const y = new Int32Array(rows * blockSize);
  offsets.forEach((offset, row) => {
    x.set(tokens.subarray(offset, offset + blockSize), row * blockSize);
    y.set(tokens.subarray(offset + 1, offset + blockSize + 1), row * blockSize);
  });
  return { x: fromTyped(x, [rows, blockSize], backend), y: fromTyped(y, [rows, blockSize], backend) };
}

function checkBatchOptions(op: string, tokens: Int32Array, { batchSize, blockSize }: BatchOptions): void {
  if (!(tokens instanceof Int32Array)) throw new ArgumentError(`${op}: tokens must be an Int32Array`);
  for (const [name, value] of [
    ['batchSize', batchSize],
    ['blockSize', blockSize],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ArgumentError(`${op}: ${name} must be an integer >= 1, got ${value}`);
    }
  }
  if (tokens.length < blockSize + 1) {
    throw new ArgumentError(
      `${op}: ${tokens.length} tokens are too few for one window of blockSize ${blockSize} (need ${blockSize + 1})`,
    );
  }
}
