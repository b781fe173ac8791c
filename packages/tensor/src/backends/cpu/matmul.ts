import type { Storage } from '../../backend.js';
import { allocTyped, type DType, type TypedArray } from '../../dtype.js';
import { elementOffsets } from '../../layout.js';
import type { NDArray } from '../../ndarray.js';
import { type CpuStorage, cpuStorage } from './storage.js';

/**
 * Reference matmul in plain TypeScript: operands are packed into 4-wide strips (which also
 * reads transposed and broadcast views in place), then a 4x4 register tile accumulates
 * 16 sums in locals. Readable first; the WebAssembly kernel is the fast path.
 */
export function matmulKernel(a: NDArray, b: NDArray, outDtype: DType): Storage {
  const rank = a.rank;
  const [M, K] = [a.shape[rank - 2], a.shape[rank - 1]];
  const N = b.shape[rank - 1];
  const batchShape = a.shape.slice(0, rank - 2);
  const aBatch = elementOffsets(batchShape, a.strides.slice(0, rank - 2), a.offset);
  const bBatch = elementOffsets(batchShape, b.strides.slice(0, rank - 2), b.offset);
  const out = allocTyped(outDtype, aBatch.length * M * N);
  const A = (a.storage as CpuStorage).data;
  const B = (b.storage as CpuStorage).data;
  const [aRow, aCol] = [a.strides[rank - 2], a.strides[rank - 1]];
  const [bRow, bCol] = [b.strides[rank - 2], b.strides[rank - 1]];
  const bPacked = new Float64Array(Math.ceil(N / 4) * 4 * K);
  const aPacked = new Float64Array(4 * K);
  for (let batch = 0; batch < aBatch.length; batch++) {
    // B strip p holds columns 4p..4p+3, interleaved by k: bPacked[p*4K + 4k + jj]
    packStrips(B, bBatch[batch], bCol, bRow, N, K, bPacked);
    for (let i0 = 0; i0 < M; i0 += 4) {
      packStrips(A, aBatch[batch] + i0 * aRow, aRow, aCol, Math.min(4, M - i0), K, aPacked);
      for (let j0 = 0; j0 < N; j0 += 4) {
        tile4x4(aPacked, bPacked, j0 * K, K, out, batch * M * N, i0, j0, M, N);
      }
    }
  }
  return cpuStorage(out);
}

/** Packs `lines` lines (each K long, stride `lineStride`, element stride `kStride`) into 4-interleaved strips. */
function packStrips(
  src: TypedArray,
  base: number,
  lineStride: number,
  kStride: number,
  lines: number,
  K: number,
  dst: Float64Array,
): void {
  const strips = Math.ceil(lines / 4);
  for (let s = 0; s < strips; s++) {
    for (let l = 0; l < 4; l++) {
      const line = s * 4 + l;
      const d = s * 4 * K + l;
      if (line >= lines) {
        for (let k = 0; k < K; k++) dst[d + 4 * k] = 0;
        continue;
      }
      const start = base + line * lineStride;
      for (let k = 0; k < K; k++) dst[d + 4 * k] = src[start + k * kStride];
    }
  }
}

function tile4x4(
  ap: Float64Array,
  bp: Float64Array,
  bBase: number,
  K: number,
  out: TypedArray,
  outBase: number,
  i0: number,
  j0: number,
  M: number,
  N: number,
): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0,
    c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0,
    c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  for (let k = 0, ai = 0, bi = bBase; k < K; k++, ai += 4, bi += 4) {
    const a0 = ap[ai],
      a1 = ap[ai + 1],
      a2 = ap[ai + 2],
      a3 = ap[ai + 3];
    const b0 = bp[bi],
      b1 = bp[bi + 1],
      b2 = bp[bi + 2],
      b3 = bp[bi + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  const rows = Math.min(4, M - i0);
  const cols = Math.min(4, N - j0);
  for (let r = 0; r < rows; r++) {
    const o = outBase + (i0 + r) * N + j0;
    for (let c = 0; c < cols; c++) out[o + c] = tile[r * 4 + c];
  }
}
