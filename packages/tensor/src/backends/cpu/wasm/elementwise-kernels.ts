import type { BinaryOp, UnaryOp } from '../../../backend.js';
import {
  type Code,
  FunctionBuilder,
  f32,
  f32x4,
  forRange,
  get,
  i32,
  ifThen,
  type ModuleBuilder,
  set,
  ValType,
  v128,
} from './emitter.js';
import { expVector, onScalar, sigmoidVector, tanhVector, type VectorFunction } from './simd-math.js';

/**
 * Elementwise kernels over "rows": the driver cuts a (broadcast) view into rows whose elements
 * are adjacent (inner stride 1) or one repeated value (inner stride 0), and lists each row as
 * [aOffset, bOffset, outOffset, length] (elements). Chunks are runs of rows, for the threads.
 */
export const RowParam = {
  table: 0, // address of the row table, 4 int32 per row
  rowCount: 1,
  rowsPerChunk: 2,
  aBase: 3, // byte address of element offset 0 of each operand's storage
  bBase: 4,
  outBase: 5,
  aInner: 6, // inner stride of a (0 or 1)
  bInner: 7,
  cBase: 8, // a third operand (layerNorm's bias)
  eps: 9, // float32 bits
  count: 10,
} as const;

const I = ValType.i32;
const V = ValType.v128;

/** Unary ops with a WebAssembly kernel (float32 in, float32 out). */
export const WASM_UNARY_OPS = [
  'neg',
  'abs',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'square',
  'relu',
  'floor',
  'ceil',
  'exp',
  'sigmoid',
  'tanh',
] as const satisfies readonly UnaryOp[];
export type WasmUnaryOp = (typeof WASM_UNARY_OPS)[number];

export const WASM_BINARY_OPS = [
  'add',
  'sub',
  'mul',
  'div',
  'maximum',
  'minimum',
] as const satisfies readonly BinaryOp[];
export type WasmBinaryOp = (typeof WASM_BINARY_OPS)[number];

const one = () => f32x4.const(1);

function unaryVector(op: WasmUnaryOp, f: FunctionBuilder): VectorFunction {
  switch (op) {
    case 'neg':
      return f32x4.neg;
    case 'abs':
      return f32x4.abs;
    case 'sqrt':
      return f32x4.sqrt;
    case 'rsqrt':
      return (x) => f32x4.div(one(), f32x4.sqrt(x));
    case 'reciprocal':
      return (x) => f32x4.div(one(), x);
    case 'square': {
      const t = f.local(V);
      return (x) => [set(t, x), f32x4.mul(get(t), get(t))];
    }
    case 'relu':
      // max propagates NaN and turns -0 into +0, as the reference does
      return (x) => f32x4.max(x, f32x4.const(0));
    case 'floor':
      return f32x4.floor;
    case 'ceil':
      return f32x4.ceil;
    case 'exp':
      return expVector(f);
    case 'sigmoid':
      return sigmoidVector(f);
    case 'tanh':
      return tanhVector(f);
  }
}

function binaryVector(op: WasmBinaryOp): (a: Code, b: Code) => Code {
  return {
    add: f32x4.add,
    sub: f32x4.sub,
    mul: f32x4.mul,
    div: f32x4.div,
    maximum: f32x4.max,
    minimum: f32x4.min,
  }[op];
}

/** Locals and the row loop shared by every row kernel: calls `body` once per row of the chunk. */
export function forEachRow(
  f: FunctionBuilder,
  body: (row: { a: number; b: number; out: number; length: number }) => Code,
): Code {
  const [chunk, , params] = [0, 1, 2];
  const [r, end, entry, a, b, out, length] = Array.from({ length: 7 }, () => f.local(I));
  const param = (field: keyof typeof RowParam): Code => i32.load(get(params), RowParam[field] * 4);
  const address = (base: keyof typeof RowParam, offsetField: number): Code =>
    i32.add(param(base), i32.shl(i32.load(get(entry), offsetField * 4), i32.const(2)));
  return [
    set(r, i32.mul(get(chunk), param('rowsPerChunk'))),
    set(end, i32.add(get(r), param('rowsPerChunk'))),
    ifThen(i32.gtS(get(end), param('rowCount')), set(end, param('rowCount'))),
    forRange(
      r,
      get(r),
      get(end),
      i32.const(1),
      set(entry, i32.add(param('table'), i32.shl(get(r), i32.const(4)))),
      set(a, address('aBase', 0)),
      set(b, address('bBase', 1)),
      set(out, address('outBase', 2)),
      set(length, i32.load(get(entry), 12)),
      body({ a, b, out, length }),
    ),
  ];
}

/** Reads `params` field `field` inside a row kernel. */
export function rowParam(field: keyof typeof RowParam): Code {
  return i32.load(get(2), RowParam[field] * 4);
}

/**
 * `for (offset = 0; offset < 4*length; offset += 16 or 4)`: whole vectors, then a scalar tail.
 * The callbacks get the byte offset (a local) to add to each operand's row address.
 */
export function vectorLoop(
  f: FunctionBuilder,
  length: number,
  vectorStep: (offset: number) => Code,
  scalarStep: (offset: number) => Code,
): Code {
  const [offset, vectorEnd, end] = [f.local(I), f.local(I), f.local(I)];
  return [
    set(vectorEnd, i32.shl(i32.and(get(length), i32.const(-4)), i32.const(2))),
    set(end, i32.shl(get(length), i32.const(2))),
    forRange(offset, i32.const(0), get(vectorEnd), i32.const(16), vectorStep(offset)),
    forRange(offset, get(vectorEnd), get(end), i32.const(4), scalarStep(offset)),
  ];
}

function unaryKernel(op: WasmUnaryOp): FunctionBuilder {
  return mapRowsKernel(`unary_${op}`, (f) => unaryVector(op, f));
}

/** A chunk kernel that maps each row of the elementwise row table through one vector function. */
export function mapRowsKernel(
  name: string,
  vectorFunction: (f: FunctionBuilder) => VectorFunction,
): FunctionBuilder {
  const f = new FunctionBuilder(name, [I, I, I]);
  const fn = vectorFunction(f);
  const at = (base: number, offset: number) => i32.add(get(base), get(offset));
  f.setBody(
    forEachRow(f, ({ a, out, length }) =>
      vectorLoop(
        f,
        length,
        (o) => v128.store(at(out, o), fn(v128.load(at(a, o)))),
        (o) => f32.store(at(out, o), onScalar(fn, f32.load(at(a, o)))),
      ),
    ),
  );
  return f;
}

/** Binary kernel with three row loops: both operands adjacent, or one of them repeated. */
function binaryKernel(op: WasmBinaryOp): FunctionBuilder {
  const f = new FunctionBuilder(`binary_${op}`, [I, I, I]);
  const fn = binaryVector(op);
  const repeated = f.local(V);
  const at = (base: number, offset: number) => i32.add(get(base), get(offset));
  const scalar = (x: Code, y: Code) => f32x4.extractLane(fn(f32x4.splat(x), f32x4.splat(y)), 0);
  f.setBody(
    forEachRow(f, ({ a, b, out, length }) =>
      ifThen(
        i32.eqz(rowParam('bInner')),
        [
          set(repeated, v128.load32Splat(get(b))),
          vectorLoop(
            f,
            length,
            (o) => v128.store(at(out, o), fn(v128.load(at(a, o)), get(repeated))),
            (o) => f32.store(at(out, o), scalar(f32.load(at(a, o)), f32.load(get(b)))),
          ),
        ],
        ifThen(
          i32.eqz(rowParam('aInner')),
          [
            set(repeated, v128.load32Splat(get(a))),
            vectorLoop(
              f,
              length,
              (o) => v128.store(at(out, o), fn(get(repeated), v128.load(at(b, o)))),
              (o) => f32.store(at(out, o), scalar(f32.load(get(a)), f32.load(at(b, o)))),
            ),
          ],
          vectorLoop(
            f,
            length,
            (o) => v128.store(at(out, o), fn(v128.load(at(a, o)), v128.load(at(b, o)))),
            (o) => f32.store(at(out, o), scalar(f32.load(at(a, o)), f32.load(at(b, o)))),
          ),
        ),
      ),
    ),
  );
  return f;
}

/** Adds `unary_<op>` and `binary_<op>` chunk kernels (chunk, thread, params) for every op above. */
export function addElementwiseKernels(module: ModuleBuilder): void {
  for (const op of WASM_UNARY_OPS) module.addFunction(unaryKernel(op));
  for (const op of WASM_BINARY_OPS) module.addFunction(binaryKernel(op));
}

export const ELEMENTWISE_KERNELS = [
  ...WASM_UNARY_OPS.map((op) => `unary_${op}` as const),
  ...WASM_BINARY_OPS.map((op) => `binary_${op}` as const),
];
