/**
 * A small WebAssembly binary emitter: just what the cpu kernels need (one imported shared
 * memory, functions with locals, exports, structured control flow, scalar i32/f32 and v128
 * instructions). Instructions are built as expressions: every helper returns the bytes that
 * push its result, so `f32x4.add(get(acc), f32x4.mul(get(a), get(b)))` reads like the math.
 */

/** Encoded instructions; nested arrays are flattened when a function body is assembled. */
export type Code = number | Code[];

/** Value types, by their binary code. */
export const ValType = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`uleb: ${value} is not a non-negative integer`);
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (for i32 constants). */
export function sleb(value: number): number[] {
  if (!Number.isInteger(value)) throw new RangeError(`sleb: ${value} is not an integer`);
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = v & 0x7f;
    v = Math.floor(v / 128);
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function flatten(code: Code, out: number[] = []): number[] {
  if (typeof code === 'number') out.push(code);
  else for (const c of code) flatten(c, out);
  return out;
}

function utf8(name: string): number[] {
  const bytes = [...new TextEncoder().encode(name)];
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, contents: number[]): number[] {
  return [id, ...uleb(contents.length), ...contents];
}

// ---- locals and control ----

export const get = (index: number): Code => [0x20, uleb(index)];
export const set = (index: number, value: Code): Code => [value, 0x21, uleb(index)];
export const tee = (index: number, value: Code): Code => [value, 0x22, uleb(index)];
export const call = (funcIndex: number, ...args: Code[]): Code => [args, 0x10, uleb(funcIndex)];
export const drop = (value: Code): Code => [value, 0x1a];
export const select = (ifTrue: Code, ifFalse: Code, cond: Code): Code => [ifTrue, ifFalse, cond, 0x1b];
const EMPTY_BLOCK = 0x40;
export const block = (...body: Code[]): Code => [0x02, EMPTY_BLOCK, body, 0x0b];
export const loop = (...body: Code[]): Code => [0x03, EMPTY_BLOCK, body, 0x0b];
export const br = (depth: number): Code => [0x0c, uleb(depth)];
export const brIf = (depth: number, cond: Code): Code => [cond, 0x0d, uleb(depth)];
export const ifThen = (cond: Code, then: Code, otherwise?: Code): Code =>
  otherwise === undefined
    ? [cond, 0x04, EMPTY_BLOCK, then, 0x0b]
    : [cond, 0x04, EMPTY_BLOCK, then, 0x05, otherwise, 0x0b];
export const ret = (): Code => [0x0f];

/**
 * `for (i = start; i < end; i += step) body`, as block/loop. Inside `body`, depth 0 is the
 * loop (continue after `step` is not available: write bodies without early exits).
 */
export function forRange(i: number, start: Code, end: Code, step: Code, ...body: Code[]): Code {
  return [
    set(i, start),
    block(loop(brIf(1, i32.geS(get(i), end)), body, set(i, i32.add(get(i), step)), br(0))),
  ];
}

/** `do body while (--counter != 0)`: for trip counts known to be at least one. */
export function countDown(counter: number, ...body: Code[]): Code {
  return loop(body, brIf(0, tee(counter, i32.sub(get(counter), i32.const(1)))));
}

// ---- scalar ----

const memarg = (alignLog2: number, offset: number): number[] => [alignLog2, ...uleb(offset)];
const bin =
  (op: number) =>
  (a: Code, b: Code): Code => [a, b, op];
const un =
  (op: number) =>
  (a: Code): Code => [a, op];

export const i32 = {
  const: (v: number): Code => [0x41, sleb(v | 0)],
  load: (addr: Code, offset = 0): Code => [addr, 0x28, memarg(2, offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [addr, value, 0x36, memarg(2, offset)],
  eqz: un(0x45),
  eq: bin(0x46),
  ne: bin(0x47),
  ltS: bin(0x48),
  gtS: bin(0x4a),
  leS: bin(0x4c),
  geS: bin(0x4e),
  add: bin(0x6a),
  sub: bin(0x6b),
  mul: bin(0x6c),
  divS: bin(0x6d),
  remS: bin(0x6f),
  and: bin(0x71),
  or: bin(0x72),
  shl: bin(0x74),
  shrS: bin(0x75),
  reinterpretF32: un(0xbc),
  truncSatF32S: (a: Code): Code => [a, 0xfc, uleb(0)],
};

export const f32 = {
  const: (v: number): Code => {
    const bytes = new Uint8Array(new Float32Array([v]).buffer);
    return [0x43, [...bytes]];
  },
  load: (addr: Code, offset = 0): Code => [addr, 0x2a, memarg(2, offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [addr, value, 0x38, memarg(2, offset)],
  eq: bin(0x5b),
  ne: bin(0x5c),
  lt: bin(0x5d),
  gt: bin(0x5e),
  abs: un(0x8b),
  neg: un(0x8c),
  sqrt: un(0x91),
  add: bin(0x92),
  sub: bin(0x93),
  mul: bin(0x94),
  div: bin(0x95),
  min: bin(0x96),
  max: bin(0x97),
  reinterpretI32: un(0xbe),
  convertI32S: un(0xb2),
  demoteF64: un(0xb6),
};

export const f64 = {
  promoteF32: un(0xbb),
};

// ---- SIMD (0xfd prefix) ----

const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const vbin =
  (op: number) =>
  (a: Code, b: Code): Code => [a, b, simd(op)];
const vun =
  (op: number) =>
  (a: Code): Code => [a, simd(op)];

export const v128 = {
  load: (addr: Code, offset = 0): Code => [addr, simd(0x00), memarg(4, offset)],
  load32Splat: (addr: Code, offset = 0): Code => [addr, simd(0x09), memarg(2, offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [addr, value, simd(0x0b), memarg(4, offset)],
  const: (bytes: readonly number[]): Code => [simd(0x0c), [...bytes]],
  /** Bytes of `a` (lanes 0-15) and `b` (16-31) picked by 16 constant lane indices. */
  shuffle: (a: Code, b: Code, lanes: readonly number[]): Code => [a, b, simd(0x0d), [...lanes]],
  not: vun(0x4d),
  and: vbin(0x4e),
  andNot: vbin(0x4f),
  or: vbin(0x50),
  xor: vbin(0x51),
  /** Lanes of `a` where `mask` bits are set, else of `b`. */
  bitselect: (a: Code, b: Code, mask: Code): Code => [a, b, mask, simd(0x52)],
  anyTrue: vun(0x53),
};

export const i32x4 = {
  splat: vun(0x11),
  extractLane: (a: Code, lane: number): Code => [a, simd(0x1b), lane],
  eq: vbin(0x37),
  shl: vbin(0xab),
  shrS: vbin(0xac),
  add: vbin(0xae),
  sub: vbin(0xb1),
  mul: vbin(0xb5),
  truncSatF32x4S: vun(0xf8),
};

export const f32x4 = {
  splat: vun(0x13),
  extractLane: (a: Code, lane: number): Code => [a, simd(0x1f), lane],
  replaceLane: (a: Code, lane: number, value: Code): Code => [a, value, simd(0x20), lane],
  /** A lane-constant vector. */
  const: (v: number): Code => {
    const bytes = new Uint8Array(new Float32Array([v, v, v, v]).buffer);
    return v128.const([...bytes]);
  },
  eq: vbin(0x41),
  ne: vbin(0x42),
  lt: vbin(0x43),
  gt: vbin(0x44),
  le: vbin(0x45),
  ge: vbin(0x46),
  ceil: vun(0x67),
  floor: vun(0x68),
  trunc: vun(0x69),
  nearest: vun(0x6a),
  abs: vun(0xe0),
  neg: vun(0xe1),
  sqrt: vun(0xe3),
  add: vbin(0xe4),
  sub: vbin(0xe5),
  mul: vbin(0xe6),
  div: vbin(0xe7),
  min: vbin(0xe8),
  max: vbin(0xe9),
  pmin: vbin(0xea),
  pmax: vbin(0xeb),
  convertI32x4S: vun(0xfa),
  /** Relaxed SIMD a*b+c (fused or not, as the engine likes); only where `hasRelaxedSimd`. */
  relaxedMadd: (a: Code, b: Code, c: Code): Code => [a, b, c, simd(0x105)],
};

/** acc + a*b, fused when the module is built with relaxed SIMD. */
export function madd(fma: boolean, a: Code, b: Code, acc: Code): Code {
  return fma ? f32x4.relaxedMadd(a, b, acc) : f32x4.add(acc, f32x4.mul(a, b));
}

// ---- functions and modules ----

/** One function under construction: parameters first, then locals, each with its index. */
export class FunctionBuilder {
  readonly params: ValType[];
  readonly results: ValType[];
  private readonly locals: ValType[] = [];
  private body: Code = [];

  constructor(
    readonly name: string,
    params: readonly ValType[],
    results: readonly ValType[] = [],
    readonly exported = true,
  ) {
    this.params = [...params];
    this.results = [...results];
  }

  /** Index of parameter `i` (0-based). */
  param(i: number): number {
    if (i >= this.params.length) throw new RangeError(`${this.name}: no parameter ${i}`);
    return i;
  }

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  setBody(...code: Code[]): void {
    this.body = code;
  }

  /** Locals (run-length encoded by type) followed by the body and `end`. */
  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const locals = vec(groups.map(([n, t]) => [...uleb(n), t]));
    const code = [...locals, ...flatten(this.body), 0x0b];
    return [...uleb(code.length), ...code];
  }
}

export interface MemoryImport {
  module: string;
  name: string;
  minPages: number;
  maxPages: number;
  shared: boolean;
}

export interface FunctionImport {
  module: string;
  name: string;
  params: ValType[];
  results: ValType[];
}

/**
 * A module with one imported memory, imported functions, and a list of functions (exported
 * unless told otherwise). Imports take the first function indices, so they come first.
 */
export class ModuleBuilder {
  private readonly functions: FunctionBuilder[] = [];
  private readonly imports: FunctionImport[] = [];

  constructor(private readonly memory: MemoryImport) {}

  /** Declares an imported function and returns its function index (for `call`). */
  importFunction(f: FunctionImport): number {
    if (this.functions.length > 0) throw new Error('ModuleBuilder: import functions before defining any');
    this.imports.push(f);
    return this.imports.length - 1;
  }

  /** Adds a function and returns its function index (for `call`). */
  addFunction(f: FunctionBuilder): number {
    this.functions.push(f);
    return this.imports.length + this.functions.length - 1;
  }

  build(): Uint8Array {
    const types: string[] = [];
    const typeOf = (f: { params: readonly ValType[]; results: readonly ValType[] }) => {
      const key = `${f.params.join(',')}:${f.results.join(',')}`;
      let idx = types.indexOf(key);
      if (idx < 0) idx = types.push(key) - 1;
      return idx;
    };
    const importTypes = this.imports.map(typeOf);
    const typeIndex = this.functions.map(typeOf);
    const typeEntries = types.map((key) => {
      const [p, r] = key.split(':').map((s) => (s ? s.split(',').map(Number) : []));
      return [0x60, ...uleb(p.length), ...p, ...uleb(r.length), ...r];
    });
    const m = this.memory;
    const limits = [m.shared ? 0x03 : 0x01, ...uleb(m.minPages), ...uleb(m.maxPages)];
    const imports = vec([
      [...utf8(m.module), ...utf8(m.name), 0x02, ...limits],
      ...this.imports.map((f, i) => [...utf8(f.module), ...utf8(f.name), 0x00, ...uleb(importTypes[i])]),
    ]);
    const first = this.imports.length;
    const exports = this.functions.flatMap((f, i) =>
      f.exported ? [[...utf8(f.name), 0x00, ...uleb(first + i)]] : [],
    );
    return new Uint8Array([
      0x00,
      0x61,
      0x73,
      0x6d,
      0x01,
      0x00,
      0x00,
      0x00,
      ...section(1, vec(typeEntries)),
      ...section(2, imports),
      ...section(3, vec(typeIndex.map((t) => uleb(t)))),
      ...section(7, vec(exports)),
      ...section(10, vec(this.functions.map((f) => f.encode()))),
    ]);
  }
}
