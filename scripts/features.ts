/**
 * Writes FEATURES.md: which ops run on which backend for which dtypes, read from the live
 * registries rather than typed by hand. For every registered backend it lists the kernels
 * (`kernelNames`), then probes every op with small inputs of each dtype and records the result's
 * dtype, or that the op refuses the dtype (a DTypeError). The autograd column comes from
 * DIFFERENTIABLE_OPS / NON_DIFFERENTIABLE_OPS, the WebAssembly column from the cpu backend's
 * SIMD op lists.
 *
 * Run: pnpm build && node --import tsx/esm scripts/features.ts   (writes FEATURES.md)
 *      ... scripts/features.ts --check                            (exits 1 when FEATURES.md is stale)
 * packages/tensor/test/features.test.ts runs the same comparison.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DIFFERENTIABLE_OPS, NON_DIFFERENTIABLE_OPS } from '@typegrad/autograd';
import * as T from '@typegrad/tensor';
import { registerGpujsBackend } from '@typegrad/tensor/gpujs';
// Not part of the public API: the cpu backend's list of ops with WebAssembly SIMD kernels.
import {
  WASM_BINARY_OPS,
  WASM_UNARY_OPS,
} from '../packages/tensor/src/backends/cpu/wasm/elementwise-kernels.js';
import { WASM_REDUCE_OPS } from '../packages/tensor/src/backends/cpu/wasm/reduce-kernels.js';
// Not part of the public API: the kernel table of each gpu.js mode, built without a device.
import { gpujsKernelNames } from '../packages/tensor/src/backends/gpujs/index.js';
import type { GpujsMode } from '../packages/tensor/src/backends/gpujs/runtime.js';

/** The gpu.js modes of the gpujs backend, as its registerGpujsBackend accepts them. */
const GPUJS_MODES: readonly GpujsMode[] = ['webgpu', 'headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'];

/**
 * Registers the backends described besides cpu: gpujs in gpu.js's `cpu` mode, which runs
 * wherever gpu.js installs (no device) and shares its dtype checks with every other mode.
 */
export async function registerFeatureBackends(): Promise<void> {
  await registerGpujsBackend({ mode: 'cpu' });
}

/** Where the table is committed, relative to the repository root. */
export const FEATURES_FILE = fileURLToPath(new URL('../FEATURES.md', import.meta.url));

const SHORT: Record<T.DType, string> = { float32: 'f32', float64: 'f64', int32: 'i32', bool: 'bool' };

/** How one op is called on inputs of dtype `dtype` on `backend`; returns the result. */
type Probe = (dtype: T.DType, backend: string) => T.NDArray;

/** A small [2, 3] array of `dtype` with distinct values (0/1 for bool). */
function sample(dtype: T.DType, backend: string): T.NDArray {
  return T.fromArray([0.5, 1.5, 2, 3, 0, 1], { dtype, backend, shape: [2, 3] });
}
const indices = (backend: string, values: number[]) => T.fromArray(values, { dtype: 'int32', backend });

interface OpRow {
  name: string;
  /** The registry kernel the op runs; empty for composites of other ops. */
  kernel: string;
  /** What the kernel column says when `kernel` is empty. */
  note?: string;
  probe: Probe;
}

const unaryRows: OpRow[] = T.UNARY_OPS.map((op) => ({
  name: op,
  kernel: 'unary',
  probe: (d, b) => T.unary(op, sample(d, b)),
}));
const binaryRows: OpRow[] = T.BINARY_OPS.map((op) => ({
  name: op,
  kernel: 'binary',
  probe: (d, b) => T.binary(op, sample(d, b), sample(d, b)),
}));

const otherRows: OpRow[] = [
  {
    name: 'where',
    kernel: 'where',
    probe: (d, b) => T.where(T.greater(sample('float32', b), 1), sample(d, b), sample(d, b)),
  },
  { name: 'cast (to f32)', kernel: 'copy', probe: (d, b) => T.cast(sample(d, b), 'float32') },
  { name: 'contiguous (copy of a view)', kernel: 'copy', probe: (d, b) => sample(d, b).T.contiguous() },
  { name: 'sum', kernel: 'reduce', probe: (d, b) => T.sum(sample(d, b), 1) },
  { name: 'prod', kernel: 'reduce', probe: (d, b) => T.prod(sample(d, b), 1) },
  { name: 'max', kernel: 'reduce', probe: (d, b) => T.max(sample(d, b), 1) },
  { name: 'min', kernel: 'reduce', probe: (d, b) => T.min(sample(d, b), 1) },
  { name: 'mean', kernel: '', probe: (d, b) => T.mean(sample(d, b), 1) },
  { name: 'argmax', kernel: 'argReduce', probe: (d, b) => T.argmax(sample(d, b), 1) },
  { name: 'argmin', kernel: 'argReduce', probe: (d, b) => T.argmin(sample(d, b), 1) },
  { name: 'matmul', kernel: 'matmul', probe: (d, b) => T.matmul(sample(d, b), sample(d, b).T) },
  { name: 'gather', kernel: 'gather', probe: (d, b) => T.gather(sample(d, b), indices(b, [1, 0, 1]), 0) },
  {
    name: 'scatterAdd',
    kernel: 'scatterAdd',
    probe: (d, b) => T.scatterAdd([2, 3], indices(b, [1, 1]), sample(d, b), 0),
  },
  { name: 'concat', kernel: 'concat', probe: (d, b) => T.concat([sample(d, b), sample(d, b)], 0) },
  { name: 'stack', kernel: '', probe: (d, b) => T.stack([sample(d, b), sample(d, b)], 0) },
  { name: 'split', kernel: '', probe: (d, b) => T.split(sample(d, b), 3, 1)[0] },
  { name: 'clip', kernel: '', probe: (d, b) => T.clip(sample(d, b), 0, 1) },
  { name: 'softmax', kernel: 'softmax', probe: (d, b) => T.softmax(sample(d, b), -1) },
  { name: 'logSoftmax', kernel: 'logSoftmax', probe: (d, b) => T.logSoftmax(sample(d, b), -1) },
  { name: 'logsumexp', kernel: '', probe: (d, b) => T.logsumexp(sample(d, b), -1) },
  { name: 'layerNorm', kernel: 'layerNorm', probe: (d, b) => T.layerNorm(sample(d, b)) },
  { name: 'gelu', kernel: 'gelu', probe: (d, b) => T.gelu(sample(d, b)) },
  { name: 'gelu (tanh)', kernel: 'gelu', probe: (d, b) => T.gelu(sample(d, b), 'tanh') },
  { name: 'variance', kernel: '', probe: (d, b) => T.variance(sample(d, b), -1) },
  {
    name: 'crossEntropy (logits dtype)',
    kernel: '',
    probe: (d, b) => T.crossEntropy(sample(d, b), indices(b, [2, 0])),
  },
  {
    name: 'randomUniform',
    kernel: '',
    note: '(filled on the host)',
    probe: (d, b) => T.randomUniform([4], { dtype: d, backend: b, seed: 1 }),
  },
  {
    name: 'randomNormal',
    kernel: '',
    note: '(filled on the host)',
    probe: (d, b) => T.randomNormal([4], { dtype: d, backend: b, seed: 1 }),
  },
];

const ROWS: OpRow[] = [...unaryRows, ...binaryRows, ...otherRows];

/** The op's name without a parenthesised note, as exported by @typegrad/tensor and @typegrad/autograd. */
const exportName = (row: OpRow) => row.name.split(' ')[0];

/** The result dtype of `probe`, or null when the op refuses the dtype with a DTypeError. */
function resultDtype(probe: Probe, dtype: T.DType, backend: string): T.DType | null {
  try {
    return T.tidy(() => probe(dtype, backend).dtype);
  } catch (error) {
    if (error instanceof T.DTypeError) return null;
    throw error;
  }
}

function autogradCell(row: OpRow): string {
  const name = exportName(row);
  if ((DIFFERENTIABLE_OPS as readonly string[]).includes(name)) return 'yes';
  if ((NON_DIFFERENTIABLE_OPS as readonly string[]).includes(name)) return 'no gradient';
  return '';
}

/** Where the cpu backend's WebAssembly SIMD kernels take over (float32 inputs above a size threshold). */
function wasmCell(row: OpRow): string {
  const name = exportName(row);
  if (row.kernel === 'unary') return (WASM_UNARY_OPS as readonly string[]).includes(name) ? 'f32' : '';
  if (row.kernel === 'binary') return (WASM_BINARY_OPS as readonly string[]).includes(name) ? 'f32' : '';
  if (row.kernel === 'reduce') return (WASM_REDUCE_OPS as readonly string[]).includes(name) ? 'f32' : '';
  if (['matmul', 'softmax', 'logSoftmax', 'layerNorm', 'gelu'].includes(row.kernel)) return 'f32';
  return '';
}

/** A Markdown table with padded columns, as the repository's formatter (biome) lays them out. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(3, h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function opsTable(backend: string): string {
  const registered = new Set<string>(T.kernelNames(backend));
  const header = ['op', 'kernel', ...T.DTYPES, ...(backend === 'cpu' ? ['wasm SIMD'] : []), 'autograd'];
  const rows = ROWS.map((row) => {
    // A backend without an optional fused kernel runs the composite instead.
    const kernel = registered.has(row.kernel) ? `\`${row.kernel}\`` : (row.note ?? '(composite)');
    const cells = T.DTYPES.map((d) => {
      const out = resultDtype(row.probe, d, backend);
      return out === null ? '—' : SHORT[out];
    });
    return [
      `\`${row.name}\``,
      kernel,
      ...cells,
      ...(backend === 'cpu' ? [wasmCell(row)] : []),
      autogradCell(row),
    ];
  });
  return table(header, rows);
}

function kernelTable(): string {
  const backends = T.registeredBackends();
  const names = [...new Set(backends.flatMap((b) => T.kernelNames(b)))];
  return table(
    ['kernel', ...backends],
    names.map((name) => [`\`${name}\``, ...backends.map((b) => (T.hasKernel(b, name) ? 'yes' : '—'))]),
  );
}

function gpujsModesTable(): string {
  const tables = GPUJS_MODES.map((mode) => new Set(gpujsKernelNames(mode)));
  const names = [...new Set(tables.flatMap((t) => [...t]))];
  return table(
    ['kernel', ...GPUJS_MODES.map((m) => `gpujs:${m}`)],
    names.map((name) => [`\`${name}\``, ...tables.map((t) => (t.has(name) ? 'yes' : '—'))]),
  );
}

function promotionTable(): string {
  return table(
    ['a \\ b', ...T.DTYPES],
    T.DTYPES.map((a) => [a, ...T.DTYPES.map((b) => SHORT[T.promoteTypes(a, b)])]),
  );
}

/** The whole of FEATURES.md. */
export function renderFeatures(): string {
  const backends = T.registeredBackends();
  const parts = [
    '# typegrad: features',
    '',
    '<!-- Generated by scripts/features.ts from the registries; do not edit by hand. -->',
    '<!-- Regenerate: pnpm build && node --import tsx/esm scripts/features.ts -->',
    '',
    `Backends registered: ${backends.map((b) => `\`${b}\``).join(', ')}. Dtypes: ${T.DTYPES.map((d) => `\`${d}\``).join(', ')}.`,
    '',
    '## Kernels per backend',
    '',
    'Each op of `@typegrad/tensor` runs one kernel of the registry (`getKernel(backend, name)`), or',
    'is a composite written once from other ops. `softmax`, `logSoftmax`, `layerNorm` and `gelu`',
    'are optional fused kernels: where a backend has none, the composite runs.',
    '',
    kernelTable(),
    '',
    '## The gpujs backend in each gpu.js mode',
    '',
    '`registerGpujsBackend({ mode })` registers `gpujs:<mode>`: WebGPU compute shaders (`webgpu`),',
    'WebGL fragment shaders (`headlessgl` in Node, `webgl2` and `webgl` in browsers), WebAssembly',
    '(`webasm`) or plain JavaScript (`cpu`). Each computes in float32 (int32 and bool held exactly',
    'up to 2^24) and refuses float64; its kernels, from the table each mode builds:',
    '',
    gpujsModesTable(),
    '',
    '## Dtype promotion of binary ops',
    '',
    'The result of `add(a, b)` (and the other arithmetic ops) has the wider dtype; comparisons give',
    '`bool`, `div` and `pow` of integers give `f32`, arithmetic on two `bool`s gives `i32`.',
    '',
    promotionTable(),
    '',
  ];
  for (const backend of backends) {
    parts.push(
      `## Ops × dtypes on \`${backend}\``,
      '',
      "Each cell is the dtype of the result when every array input has the column's dtype (index",
      'inputs are `int32`); `—` means the op refuses that dtype with a `DTypeError`.',
      ...(backend.startsWith('gpujs:')
        ? ['The gpujs backend checks dtypes in shared code, so every gpu.js mode answers alike.']
        : []),
      ...(backend === 'cpu'
        ? [
            '**wasm SIMD**: the op has a WebAssembly SIMD kernel, used for `float32` arrays above a size',
            'threshold when `setCpuOptions({ fast: true })` (the default); other cases run the',
            'plain-TypeScript reference kernels.',
          ]
        : []),
      '**autograd**: `yes` when `@typegrad/autograd` exports the op with a backward rule',
      '(`DIFFERENTIABLE_OPS`), `no gradient` when its result is never differentiable',
      '(`NON_DIFFERENTIABLE_OPS`), empty when autograd does not export it under that name.',
      '',
      opsTable(backend),
      '',
    );
  }
  const differentiableElsewhere = DIFFERENTIABLE_OPS.filter(
    (op) => !ROWS.some((row) => exportName(row) === op),
  );
  parts.push(
    '## Differentiable ops without a row above',
    '',
    'Views and helpers of `@typegrad/autograd` with backward rules (dtype follows the input):',
    differentiableElsewhere.map((op) => `\`${op}\``).join(', '),
    '',
  );
  return parts.join('\n');
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  await registerFeatureBackends();
  const text = renderFeatures();
  if (process.argv.includes('--check')) {
    const committed = readFileSync(FEATURES_FILE, 'utf8');
    if (committed !== text) {
      console.error('FEATURES.md is out of date: run `node --import tsx/esm scripts/features.ts`');
      process.exit(1);
    }
    console.log('FEATURES.md is up to date');
  } else {
    writeFileSync(FEATURES_FILE, text);
    console.log(`wrote ${FEATURES_FILE}`);
  }
}
