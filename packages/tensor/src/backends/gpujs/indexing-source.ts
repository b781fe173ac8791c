import { ArgumentError, fmtShape } from '../../errors.js';

/*
 * Kernel source is generated per shape signature as JavaScript text that gpu.js translates.
 * Positions are written as inline integer expressions, never stored in variables: gpu.js
 * declares every variable as f32, which would make indices above 2^24 inexact, while inline
 * integer arithmetic stays i32 in WGSL. `(e | 0)` turns a float (a division, an index read
 * from an array) back into an integer (integerPart; floor in GLSL).
 */

/**
 * How output elements map to threads. `flat`: one thread axis, coordinates by division (the
 * cpu and webasm modes, whose pipeline results must be flat arrays). `grid`: up to three
 * integer thread axes, so that common shapes need no division at all (webgpu). `glsl`: flat,
 * with index arithmetic in floats: GLSL ES 1.0 has no integer `|`, gpu.js emulates it with a
 * bit loop whose int result does not mix with floats, so integer parts are taken with floor
 * (gpu.js divides integers exactly, see divWithIntCheck) and indices stay below 2^24.
 */
export type ThreadStyle = 'flat' | 'grid' | 'glsl';

/** `expr` (an integer-valued or non-negative float expression) as an integer expression. */
export function integerPart(expr: string, style: ThreadStyle): string {
  return style === 'glsl' ? `Math.floor(${expr})` : `(${expr} | 0)`;
}

/** Dims of a WebGPU 2D/3D dispatch: 8x8 workgroups, at most 65535 groups per axis. */
const MAX_GRID_XY = 65535 * 8;
const MAX_GRID_Z = 65535;

export interface ThreadLayout {
  /** gpu.js `output` ([x, y, z], x fastest). */
  output: number[];
  /** Expressions for the coordinates of `dims`, outer to inner. */
  coords: string[];
}

/** An integer-valued expression for `floor(value / divisor) % modulus` (modulus 0: none). */
function divMod(value: string, divisor: number, modulus: number, style: ThreadStyle): string {
  const quotient = divisor === 1 ? value : integerPart(`${value} / ${divisor}`, style);
  if (modulus === 0) return quotient;
  return style === 'glsl' ? `(${quotient} % ${modulus})` : `((${quotient} % ${modulus}) | 0)`;
}

/** Coordinates of `dims` (row-major) packed into one thread axis `thread`. */
function unpack(thread: string, dims: readonly number[], style: ThreadStyle): string[] {
  const coords: string[] = [];
  let inner = 1;
  for (let d = dims.length - 1; d >= 0; d--) {
    coords[d] = divMod(thread, inner, d === 0 ? 0 : dims[d], style);
    inner *= dims[d];
  }
  return coords;
}

/**
 * Thread layout for an output whose (collapsed) dims are `dims`. Dims of size 1 should be
 * removed by the caller; an empty `dims` (a scalar) runs one thread.
 */
export function threadLayout(dims: readonly number[], style: ThreadStyle): ThreadLayout {
  if (dims.length === 0) return { output: [1], coords: [] };
  const size = dims.reduce((a, b) => a * b, 1);
  if (style !== 'grid' || dims.length === 1) {
    return { output: [size], coords: unpack('this.thread.x', dims, style) };
  }
  const r = dims.length;
  const x = dims[r - 1];
  const y = dims[r - 2];
  const rest = dims.slice(0, r - 2);
  const z = rest.reduce((a, b) => a * b, 1);
  if (x > MAX_GRID_XY || y > MAX_GRID_XY || z > MAX_GRID_Z) {
    throw new ArgumentError(
      `gpujs: cannot lay out a kernel over dims ${fmtShape(dims)} (a dispatch allows at most ${MAX_GRID_XY} x ${MAX_GRID_XY} x ${MAX_GRID_Z}); make the array contiguous first`,
    );
  }
  const output = rest.length === 0 ? [x, y] : [x, y, z];
  return { output, coords: [...unpack('this.thread.z', rest, style), 'this.thread.y', 'this.thread.x'] };
}

/** A view's strides as seen from an output of `dims` (0 where it is broadcast). */
export interface ViewIndex {
  offset: number;
  strides: readonly number[];
}

/** `offset + Σ coord·stride`, as an integer expression (terms with stride 0 dropped). */
export function positionOf(view: ViewIndex, coords: readonly string[]): string {
  const terms: string[] = [];
  if (view.offset !== 0 || coords.length === 0) terms.push(String(view.offset));
  for (let d = 0; d < coords.length; d++) {
    const s = view.strides[d];
    if (s === 0) continue;
    terms.push(s === 1 ? coords[d] : `${coords[d]} * ${s}`);
  }
  return terms.length === 0 ? '0' : terms.join(' + ');
}

/** Result of merging dims that every view walks contiguously. */
export interface Collapsed {
  dims: number[];
  /** Per view, the strides of the merged dims. */
  strides: number[][];
}

/**
 * Drops size-1 dims and merges neighbours that every view steps through as one run
 * (stride[d] == stride[d+1]·dim[d+1] for all views), so a contiguous elementwise op becomes
 * one flat loop. Output positions are row-major over `shape`, so the merge never reorders.
 */
export function collapseDims(
  shape: readonly number[],
  viewStrides: readonly (readonly number[])[],
): Collapsed {
  const dims: number[] = [];
  const strides: number[][] = viewStrides.map(() => []);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d];
    if (n === 1) continue;
    const mergeable = dims.length > 0 && viewStrides.every((s, v) => s[d] === strides[v][0] * dims[0]);
    if (mergeable) {
      dims[0] *= n;
    } else {
      dims.unshift(n);
      viewStrides.forEach((s, v) => {
        strides[v].unshift(s[d]);
      });
    }
  }
  return { dims, strides };
}

/** A thread layout over `shape` with one coordinate per dim ('0' for dims of size 1). */
export function layoutOver(shape: readonly number[], style: ThreadStyle): ThreadLayout {
  const kept = shape.flatMap((d, i) => (d === 1 ? [] : [i]));
  const inner = threadLayout(
    kept.map((i) => shape[i]),
    style,
  );
  const coords = shape.map(() => '0');
  kept.forEach((dim, k) => {
    coords[dim] = inner.coords[k];
  });
  return { output: inner.output, coords };
}

/** Kernel source text: `function(args) { body }`. */
export function kernelSource(args: readonly string[], body: readonly string[]): string {
  return `function(${args.join(', ')}) {\n  ${body.join('\n  ')}\n}`;
}
