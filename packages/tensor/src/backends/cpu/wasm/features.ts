import { FunctionBuilder, f32x4, ModuleBuilder, ValType, v128 } from './emitter.js';

/** Validates a one-function module with `body` (no params, one v128 result) over a small memory. */
function validates(body: (f: FunctionBuilder) => void): boolean {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return false;
  const module = new ModuleBuilder({
    module: 'env',
    name: 'memory',
    minPages: 1,
    maxPages: 1,
    shared: false,
  });
  const f = new FunctionBuilder('probe', [], [ValType.v128]);
  body(f);
  module.addFunction(f);
  try {
    return WebAssembly.validate(module.build() as Uint8Array<ArrayBuffer>);
  } catch {
    return false;
  }
}

const zero = () => v128.const(new Array(16).fill(0));

let simd: boolean | undefined;
let relaxed: boolean | undefined;

/** True when the engine runs WebAssembly SIMD128 (validated once, at first use). */
export function hasWasmSimd(): boolean {
  simd ??= validates((f) => f.setBody(f32x4.add(zero(), zero())));
  return simd;
}

/** True when the engine also has relaxed SIMD (f32x4.relaxed_madd), used for fused multiply-add. */
export function hasRelaxedSimd(): boolean {
  relaxed ??= hasWasmSimd() && validates((f) => f.setBody(f32x4.relaxedMadd(zero(), zero(), zero())));
  return relaxed;
}

/** True when shared WebAssembly memories (and so worker threads over one memory) are available. */
export function hasSharedMemory(): boolean {
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object';
  } catch {
    return false;
  }
}
