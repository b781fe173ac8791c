import { elementOffsets } from '../../../layout.js';
import type { NDArray } from '../../../ndarray.js';
import { MatmulParam } from './matmul-kernels.js';
import { allocResident, freeResident, residentAddress } from './resident.js';
import type { WasmRuntime } from './runtime.js';
import { stageView } from './staging.js';

/** K block: packed A strips (kc x MR) and B panels (kc x NR) of one block stay in L1/L2. */
const KC = 256;
/** Largest M block; smaller ones when a job needs more chunks to spread over threads. */
const MC_MAX = 128;
const MC_MIN = 32;
/** Enough chunks per thread that a thread slowed by another process does not hold the job up. */
const CHUNKS_PER_THREAD = 4;

/**
 * float32 matmul of views `a` [...batch, M, K] and `b` [...batch, K, N] (batch dims already
 * broadcast) with the WebAssembly kernels, on up to `threads` threads. Returns the row-major
 * result. Throws RangeError when the WebAssembly memory cannot hold the operands.
 */
export function wasmMatmul(rt: WasmRuntime, a: NDArray, b: NDArray, threads: number): Float32Array {
  const { mr, nrVectors, unroll } = rt.config.matmul;
  const nr = nrVectors * 4;
  const rank = a.rank;
  const [M, K] = [a.shape[rank - 2], a.shape[rank - 1]];
  const N = b.shape[rank - 1];
  const batchShape = a.shape.slice(0, rank - 2);
  const memory = rt.memory;
  const allocations: number[] = [];
  const alloc = (bytes: number) => {
    const address = memory.alloc(bytes);
    allocations.push(address);
    return address;
  };
  let direct: Float32Array | null = null;
  try {
    const A = stageView(memory, a);
    if (A.allocation !== null) allocations.push(A.allocation);
    const B = stageView(memory, b);
    if (B.allocation !== null) allocations.push(B.allocation);
    const aBatch = elementOffsets(batchShape, A.strides.slice(0, rank - 2), A.offset);
    const bBatch = elementOffsets(batchShape, B.strides.slice(0, rank - 2), B.offset);
    const batches = aBatch.length;
    // Broadcast B (a weight shared by every batch) is packed once.
    const uniqueIndex = new Map<number, number>();
    const bIndexOfBatch = bBatch.map((offset) => {
      let index = uniqueIndex.get(offset);
      if (index === undefined) uniqueIndex.set(offset, (index = uniqueIndex.size));
      return index;
    });
    const unique = uniqueIndex.size;

    const kPadded = Math.ceil(K / unroll) * unroll;
    const nPadded = Math.ceil(N / nr) * nr;
    const nPanels = nPadded / nr;
    const mPadded = Math.ceil(M / mr) * mr;
    const workers = Math.max(1, threads);

    // Chunks: (batch, M block, N range). Shrink M blocks, then cut N, until each thread gets several.
    const target = workers > 1 ? workers * CHUNKS_PER_THREAD : 1;
    let mc = Math.min(MC_MAX, mPadded);
    let panelsPerRange = nPanels;
    const chunkCount = () => batches * Math.ceil(M / mc) * Math.ceil(nPanels / panelsPerRange);
    while (chunkCount() < target && mc > MC_MIN) mc = Math.max(MC_MIN, Math.ceil(mc / 2 / mr) * mr);
    while (chunkCount() < target && panelsPerRange > 4) panelsPerRange = Math.ceil(panelsPerRange / 2);
    const mBlocks = Math.ceil(M / mc);
    const nRanges = Math.ceil(nPanels / panelsPerRange);
    const groupPanels = Math.min(nPanels, Math.ceil((unique * nPanels) / (workers * CHUNKS_PER_THREAD)));
    const groupsPerB = Math.ceil(nPanels / groupPanels);

    const offsets = alloc((batches * 3 + unique) * 4);
    const table = memory.i32(offsets, batches * 3 + unique);
    table.set(aBatch, 0);
    table.set(bIndexOfBatch, batches);
    for (const [offset, index] of uniqueIndex) table[2 * batches + index] = offset;
    const packedB = alloc(unique * kPadded * nPadded * 4);
    const cBatchBytes = mPadded * nPadded * 4;
    // The kernel writes whole tiles: when the padded layout is the compact one, C is the result.
    const compact = nPadded === N && (mPadded === M || batches === 1);
    direct = compact ? allocResident(memory, batches * M * N, batches * mPadded * nPadded) : null;
    const c = direct ? (residentAddress(direct) as number) : alloc(batches * cBatchBytes);
    const scratchStride = Math.ceil((mc * Math.min(KC, kPadded) * 4) / 64) * 64;
    const scratch = alloc(workers * scratchStride);
    const paramsAddress = alloc(MatmulParam.count * 4);
    const params = memory.i32(paramsAddress, MatmulParam.count);
    const set = (field: keyof typeof MatmulParam, value: number) => {
      params[MatmulParam[field]] = value;
    };
    set('aBase', A.base);
    set('aRowStride', A.strides[rank - 2] * 4);
    set('aColStride', A.strides[rank - 1] * 4);
    set('aBatchOffsets', offsets);
    set('bBase', B.base);
    set('bRowStride', B.strides[rank - 2] * 4);
    set('bColStride', B.strides[rank - 1] * 4);
    set('bIndexOfBatch', offsets + batches * 4);
    set('bUniqueOffsets', offsets + batches * 8);
    set('cBase', c);
    set('ldc', nPadded * 4);
    set('cBatchStride', cBatchBytes);
    set('M', M);
    set('N', N);
    set('K', K);
    set('kPadded', kPadded);
    set('nPadded', nPadded);
    set('kc', KC);
    set('mc', mc);
    set('mBlocks', mBlocks);
    set('nRanges', nRanges);
    set('panelsPerRange', panelsPerRange);
    set('nPanels', nPanels);
    set('groupPanels', groupPanels);
    set('groupsPerB', groupsPerB);
    set('packedB', packedB);
    set('scratchBase', scratch);
    set('scratchStride', scratchStride);

    if (workers > 1) rt.ensureThreads(workers);
    rt.run('matmulPackB', unique * groupsPerB, paramsAddress, workers);
    rt.run('matmulCompute', batches * mBlocks * nRanges, paramsAddress, workers);

    if (direct) return direct;
    const out = allocResident(memory, batches * M * N) ?? new Float32Array(batches * M * N);
    const padded = memory.f32(c, batches * mPadded * nPadded);
    for (let batch = 0; batch < batches; batch++) {
      const from = batch * mPadded * nPadded;
      if (nPadded === N) out.set(padded.subarray(from, from + M * N), batch * M * N);
      else {
        for (let i = 0; i < M; i++) {
          const row = from + i * nPadded;
          out.set(padded.subarray(row, row + N), (batch * M + i) * N);
        }
      }
    }
    return out;
  } catch (error) {
    if (direct) freeResident(direct);
    throw error;
  } finally {
    for (const address of allocations) memory.free(address);
  }
}
