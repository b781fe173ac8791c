import type { ReduceOp } from '../../../backend.js';
import {
  block,
  br,
  brIf,
  type Code,
  FunctionBuilder,
  f32,
  f32x4,
  forRange,
  get,
  i32,
  ifThen,
  loop,
  type ModuleBuilder,
  select,
  set,
  ValType,
  v128,
} from './emitter.js';
import { horizontalSum } from './simd-math.js';

/*
 * float32 sum, max and min kernels, in two shapes of work (wasm/reduce.ts plans them):
 *   rows:    each result reduces one run of adjacent elements (the reduced axes are the innermost:
 *            [4096, 256] over axis 1, or every axis);
 *   columns: each result reduces one column over a block of rows (the kept axes are innermost
 *            and adjacent: a bias gradient, [B*T, C] over axis 0), vectorised across columns.
 * The work is a table of entries [xOffset, count, outOffset, length] (elements):
 *   rows:    `count` runs of `length` elements, run i at xOffset + i*xStride, its result at
 *            outOffset + i*outStride;
 *   columns: `length` columns over `count` rows (row i at xOffset + i*xStride), the results at
 *            outOffset .. outOffset + length.
 * A chunk (the unit the threads claim) is a run of entries.
 *
 * Results follow the reference kernel (backends/cpu/reduce.ts): max and min keep the first of
 * equal values (so a zero result has the sign of the first zero) and NaN wins. Sums add float32
 * lanes in short pairwise groups and blocks, so the rounding error grows with the block, not
 * the row; the driver cuts long rows into segments and adds their partial sums in float64.
 */
export const ReduceParam = {
  table: 0, // address of the entry table, 4 int32 per entry
  entryCount: 1,
  entriesPerChunk: 2,
  xBase: 3, // byte address of element offset 0 of the input
  outBase: 4, // byte address of element 0 of the (partial) results
  xStride: 5, // elements between the runs (rows) or between the rows (columns) of an entry
  outStride: 6, // elements between the results of the runs of an entry (rows kernels)
  count: 7,
} as const;

/** Reductions with a WebAssembly kernel (float32 in, float32 out); prod stays on the reference. */
export const WASM_REDUCE_OPS = ['sum', 'max', 'min'] as const satisfies readonly ReduceOp[];
export type WasmReduceOp = (typeof WASM_REDUCE_OPS)[number];
export type ExtremeOp = Exclude<WasmReduceOp, 'sum'>;

const I = ValType.i32;
const F = ValType.f32;
const V = ValType.v128;

/** Bytes of a row one row-sum block adds before joining the running total: 16 additions per accumulator lane. */
const SUM_BLOCK_BYTES = 1024;

const param = (field: keyof typeof ReduceParam): Code => i32.load(get(2), ReduceParam[field] * 4);
const bytes = (elements: Code): Code => i32.shl(elements, i32.const(2));

/** The entry loop of a chunk: calls `body` once per entry, with locals holding its byte addresses. */
function forEachEntry(
  f: FunctionBuilder,
  body: (entry: { x: number; count: number; out: number; length: number }) => Code,
): Code {
  const chunk = 0;
  const [k, end, entry, x, count, out, length] = Array.from({ length: 7 }, () => f.local(I));
  return [
    set(k, i32.mul(get(chunk), param('entriesPerChunk'))),
    set(end, i32.add(get(k), param('entriesPerChunk'))),
    ifThen(i32.gtS(get(end), param('entryCount')), set(end, param('entryCount'))),
    forRange(
      k,
      get(k),
      get(end),
      i32.const(1),
      set(entry, i32.add(param('table'), i32.shl(get(k), i32.const(4)))),
      set(x, i32.add(param('xBase'), bytes(i32.load(get(entry), 0)))),
      set(count, i32.load(get(entry), 4)),
      set(out, i32.add(param('outBase'), bytes(i32.load(get(entry), 8)))),
      set(length, i32.load(get(entry), 12)),
      body({ x, count, out, length }),
    ),
  ];
}

/** The comparison rules of max and min: the vector pick that keeps `acc` on ties, and "v beats acc". */
const EXTREMES = {
  max: { init: Number.NEGATIVE_INFINITY, pick: f32x4.pmax, lanes: f32.max, beats: f32.gt, vBeats: f32x4.gt },
  min: { init: Number.POSITIVE_INFINITY, pick: f32x4.pmin, lanes: f32.min, beats: f32.lt, vBeats: f32x4.lt },
} as const;

/**
 * Sum of `n` floats at byte address `p` into `result`: blocks of 256 elements into four vector
 * accumulators (16 additions each), each block then added to a running total.
 */
function rowSum(f: FunctionBuilder, p: number, n: number, result: number): Code {
  const [o, fullEnd, blockEnd, vectorEnd, end] = Array.from({ length: 5 }, () => f.local(I));
  const [total, a0, a1, a2, a3] = Array.from({ length: 5 }, () => f.local(V));
  const tail = f.local(F);
  const accs = [a0, a1, a2, a3];
  const at = () => i32.add(get(p), get(o));
  return [
    set(total, f32x4.const(0)),
    set(fullEnd, bytes(i32.and(get(n), i32.const(-16)))),
    set(o, i32.const(0)),
    block(
      loop(
        brIf(1, i32.geS(get(o), get(fullEnd))),
        set(blockEnd, i32.add(get(o), i32.const(SUM_BLOCK_BYTES))),
        ifThen(i32.gtS(get(blockEnd), get(fullEnd)), set(blockEnd, get(fullEnd))),
        accs.map((a) => set(a, f32x4.const(0))),
        loop(
          accs.map((a, k) => set(a, f32x4.add(get(a), v128.load(at(), 16 * k)))),
          set(o, i32.add(get(o), i32.const(64))),
          brIf(0, i32.ltS(get(o), get(blockEnd))),
        ),
        set(
          total,
          f32x4.add(get(total), f32x4.add(f32x4.add(get(a0), get(a1)), f32x4.add(get(a2), get(a3)))),
        ),
        br(0),
      ),
    ),
    // up to three more whole vectors, then up to three floats
    set(vectorEnd, bytes(i32.and(get(n), i32.const(-4)))),
    set(a0, f32x4.const(0)),
    forRange(o, get(o), get(vectorEnd), i32.const(16), set(a0, f32x4.add(get(a0), v128.load(at())))),
    set(total, f32x4.add(get(total), get(a0))),
    set(end, bytes(get(n))),
    set(tail, f32.const(0)),
    forRange(o, get(o), get(end), i32.const(4), set(tail, f32.add(get(tail), f32.load(at())))),
    set(result, f32.add(horizontalSum(total), get(tail))),
  ];
}

/**
 * max or min of `n` floats at `p` into `result`. pmax/pmin keep the accumulator on ties and drop
 * NaN, so NaN lanes are flagged on the side. Lanes mix the order of equal values, which matters
 * only for ±0: a zero result is replaced by the row's first zero, as the reference returns.
 */
function rowExtreme(f: FunctionBuilder, op: ExtremeOp, p: number, n: number, result: number): Code {
  const rule = EXTREMES[op];
  const [o, end16, vectorEnd, end, nanTail] = Array.from({ length: 5 }, () => f.local(I));
  const [a0, a1, a2, a3, nan, v] = Array.from({ length: 6 }, () => f.local(V));
  const s = f.local(F);
  const accs = [a0, a1, a2, a3];
  const at = () => i32.add(get(p), get(o));
  const step = (a: number, offset: number): Code => [
    set(v, v128.load(at(), offset)),
    set(a, rule.pick(get(a), get(v))),
    set(nan, v128.or(get(nan), f32x4.ne(get(v), get(v)))),
  ];
  const lane = (k: number) => f32x4.extractLane(get(a0), k);
  return [
    accs.map((a) => set(a, f32x4.const(rule.init))),
    set(nan, f32x4.const(0)),
    set(end16, bytes(i32.and(get(n), i32.const(-16)))),
    forRange(
      o,
      i32.const(0),
      get(end16),
      i32.const(64),
      accs.map((a, k) => step(a, 16 * k)),
    ),
    set(vectorEnd, bytes(i32.and(get(n), i32.const(-4)))),
    forRange(o, get(o), get(vectorEnd), i32.const(16), step(a0, 0)),
    set(a0, rule.pick(rule.pick(get(a0), get(a1)), rule.pick(get(a2), get(a3)))),
    set(result, rule.lanes(rule.lanes(lane(0), lane(1)), rule.lanes(lane(2), lane(3)))),
    set(nanTail, i32.const(0)),
    set(end, bytes(get(n))),
    forRange(o, get(o), get(end), i32.const(4), [
      set(s, f32.load(at())),
      set(result, select(get(s), get(result), rule.beats(get(s), get(result)))),
      set(nanTail, i32.or(get(nanTail), f32.ne(get(s), get(s)))),
    ]),
    ifThen(
      i32.or(v128.anyTrue(get(nan)), get(nanTail)),
      set(result, f32.const(Number.NaN)),
      // the result is one of the elements, so a zero result finds its first zero
      ifThen(f32.eq(get(result), f32.const(0)), [
        set(o, i32.const(0)),
        block(
          loop(
            set(s, f32.load(at())),
            brIf(1, f32.eq(get(s), f32.const(0))),
            set(o, i32.add(get(o), i32.const(4))),
            br(0),
          ),
        ),
        set(result, get(s)),
      ]),
    ),
  ];
}

function rowsKernel(op: WasmReduceOp): FunctionBuilder {
  const f = new FunctionBuilder(`reduce_rows_${op}`, [I, I, I]);
  const [r, xStep, outStep, p, q] = Array.from({ length: 5 }, () => f.local(I));
  const result = f.local(F);
  f.setBody(
    set(xStep, bytes(param('xStride'))),
    set(outStep, bytes(param('outStride'))),
    forEachEntry(f, ({ x, count, out, length }) => [
      set(p, get(x)),
      set(q, get(out)),
      forRange(
        r,
        i32.const(0),
        get(count),
        i32.const(1),
        op === 'sum' ? rowSum(f, p, length, result) : rowExtreme(f, op, p, length, result),
        f32.store(get(q), get(result)),
        set(p, i32.add(get(p), get(xStep))),
        set(q, i32.add(get(q), get(outStep))),
      ),
    ]),
  );
  return f;
}

/** One lane group of the columns kernels: a v128 (4 columns) or a single f32. */
interface Unit {
  type: ValType;
  bytes: number;
  load(address: Code, offset: number): Code;
  store(address: Code, value: Code, offset: number): Code;
  add(a: Code, b: Code): Code;
  splat(value: number): Code;
  /** `v` where it beats `acc` under `op`'s rule or is NaN, else `acc` (the reference's update; operands are reads of locals). */
  update(op: ExtremeOp, v: Code, acc: Code): Code;
}

const VECTOR: Unit = {
  type: V,
  bytes: 16,
  load: (address, offset) => v128.load(address, offset),
  store: (address, value, offset) => v128.store(address, value, offset),
  add: f32x4.add,
  splat: f32x4.const,
  update: (op, v, acc) => v128.bitselect(v, acc, v128.or(EXTREMES[op].vBeats(v, acc), f32x4.ne(v, v))),
};

const SCALAR: Unit = {
  type: F,
  bytes: 4,
  load: (address, offset) => f32.load(address, offset),
  store: (address, value, offset) => f32.store(address, value, offset),
  add: f32.add,
  splat: f32.const,
  update: (op, v, acc) => select(v, acc, i32.or(EXTREMES[op].beats(v, acc), f32.ne(v, v))),
};

/** Locals the columns kernels share: the column byte offset and the row stride in bytes (1-4 rows). */
interface ColumnLocals {
  c: number;
  rowBytes: readonly [number, number, number, number];
}

/**
 * Columns from byte offset `c` to `end` in steps of `units` units: each step keeps `units`
 * accumulators over every row of the entry and stores them. Sums add four rows pairwise per step.
 */
function columnPass(
  f: FunctionBuilder,
  op: WasmReduceOp,
  unit: Unit,
  units: number,
  end: Code,
  { c, rowBytes }: ColumnLocals,
  { x, count, out }: { x: number; count: number; out: number },
): Code {
  const accs = Array.from({ length: units }, () => f.local(unit.type));
  const v = f.local(unit.type);
  const [q, r] = [f.local(I), f.local(I)];
  const row = (k: number) => (k === 0 ? get(q) : i32.add(get(q), get(rowBytes[k - 1])));
  const load = (rowIndex: number, u: number) => unit.load(row(rowIndex), u * unit.bytes);
  const fourRows =
    op === 'sum'
      ? block(
          loop(
            brIf(1, i32.ltS(get(r), i32.const(4))),
            accs.map((a, u) =>
              set(
                a,
                unit.add(
                  get(a),
                  unit.add(unit.add(load(0, u), load(1, u)), unit.add(load(2, u), load(3, u))),
                ),
              ),
            ),
            set(q, i32.add(get(q), get(rowBytes[3]))),
            set(r, i32.sub(get(r), i32.const(4))),
            br(0),
          ),
        )
      : [];
  const oneRow = (a: number, u: number): Code =>
    op === 'sum'
      ? set(a, unit.add(get(a), load(0, u)))
      : [set(v, load(0, u)), set(a, unit.update(op, get(v), get(a)))];
  return forRange(c, get(c), end, i32.const(unit.bytes * units), [
    accs.map((a) => set(a, unit.splat(op === 'sum' ? 0 : EXTREMES[op].init))),
    set(q, i32.add(get(x), get(c))),
    set(r, get(count)),
    fourRows,
    block(
      loop(
        brIf(1, i32.eqz(get(r))),
        accs.map((a, u) => oneRow(a, u)),
        set(q, i32.add(get(q), get(rowBytes[0]))),
        set(r, i32.sub(get(r), i32.const(1))),
        br(0),
      ),
    ),
    accs.map((a, u) => unit.store(i32.add(get(out), get(c)), get(a), u * unit.bytes)),
  ]);
}

function columnsKernel(op: WasmReduceOp): FunctionBuilder {
  const f = new FunctionBuilder(`reduce_cols_${op}`, [I, I, I]);
  const c = f.local(I);
  const rowBytes = [f.local(I), f.local(I), f.local(I), f.local(I)] as const;
  const [tileEnd, vectorEnd, end] = [f.local(I), f.local(I), f.local(I)];
  const locals = { c, rowBytes };
  f.setBody(
    set(rowBytes[0], bytes(param('xStride'))),
    set(rowBytes[1], i32.add(get(rowBytes[0]), get(rowBytes[0]))),
    set(rowBytes[2], i32.add(get(rowBytes[1]), get(rowBytes[0]))),
    set(rowBytes[3], i32.add(get(rowBytes[1]), get(rowBytes[1]))),
    forEachEntry(f, (entry) => [
      set(tileEnd, bytes(i32.and(get(entry.length), i32.const(-16)))),
      set(vectorEnd, bytes(i32.and(get(entry.length), i32.const(-4)))),
      set(end, bytes(get(entry.length))),
      set(c, i32.const(0)),
      // 16 columns at a time (four independent accumulators), then 4, then single columns
      columnPass(f, op, VECTOR, 4, get(tileEnd), locals, entry),
      columnPass(f, op, VECTOR, 1, get(vectorEnd), locals, entry),
      columnPass(f, op, SCALAR, 1, get(end), locals, entry),
    ]),
  );
  return f;
}

/** Adds `reduce_rows_<op>` and `reduce_cols_<op>` chunk kernels (chunk, thread, params) for sum, max, min. */
export function addReduceKernels(module: ModuleBuilder): void {
  for (const op of WASM_REDUCE_OPS) module.addFunction(rowsKernel(op));
  for (const op of WASM_REDUCE_OPS) module.addFunction(columnsKernel(op));
}

export const REDUCE_KERNELS = [
  ...WASM_REDUCE_OPS.map((op) => `reduce_rows_${op}` as const),
  ...WASM_REDUCE_OPS.map((op) => `reduce_cols_${op}` as const),
];
