import { elementOffsets } from '../../../layout.js';
import type { NDArray } from '../../../ndarray.js';
import { ReduceParam, type WasmReduceOp } from './reduce-kernels.js';
import { allocResident, freeResident, residentAddress } from './resident.js';
import { stage } from './rows.js';
import type { WasmRuntime } from './runtime.js';

/*
 * Driver of the reduce kernels (reduce-kernels.ts). The view's axes are merged where memory
 * allows (size-1 axes dropped); two layouts run in WebAssembly, everything else returns null
 * (the caller runs the reference kernel):
 *   rows:    [...kept, reduced] with the reduced run adjacent (stride 1): one result per row;
 *   columns: [...kept, reduced, kept] with the inner kept run adjacent: column reductions.
 * Results are written as partials — groups × parts × inner floats — and, when a group was cut
 * into parts (long rows, blocks of rows, or to feed threads), the parts are combined here:
 * sums in float64, max/min in order with the reference's rule.
 */

/** Enough chunks per thread that a thread slowed by another process does not hold the job up. */
const CHUNKS_PER_THREAD = 4;
/** Longest segment of a row that one float32 row sum covers; longer rows are cut into parts. */
const MAX_SUM_SEGMENT = 16384;
/** Shortest segment a row is cut into only to spread one long row over the threads. */
const MIN_SEGMENT = 4096;
/** Rows one column-sum part adds in float32 before the parts meet in float64. */
const SUM_ROW_BLOCK = 128;
/** Narrowest column block when columns are split across threads. */
const MIN_COLUMN_BLOCK = 64;

/** A run of merged axes: its size, element stride, and whether it is reduced. */
interface Run {
  size: number;
  stride: number;
  reduced: boolean;
}

/** Axes of size > 1, outermost first, merged with their inner neighbour when both are (not) reduced and adjacent in memory. */
function mergedRuns(shape: readonly number[], strides: readonly number[], axes: readonly number[]): Run[] {
  const runs: Run[] = [];
  for (let axis = 0; axis < shape.length; axis++) {
    if (shape[axis] === 1) continue;
    const reduced = axes.includes(axis);
    const last = runs[runs.length - 1];
    if (last && last.reduced === reduced && last.stride === strides[axis] * shape[axis]) {
      last.size *= shape[axis];
      last.stride = strides[axis];
    } else runs.push({ size: shape[axis], stride: strides[axis], reduced });
  }
  return runs;
}

type Kind = 'rows' | 'cols';

/** Which kernel takes these runs, or null (no reduced run: a copy; reduced runs apart; strided inner runs). */
function kindOf(runs: readonly Run[]): Kind | null {
  const reduced = runs.flatMap((run, i) => (run.reduced ? [i] : []));
  if (reduced.length !== 1) return null;
  const at = reduced[0];
  if (at === runs.length - 1) return runs[at].stride === 1 ? 'rows' : null;
  if (at === runs.length - 2) return runs[at + 1].stride === 1 ? 'cols' : null;
  return null;
}

/** Work for the kernels, and how the partial results they write combine into the output. */
interface Plan {
  kind: Kind;
  /** Entries [xOffset, count, outOffset, length], see reduce-kernels.ts. */
  table: Int32Array;
  entries: number;
  xStride: number;
  outStride: number;
  /** The output is groups × inner; the partials are groups × parts × inner. */
  groups: number;
  parts: number;
  inner: number;
}

const chunksWanted = (threads: number) => (threads > 1 ? threads * CHUNKS_PER_THREAD : 1);

/** [...kept, reduced (stride 1)]: the innermost kept run becomes the runs of an entry. */
function rowsPlan(op: WasmReduceOp, runs: readonly Run[], offset: number, threads: number): Plan {
  const L = runs[runs.length - 1].size;
  const outer = runs.slice(0, -1);
  const inner = outer.pop() ?? { size: 1, stride: 0, reduced: false };
  const starts = elementOffsets(
    outer.map((r) => r.size),
    outer.map((r) => r.stride),
    offset,
  );
  const rows = starts.length * inner.size;
  const wanted = chunksWanted(threads);
  let parts = op === 'sum' ? Math.ceil(L / MAX_SUM_SEGMENT) : 1;
  if (rows < wanted) parts = Math.max(parts, Math.min(Math.ceil(wanted / rows), Math.floor(L / MIN_SEGMENT)));
  const segment = parts === 1 ? L : Math.ceil(L / parts / 16) * 16;
  parts = Math.ceil(L / segment);
  const groupsPerStart = Math.min(inner.size, Math.ceil(wanted / (starts.length * parts)));
  const rowsPerGroup = Math.ceil(inner.size / groupsPerStart);
  const groupCount = Math.ceil(inner.size / rowsPerGroup);
  const entries = starts.length * groupCount * parts;
  const table = new Int32Array(entries * 4);
  let e = 0;
  for (let o = 0; o < starts.length; o++) {
    for (let g = 0; g < groupCount; g++) {
      const first = g * rowsPerGroup;
      for (let s = 0; s < parts; s++, e += 4) {
        table[e] = starts[o] + first * inner.stride + s * segment;
        table[e + 1] = Math.min(rowsPerGroup, inner.size - first);
        table[e + 2] = (o * inner.size + first) * parts + s;
        table[e + 3] = Math.min(segment, L - s * segment);
      }
    }
  }
  return {
    kind: 'rows',
    table,
    entries,
    xStride: inner.stride,
    outStride: parts,
    groups: rows,
    parts,
    inner: 1,
  };
}

/** [...kept, reduced, kept (stride 1)]: blocks of rows × blocks of columns of each outer panel. */
function columnsPlan(op: WasmReduceOp, runs: readonly Run[], offset: number, threads: number): Plan {
  const { size: C } = runs[runs.length - 1];
  const { size: R, stride: S } = runs[runs.length - 2];
  const outer = runs.slice(0, -2);
  const panels = elementOffsets(
    outer.map((r) => r.size),
    outer.map((r) => r.stride),
    offset,
  );
  const wanted = chunksWanted(threads);
  let rowBlock = op === 'sum' ? Math.min(R, SUM_ROW_BLOCK) : R;
  let blocks = Math.ceil(R / rowBlock);
  // Threads: split the columns first (no extra partials), then the rows.
  let colBlocks = 1;
  if (panels.length * blocks < wanted) {
    colBlocks = Math.max(
      1,
      Math.min(Math.ceil(wanted / (panels.length * blocks)), Math.floor(C / MIN_COLUMN_BLOCK)),
    );
  }
  if (panels.length * blocks * colBlocks < wanted) {
    rowBlock = Math.ceil(R / Math.min(R, Math.ceil(wanted / (panels.length * colBlocks))));
    blocks = Math.ceil(R / rowBlock);
  }
  const colBlock = colBlocks === 1 ? C : Math.ceil(C / colBlocks / 16) * 16;
  colBlocks = Math.ceil(C / colBlock);
  const entries = panels.length * blocks * colBlocks;
  const table = new Int32Array(entries * 4);
  let e = 0;
  for (let p = 0; p < panels.length; p++) {
    for (let b = 0; b < blocks; b++) {
      for (let cb = 0; cb < colBlocks; cb++, e += 4) {
        table[e] = panels[p] + b * rowBlock * S + cb * colBlock;
        table[e + 1] = Math.min(rowBlock, R - b * rowBlock);
        table[e + 2] = (p * blocks + b) * C + cb * colBlock;
        table[e + 3] = Math.min(colBlock, C - cb * colBlock);
      }
    }
  }
  return {
    kind: 'cols',
    table,
    entries,
    xStride: S,
    outStride: 0,
    groups: panels.length,
    parts: blocks,
    inner: C,
  };
}

/** Combines the parts of each group: sums in float64, max/min in order with the reference's update rule. */
function combineParts(
  op: WasmReduceOp,
  partials: Float32Array,
  { groups, parts, inner }: Plan,
  out: Float32Array,
): void {
  const acc = new Float64Array(inner);
  for (let g = 0; g < groups; g++) {
    const base = g * parts * inner;
    const result = out.subarray(g * inner, (g + 1) * inner);
    if (op === 'sum') {
      acc.fill(0);
      for (let s = 0; s < parts; s++) {
        for (let j = 0, at = base + s * inner; j < inner; j++, at++) acc[j] += partials[at];
      }
      result.set(acc);
      continue;
    }
    result.set(partials.subarray(base, base + inner));
    for (let s = 1; s < parts; s++) {
      for (let j = 0, at = base + s * inner; j < inner; j++, at++) {
        const v = partials[at];
        if ((op === 'max' ? v > result[j] : v < result[j]) || v !== v) result[j] = v;
      }
    }
  }
}

/**
 * `op` over `axes` (sorted, distinct) of a float32 view, or null when the layout is not one the
 * kernels take. Sums differ from the reference's float64 accumulation by float32 rounding of
 * short partial sums (and overflow to ±Inf where a partial sum leaves the float32 range).
 */
export function wasmReduce(
  rt: WasmRuntime,
  op: WasmReduceOp,
  x: NDArray,
  axes: readonly number[],
  threads: number,
): Float32Array | null {
  if (x.size === 0 || kindOf(mergedRuns(x.shape, x.strides, axes)) === null) return null;
  const scratch: number[] = [];
  try {
    const X = stage(rt, x, scratch);
    const runs = mergedRuns(x.shape, X.layout.strides, axes);
    const kind = kindOf(runs);
    if (kind === null) return null;
    const plan = (kind === 'rows' ? rowsPlan : columnsPlan)(op, runs, X.layout.offset, threads);
    return runPlan(rt, op, plan, X.base, threads, scratch);
  } finally {
    for (const address of scratch) rt.memory.free(address);
  }
}

function runPlan(
  rt: WasmRuntime,
  op: WasmReduceOp,
  plan: Plan,
  xBase: number,
  threads: number,
  scratch: number[],
): Float32Array {
  const memory = rt.memory;
  const alloc = (bytes: number) => {
    const address = memory.alloc(bytes);
    scratch.push(address);
    return address;
  };
  const table = alloc(plan.table.byteLength);
  memory.i32(table, plan.table.length).set(plan.table);
  const paramsAddress = alloc(ReduceParam.count * 4);
  const outSize = plan.groups * plan.inner;
  // Written in place when nothing is left to combine: resident when large enough, else copied out.
  const direct = plan.parts === 1 ? allocResident(memory, outSize) : null;
  const partialsAddress = direct ? (residentAddress(direct) as number) : alloc(outSize * plan.parts * 4);
  const chunks = Math.min(plan.entries, chunksWanted(threads));
  const perChunk = Math.ceil(plan.entries / chunks);
  const params = memory.i32(paramsAddress, ReduceParam.count);
  params[ReduceParam.table] = table;
  params[ReduceParam.entryCount] = plan.entries;
  params[ReduceParam.entriesPerChunk] = perChunk;
  params[ReduceParam.xBase] = xBase;
  params[ReduceParam.outBase] = partialsAddress;
  params[ReduceParam.xStride] = plan.xStride;
  params[ReduceParam.outStride] = plan.outStride;
  if (threads > 1) rt.ensureThreads(threads);
  try {
    rt.run(`reduce_${plan.kind}_${op}`, Math.ceil(plan.entries / perChunk), paramsAddress, threads);
  } catch (error) {
    if (direct) freeResident(direct);
    throw error;
  }
  if (direct) return direct;
  const partials = memory.f32(partialsAddress, outSize * plan.parts);
  if (plan.parts === 1) return partials.slice();
  const out = allocResident(memory, outSize) ?? new Float32Array(outSize);
  combineParts(op, partials, plan, out);
  return out;
}
