import {
  type Code,
  call,
  countDown,
  FunctionBuilder,
  f32,
  forRange,
  get,
  i32,
  ifThen,
  type ModuleBuilder,
  madd,
  set,
  ValType,
  v128,
} from './emitter.js';

/**
 * The matmul of the fast cpu backend, emitted as WebAssembly (GotoBLAS/BLIS structure):
 * B is packed once into panels of NR columns ([k][NR] each), A is packed per (M block, K block)
 * into strips of MR rows ([k][MR] each), and a register-tiled micro-kernel keeps an MR x NR tile
 * of C in v128 locals. Packing reads any strides, so transposed and broadcast views are read in
 * place. Work is cut into chunks (see the two chunk functions) that threads claim one by one.
 */
export interface MatmulConfig {
  /** Rows of the register tile. */
  mr: number;
  /** Columns of the register tile, in vectors of 4. */
  nrVectors: number;
  /** K steps per loop iteration of the micro-kernel; packed K is padded to a multiple of it. */
  unroll: number;
  /** Use relaxed-SIMD fused multiply-add. */
  fma: boolean;
}

/** Fields of the parameter block (i32 each) that the JS driver writes and the chunk functions read. */
export const MatmulParam = {
  aBase: 0, // byte address of element offset 0 of A's storage copy
  aRowStride: 1, // bytes between rows of A (the M axis)
  aColStride: 2, // bytes between columns of A (the K axis)
  aBatchOffsets: 3, // address of int32 element offsets, one per batch
  bBase: 4,
  bRowStride: 5, // K axis
  bColStride: 6, // N axis
  bUniqueOffsets: 7, // address of int32 element offsets of the distinct B matrices
  bIndexOfBatch: 8, // address of int32: which distinct B each batch uses
  cBase: 9, // padded output, Mpad x Npad per batch
  ldc: 10, // bytes between rows of C
  cBatchStride: 11, // bytes between batches of C
  M: 12,
  N: 13,
  K: 14,
  kPadded: 15, // K rounded up to the unroll
  nPadded: 16, // N rounded up to NR
  kc: 17, // K block (a multiple of the unroll)
  mc: 18, // M block (a multiple of MR)
  mBlocks: 19,
  nRanges: 20, // N is cut into this many ranges of panelsPerRange panels
  panelsPerRange: 21,
  nPanels: 22,
  groupPanels: 23, // panels per packing chunk
  groupsPerB: 24,
  packedB: 25, // address of the packed B matrices, kPadded x nPadded floats each
  scratchBase: 26, // per-thread packed A blocks
  scratchStride: 27,
  count: 28,
} as const;

/** Adds the matmul functions to `module`; exports `matmulPackB` and `matmulCompute` (chunk, thread, params). */
export function addMatmulKernels(module: ModuleBuilder, cfg: MatmulConfig): void {
  const tile = module.addFunction(tileFunction(cfg));
  const block = module.addFunction(blockFunction(cfg, tile));
  const packA = module.addFunction(packFunction('matmulPackA', cfg.mr));
  const packB = module.addFunction(packFunction('matmulPackPanel', cfg.nrVectors * 4));
  module.addFunction(packBChunkFunction(cfg, packB));
  module.addFunction(computeChunkFunction(cfg, packA, block));
}

const { i32: I, v128: V } = ValType;

/** C[MR x NR] (+)= A strip [k][MR] x B panel [k][NR], for kSteps*unroll values of k. */
function tileFunction(cfg: MatmulConfig): FunctionBuilder {
  const { mr, nrVectors: nv, unroll, fma } = cfg;
  const nr = nv * 4;
  const f = new FunctionBuilder('matmulTile', [I, I, I, I, I, I], [], false);
  const [ap, bp, cp, ldc, kSteps, accumulate] = [0, 1, 2, 3, 4, 5];
  const acc = Array.from({ length: mr }, () => Array.from({ length: nv }, () => f.local(V)));
  const b = Array.from({ length: nv }, () => f.local(V));
  const a = f.local(V);
  const row = Array.from({ length: mr }, () => f.local(I));
  const rowAddrs: Code[] = row.map((r, i) => set(r, i === 0 ? get(cp) : i32.add(get(row[i - 1]), get(ldc))));
  const load: Code[] = acc.flatMap((line, i) => line.map((c, j) => set(c, v128.load(get(row[i]), 16 * j))));
  const step: Code[] = [];
  for (let u = 0; u < unroll; u++) {
    for (let j = 0; j < nv; j++) step.push(set(b[j], v128.load(get(bp), (u * nr + 4 * j) * 4)));
    for (let i = 0; i < mr; i++) {
      step.push(set(a, v128.load32Splat(get(ap), (u * mr + i) * 4)));
      for (let j = 0; j < nv; j++) step.push(set(acc[i][j], madd(fma, get(a), get(b[j]), get(acc[i][j]))));
    }
  }
  const store: Code[] = acc.flatMap((line, i) => line.map((c, j) => v128.store(get(row[i]), get(c), 16 * j)));
  f.setBody(
    rowAddrs,
    ifThen(get(accumulate), load), // locals start at zero otherwise
    countDown(
      kSteps,
      step,
      set(ap, i32.add(get(ap), i32.const(unroll * mr * 4))),
      set(bp, i32.add(get(bp), i32.const(unroll * nr * 4))),
    ),
    store,
  );
  return f;
}

/** All tiles of one packed A block times `panels` packed B panels; B panel outer so it stays in L1. */
function blockFunction(cfg: MatmulConfig, tile: number): FunctionBuilder {
  const { mr, nrVectors, unroll } = cfg;
  const nr = nrVectors * 4;
  const f = new FunctionBuilder('matmulBlock', [I, I, I, I, I, I, I, I], [], false);
  const [ap, bp, cp, ldc, strips, panels, kLenPad, accumulate] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [jr, ir, kSteps, aStripBytes, bPanelBytes, bPanel, cCol] = [I, I, I, I, I, I, I].map((t) =>
    f.local(t),
  );
  f.setBody(
    set(kSteps, i32.divS(get(kLenPad), i32.const(unroll))),
    set(aStripBytes, i32.mul(get(kLenPad), i32.const(mr * 4))),
    set(bPanelBytes, i32.mul(get(kLenPad), i32.const(nr * 4))),
    forRange(
      jr,
      i32.const(0),
      get(panels),
      i32.const(1),
      set(bPanel, i32.add(get(bp), i32.mul(get(jr), get(bPanelBytes)))),
      set(cCol, i32.add(get(cp), i32.mul(get(jr), i32.const(nr * 4)))),
      forRange(
        ir,
        i32.const(0),
        get(strips),
        i32.const(1),
        call(
          tile,
          i32.add(get(ap), i32.mul(get(ir), get(aStripBytes))),
          get(bPanel),
          i32.add(get(cCol), i32.mul(get(ir), i32.mul(get(ldc), i32.const(mr)))),
          get(ldc),
          get(kSteps),
          get(accumulate),
        ),
      ),
    ),
  );
  return f;
}

/** 32-bit lanes `lanes` of the pair (a: 0-3, b: 4-7) as an i8x16.shuffle. */
function pick(a: Code, b: Code, lanes: readonly number[]): Code {
  return v128.shuffle(
    a,
    b,
    lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]),
  );
}

/** Rows v0..v3 of a 4x4 block into its columns, stored by `store(j, column)`. */
function transpose4(
  v: readonly number[],
  t: readonly number[],
  store: (j: number, column: Code) => Code,
): Code {
  const [a, b, c, d] = t;
  return [
    set(a, pick(get(v[0]), get(v[1]), [0, 4, 1, 5])),
    set(b, pick(get(v[2]), get(v[3]), [0, 4, 1, 5])),
    set(c, pick(get(v[0]), get(v[1]), [2, 6, 3, 7])),
    set(d, pick(get(v[2]), get(v[3]), [2, 6, 3, 7])),
    store(0, pick(get(a), get(b), [0, 1, 4, 5])),
    store(1, pick(get(a), get(b), [2, 3, 6, 7])),
    store(2, pick(get(c), get(d), [0, 1, 4, 5])),
    store(3, pick(get(c), get(d), [2, 3, 6, 7])),
  ];
}

/**
 * Packs `lines` lines (rows of A or columns of B) of `kLen` elements into groups of `width`
 * lines interleaved by k: dst[group][k][width], zero-padded up to `kLenPad` and whole groups.
 * Params: src, lineStride, kStride (bytes), lines, kLen, kLenPad, dst. Two vector paths: lines
 * adjacent (lineStride 4: B, or A transposed) copy whole groups a vector at a time; k adjacent
 * (kStride 4: A, or B transposed) go through 4x4 transposes. Scalar loops do the rest.
 */
function packFunction(name: string, width: number): FunctionBuilder {
  const f = new FunctionBuilder(name, [I, I, I, I, I, I, I], [], false);
  const [src, lineStride, kStride, lines, kLen, kLenPad, dst] = [0, 1, 2, 3, 4, 5, 6];
  const [line, k, from, to, end, groupBytes, group, vecLines, vecK] = Array.from({ length: 9 }, () =>
    f.local(I),
  );
  const rowAddr = Array.from({ length: 4 }, () => f.local(I));
  const rows = Array.from({ length: 4 }, () => f.local(V));
  const tmp = Array.from({ length: 4 }, () => f.local(V));
  const groups = i32.divS(i32.add(get(lines), i32.const(width - 1)), i32.const(width));
  const groupOf = (l: Code) =>
    i32.add(
      i32.add(get(dst), i32.mul(i32.divS(l, i32.const(width)), get(groupBytes))),
      i32.mul(i32.remS(l, i32.const(width)), i32.const(4)),
    );
  /** Scalar copy of lines [lineStart, lines) x k [kStart, kLen). */
  const scalar = (lineStart: Code, lineEnd: Code, kStart: Code): Code =>
    forRange(
      line,
      lineStart,
      lineEnd,
      i32.const(1),
      set(
        from,
        i32.add(i32.add(get(src), i32.mul(get(line), get(lineStride))), i32.mul(kStart, get(kStride))),
      ),
      set(to, i32.add(groupOf(get(line)), i32.mul(kStart, i32.const(width * 4)))),
      forRange(
        k,
        kStart,
        get(kLen),
        i32.const(1),
        f32.store(get(to), f32.load(get(from))),
        set(from, i32.add(get(from), get(kStride))),
        set(to, i32.add(get(to), i32.const(width * 4))),
      ),
    );
  const copyVectors: Code[] = [];
  for (let v = 0; v < width / 4; v++)
    copyVectors.push(v128.store(get(to), v128.load(get(from), 16 * v), 16 * v));
  const linesAdjacent: Code = [
    set(vecLines, i32.mul(i32.divS(get(lines), i32.const(width)), i32.const(width))),
    forRange(
      group,
      i32.const(0),
      i32.divS(get(lines), i32.const(width)),
      i32.const(1),
      set(from, i32.add(get(src), i32.mul(get(group), i32.const(width * 4)))),
      set(to, i32.add(get(dst), i32.mul(get(group), get(groupBytes)))),
      forRange(
        k,
        i32.const(0),
        get(kLen),
        i32.const(1),
        copyVectors,
        set(from, i32.add(get(from), get(kStride))),
        set(to, i32.add(get(to), i32.const(width * 4))),
      ),
    ),
    scalar(get(vecLines), get(lines), i32.const(0)),
  ];
  const kAdjacent: Code = [
    set(vecLines, i32.and(get(lines), i32.const(-4))),
    set(vecK, i32.and(get(kLen), i32.const(-4))),
    forRange(
      line,
      i32.const(0),
      get(vecLines),
      i32.const(4),
      rowAddr.map((r, i) =>
        set(r, i32.add(get(src), i32.mul(i32.add(get(line), i32.const(i)), get(lineStride)))),
      ),
      set(to, groupOf(get(line))),
      forRange(
        k,
        i32.const(0),
        get(vecK),
        i32.const(4),
        rows.map((v, i) => set(v, v128.load(get(rowAddr[i])))),
        transpose4(rows, tmp, (j, column) => v128.store(get(to), column, j * width * 4)),
        rowAddr.map((r) => set(r, i32.add(get(r), i32.const(16)))),
        set(to, i32.add(get(to), i32.const(4 * width * 4))),
      ),
    ),
    // the k tail of the vector lines, then whole remaining lines
    scalar(i32.const(0), get(vecLines), get(vecK)),
    scalar(get(vecLines), get(lines), i32.const(0)),
  ];
  f.setBody(
    set(groupBytes, i32.mul(get(kLenPad), i32.const(width * 4))),
    // Zero the padding only when there is some.
    ifThen(i32.or(i32.ne(get(kLen), get(kLenPad)), i32.remS(get(lines), i32.const(width))), [
      set(end, i32.add(get(dst), i32.mul(groups, get(groupBytes)))),
      forRange(to, get(dst), get(end), i32.const(16), v128.store(get(to), f32x4Zero())),
    ]),
    ifThen(
      i32.eq(get(lineStride), i32.const(4)),
      linesAdjacent,
      ifThen(i32.eq(get(kStride), i32.const(4)), kAdjacent, scalar(i32.const(0), get(lines), i32.const(0))),
    ),
  );
  return f;
}

function f32x4Zero(): Code {
  return v128.const(new Array(16).fill(0));
}

const param = (params: number, field: keyof typeof MatmulParam): Code =>
  i32.load(get(params), MatmulParam[field] * 4);

/** min(a, b) of two i32 expressions, through two scratch locals. */
function minS(f: FunctionBuilder, a: Code, b: Code): Code {
  const [x, y] = [f.local(I), f.local(I)];
  return [set(x, a), set(y, b), ifThen(i32.ltS(get(y), get(x)), set(x, get(y))), get(x)];
}

/** Chunk = (distinct B, group of panels): packs those columns of B for every K block. */
function packBChunkFunction(cfg: MatmulConfig, packPanel: number): FunctionBuilder {
  const nr = cfg.nrVectors * 4;
  const f = new FunctionBuilder('matmulPackB', [I, I, I]);
  const [chunk, , p] = [0, 1, 2];
  const [unique, col0, cols, src, dst, k0, kLen, kLenPad, kc, K, kP, nP] = Array.from({ length: 12 }, () =>
    f.local(I),
  );
  f.setBody(
    set(unique, i32.divS(get(chunk), param(p, 'groupsPerB'))),
    set(
      col0,
      i32.mul(i32.remS(get(chunk), param(p, 'groupsPerB')), i32.mul(param(p, 'groupPanels'), i32.const(nr))),
    ),
    set(cols, minS(f, i32.sub(param(p, 'N'), get(col0)), i32.mul(param(p, 'groupPanels'), i32.const(nr)))),
    set(
      src,
      i32.add(
        i32.add(
          param(p, 'bBase'),
          i32.shl(
            i32.load(i32.add(param(p, 'bUniqueOffsets'), i32.shl(get(unique), i32.const(2)))),
            i32.const(2),
          ),
        ),
        i32.mul(get(col0), param(p, 'bColStride')),
      ),
    ),
    set(kc, param(p, 'kc')),
    set(K, param(p, 'K')),
    set(kP, param(p, 'kPadded')),
    set(nP, param(p, 'nPadded')),
    set(
      dst,
      i32.add(param(p, 'packedB'), i32.mul(get(unique), i32.mul(i32.mul(get(kP), get(nP)), i32.const(4)))),
    ),
    forRange(
      k0,
      i32.const(0),
      get(kP),
      get(kc),
      set(kLen, minS(f, get(kc), i32.sub(get(K), get(k0)))),
      set(kLenPad, minS(f, get(kc), i32.sub(get(kP), get(k0)))),
      call(
        packPanel,
        i32.add(get(src), i32.mul(get(k0), param(p, 'bRowStride'))),
        param(p, 'bColStride'),
        param(p, 'bRowStride'),
        get(cols),
        get(kLen),
        get(kLenPad),
        i32.add(
          get(dst),
          i32.mul(i32.add(i32.mul(get(k0), get(nP)), i32.mul(get(col0), get(kLenPad))), i32.const(4)),
        ),
      ),
    ),
  );
  return f;
}

/** Chunk = (batch, M block, N range): packs its A block per K block and runs the micro-kernel over it. */
function computeChunkFunction(cfg: MatmulConfig, packA: number, block: number): FunctionBuilder {
  const { mr } = cfg;
  const nr = cfg.nrVectors * 4;
  const f = new FunctionBuilder('matmulCompute', [I, I, I]);
  const [chunk, thread, p] = [0, 1, 2];
  const [batch, rest, mBlock, nRange, m0, rows, p0, panels, aSrc, bBase, cDst, scratch, k0, kLen, kLenPad] =
    Array.from({ length: 15 }, () => f.local(I));
  const [kc, K, kP, nP, perBatch] = Array.from({ length: 5 }, () => f.local(I));
  const batchOffset = (table: Code, index: Code): Code =>
    i32.load(i32.add(table, i32.shl(index, i32.const(2))));
  f.setBody(
    set(perBatch, i32.mul(param(p, 'mBlocks'), param(p, 'nRanges'))),
    set(batch, i32.divS(get(chunk), get(perBatch))),
    set(rest, i32.remS(get(chunk), get(perBatch))),
    set(mBlock, i32.divS(get(rest), param(p, 'nRanges'))),
    set(nRange, i32.remS(get(rest), param(p, 'nRanges'))),
    set(m0, i32.mul(get(mBlock), param(p, 'mc'))),
    set(rows, minS(f, param(p, 'mc'), i32.sub(param(p, 'M'), get(m0)))),
    set(p0, i32.mul(get(nRange), param(p, 'panelsPerRange'))),
    set(panels, minS(f, param(p, 'panelsPerRange'), i32.sub(param(p, 'nPanels'), get(p0)))),
    set(kc, param(p, 'kc')),
    set(K, param(p, 'K')),
    set(kP, param(p, 'kPadded')),
    set(nP, param(p, 'nPadded')),
    set(
      aSrc,
      i32.add(
        i32.add(param(p, 'aBase'), i32.shl(batchOffset(param(p, 'aBatchOffsets'), get(batch)), i32.const(2))),
        i32.mul(get(m0), param(p, 'aRowStride')),
      ),
    ),
    set(
      bBase,
      i32.add(
        param(p, 'packedB'),
        i32.mul(
          batchOffset(param(p, 'bIndexOfBatch'), get(batch)),
          i32.mul(i32.mul(get(kP), get(nP)), i32.const(4)),
        ),
      ),
    ),
    set(
      cDst,
      i32.add(
        i32.add(param(p, 'cBase'), i32.mul(get(batch), param(p, 'cBatchStride'))),
        i32.add(i32.mul(get(m0), param(p, 'ldc')), i32.mul(get(p0), i32.const(nr * 4))),
      ),
    ),
    set(scratch, i32.add(param(p, 'scratchBase'), i32.mul(get(thread), param(p, 'scratchStride')))),
    forRange(
      k0,
      i32.const(0),
      get(kP),
      get(kc),
      set(kLen, minS(f, get(kc), i32.sub(get(K), get(k0)))),
      set(kLenPad, minS(f, get(kc), i32.sub(get(kP), get(k0)))),
      call(
        packA,
        i32.add(get(aSrc), i32.mul(get(k0), param(p, 'aColStride'))),
        param(p, 'aRowStride'),
        param(p, 'aColStride'),
        get(rows),
        get(kLen),
        get(kLenPad),
        get(scratch),
      ),
      call(
        block,
        get(scratch),
        i32.add(
          get(bBase),
          i32.mul(
            i32.add(i32.mul(get(k0), get(nP)), i32.mul(get(p0), i32.mul(get(kLenPad), i32.const(nr)))),
            i32.const(4),
          ),
        ),
        get(cDst),
        param(p, 'ldc'),
        i32.divS(i32.add(get(rows), i32.const(mr - 1)), i32.const(mr)),
        get(panels),
        get(kLenPad),
        i32.gtS(get(k0), i32.const(0)),
      ),
    ),
  );
  return f;
}
