/**
 * The byte-pair merge step on token ids: repeatedly merge the adjacent pair with the lowest rank,
 * the leftmost one on ties (tiktoken's rule; for a vocabulary whose merges only build on earlier
 * merges, as GPT-2's do, it gives the same result as OpenAI's encoder.py, which merges every
 * occurrence of the best pair in one pass).
 */
export class MergeTable {
  /** Pair key `left * stride + right` → rank (the line order in vocab.bpe). */
  private readonly rankOfPair = new Map<number, number>();
  /** Rank → id of the merged token. */
  private readonly mergedIds: Int32Array;
  private readonly stride: number;

  /** `merges[rank] = [leftId, rightId, mergedId]`; ids are below `vocabSize`. */
  constructor(merges: ReadonlyArray<readonly [number, number, number]>, vocabSize: number) {
    this.stride = vocabSize;
    this.mergedIds = new Int32Array(merges.length);
    merges.forEach(([left, right, merged], rank) => {
      const key = left * vocabSize + right;
      // A repeated pair keeps its last rank, as in encoder.py's dict(zip(merges, range(...))).
      this.rankOfPair.set(key, rank);
      this.mergedIds[rank] = merged;
    });
  }

  get size(): number {
    return this.rankOfPair.size;
  }

  /** Rank of the pair (left, right), or `NO_MERGE` when the pair never merges. */
  rank(left: number, right: number): number {
    return this.rankOfPair.get(left * this.stride + right) ?? NO_MERGE;
  }

  merged(rank: number): number {
    return this.mergedIds[rank];
  }
}

export const NO_MERGE = Number.POSITIVE_INFINITY;

/** Above this many symbols the heap version wins over rescanning the pair ranks. */
const LONG_WORD = 64;

/** Merges `symbols` (initial ids, one per byte; left unchanged) and returns the final ids. */
export function bpeMerge(symbols: number[], table: MergeTable): number[] {
  return symbols.length > LONG_WORD ? bpeMergeHeap(symbols, table) : bpeMergeScan(symbols, table);
}

/** Quadratic but allocation-free: keeps each adjacent pair's rank and rescans for the minimum. */
export function bpeMergeScan(symbols: number[], table: MergeTable): number[] {
  const ids = symbols.slice();
  const ranks: number[] = [];
  for (let i = 0; i + 1 < ids.length; i++) ranks.push(table.rank(ids[i], ids[i + 1]));
  while (ranks.length > 0) {
    let best = NO_MERGE;
    let at = -1;
    for (let i = 0; i < ranks.length; i++) {
      if (ranks[i] < best) {
        best = ranks[i];
        at = i;
      }
    }
    if (at < 0) break;
    ids[at] = table.merged(best);
    ids.splice(at + 1, 1);
    ranks.splice(at, 1);
    if (at > 0) ranks[at - 1] = table.rank(ids[at - 1], ids[at]);
    if (at < ranks.length) ranks[at] = table.rank(ids[at], ids[at + 1]);
  }
  return ids;
}

/**
 * O(n log n) for long pre-tokens (a paragraph of CJK text or a run of punctuation is one word):
 * a linked list of symbols and a min-heap of (rank, position) keys; stale keys are skipped when popped.
 */
export function bpeMergeHeap(symbols: number[], table: MergeTable): number[] {
  const n = symbols.length;
  if (n === 0) return [];
  const ids = Int32Array.from(symbols);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  const alive = new Uint8Array(n).fill(1);
  // Key = rank * n + position: the smallest key is the lowest rank, leftmost on ties.
  const heap = new MinHeap();
  const pushPair = (i: number): void => {
    const j = next[i];
    if (j < 0) return;
    const rank = table.rank(ids[i], ids[j]);
    if (rank !== NO_MERGE) heap.push(rank * n + i);
  };
  for (let i = 0; i + 1 < n; i++) pushPair(i);

  while (heap.length > 0) {
    const key = heap.pop();
    const i = key % n;
    const rank = (key - i) / n;
    const j = next[i];
    // Stale when the left symbol was absorbed or its pair has changed since the key was pushed.
    if (!alive[i] || j < 0 || table.rank(ids[i], ids[j]) !== rank) continue;
    ids[i] = table.merged(rank);
    alive[j] = 0;
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    if (prev[i] >= 0) pushPair(prev[i]);
    pushPair(i);
  }

  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(ids[i]);
  return out;
}

/** Binary min-heap of numbers. */
class MinHeap {
  private readonly items: number[] = [];

  get length(): number {
    return this.items.length;
  }

  push(value: number): void {
    const items = this.items;
    let i = items.length;
    items.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent] <= value) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      const n = items.length;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && items[right] < items[left] ? right : left;
        if (items[child] >= last) break;
        items[i] = items[child];
        i = child;
      }
      items[i] = last;
    }
    return top;
  }
}
