import { elementOffsets } from '../../../layout.js';
import type { NDArray } from '../../../ndarray.js';
import { RowParam } from './elementwise-kernels.js';
import type { ChunkKernel } from './kernel-module.js';
import { allocResident, freeResident, residentAddress } from './resident.js';
import type { WasmRuntime } from './runtime.js';
import { stageView } from './staging.js';

/** Enough chunks per thread that a thread slowed by another process does not hold the job up. */
const CHUNKS_PER_THREAD = 4;
/** A row longer than this may be cut into segments, so that one long row still spreads over threads. */
const MIN_SEGMENT = 4096;

/** Operand layout: element strides and offset (of the staged copy or the resident storage). */
interface Layout {
  strides: readonly number[];
  offset: number;
}

/**
 * Rows of an elementwise job over `shape`: dims merged where every operand allows, the last
 * merged dim becomes the row (inner stride 0 or 1 per operand), the others enumerate rows.
 * Returns null when an operand's inner stride is neither 0 nor 1 (a transposed view).
 */
export function planRows(
  shape: readonly number[],
  operands: readonly Layout[],
  threads: number,
): { table: Int32Array; rows: number; inner: number[] } | null {
  const dims = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  // Merged dims, innermost first: size and each operand's stride.
  const groups: { size: number; strides: number[] }[] = [];
  for (let d = dims.length - 1; d >= 0; d--) {
    const axis = dims[d];
    const strides = operands.map((o) => o.strides[axis]);
    const last = groups[groups.length - 1];
    if (last && strides.every((s, k) => s === last.strides[k] * last.size)) last.size *= shape[axis];
    else groups.push({ size: shape[axis], strides });
  }
  const innerGroup = groups.shift() ?? { size: 1, strides: operands.map(() => 1) };
  const inner = innerGroup.strides.map((s) => (innerGroup.size === 1 ? 1 : s));
  if (inner.some((s) => s !== 0 && s !== 1)) return null;
  const L = innerGroup.size;
  groups.reverse();
  const outerShape = groups.map((g) => g.size);
  const starts = operands.map((o, k) =>
    elementOffsets(
      outerShape,
      groups.map((g) => g.strides[k]),
      o.offset,
    ),
  );
  const baseRows = starts[0].length;
  // Cut long rows into segments when there are too few rows for the threads.
  const wanted = threads > 1 ? threads * CHUNKS_PER_THREAD : 1;
  const segments =
    baseRows >= wanted ? 1 : Math.max(1, Math.min(Math.ceil(wanted / baseRows), Math.floor(L / MIN_SEGMENT)));
  const segment = segments === 1 ? L : Math.ceil(L / segments / 4) * 4;
  const perRow = Math.ceil(L / segment);
  const rows = baseRows * perRow;
  const table = new Int32Array(rows * 4);
  for (let r = 0, e = 0; r < baseRows; r++) {
    for (let s = 0; s < perRow; s++, e += 4) {
      const start = s * segment;
      table[e] = starts[0][r] + start * inner[0];
      table[e + 1] = operands.length > 1 ? starts[1][r] + start * inner[1] : 0;
      table[e + 2] = r * L + start;
      table[e + 3] = Math.min(segment, L - start);
    }
  }
  return { table, rows, inner };
}

export interface RowJob {
  kernel: ChunkKernel;
  /** Row table from planRows (entries [a, b, out, length] in elements). */
  table: Int32Array;
  rows: number;
  /** Byte addresses of element offset 0 of operands a, b, c (0 when unused). */
  bases: [number, number, number];
  inner: [number, number];
  eps?: number;
  size: number;
  threads: number;
}

/** Runs a row job into a new float32 result (resident when it fits) and returns the result. */
export function runRowJob(rt: WasmRuntime, job: RowJob, scratch: number[]): Float32Array {
  const memory = rt.memory;
  const alloc = (bytes: number) => {
    const address = memory.alloc(bytes);
    scratch.push(address);
    return address;
  };
  const resident = allocResident(memory, job.size);
  const outAddress = resident ? (residentAddress(resident) as number) : alloc(job.size * 4);
  const table = alloc(job.table.byteLength);
  memory.i32(table, job.table.length).set(job.table);
  const paramsAddress = alloc(RowParam.count * 4);
  const params = memory.i32(paramsAddress, RowParam.count);
  const chunks = Math.min(job.rows, job.threads > 1 ? job.threads * CHUNKS_PER_THREAD : 1);
  const rowsPerChunk = Math.ceil(job.rows / chunks);
  params[RowParam.table] = table;
  params[RowParam.rowCount] = job.rows;
  params[RowParam.rowsPerChunk] = rowsPerChunk;
  params[RowParam.aBase] = job.bases[0];
  params[RowParam.bBase] = job.bases[1];
  params[RowParam.cBase] = job.bases[2];
  params[RowParam.outBase] = outAddress;
  params[RowParam.aInner] = job.inner[0];
  params[RowParam.bInner] = job.inner[1];
  new Float32Array(params.buffer, params.byteOffset + RowParam.eps * 4, 1)[0] = job.eps ?? 0;
  if (job.threads > 1) rt.ensureThreads(job.threads);
  try {
    rt.run(job.kernel, Math.ceil(job.rows / rowsPerChunk), paramsAddress, job.threads);
  } catch (error) {
    if (resident) freeResident(resident);
    throw error;
  }
  if (resident) return resident;
  return memory.f32(outAddress, job.size).slice();
}

/** Stages `x` (no copy when resident) and records the allocation for freeing. */
export function stage(rt: WasmRuntime, x: NDArray, scratch: number[]): { base: number; layout: Layout } {
  const staged = stageView(rt.memory, x);
  if (staged.allocation !== null) scratch.push(staged.allocation);
  return { base: staged.base, layout: { strides: staged.strides, offset: staged.offset } };
}
