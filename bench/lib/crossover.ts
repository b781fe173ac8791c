/**
 * The small-array crossover of issue 5: the size below which typegrad's cpu backend beats
 * gpujs:webgpu, for matmul (N x N x N, A·B) and for an elementwise add. Small arrays pay a
 * fixed cost per call on a device backend (submission, and here the read-back of the result),
 * so the device wins, if at all, only from some size on. On a machine without a GPU, Dawn
 * runs WebGPU on Mesa llvmpipe (software), and the summary says so.
 */
import { add, fromTyped, matmul, type NDArray } from '@typegrad/tensor';
import { type Built, typegradContenders, uniformData } from './contenders.js';
import { type GpujsTarget, implOf } from './gpujs-backends.js';
import type { CheckClass, CheckLedger } from './gpujs-check.js';
import { type BuildOn, gpujsContenders } from './gpujs-contenders.js';
import type { BenchCase, Contender, Row } from './harness.js';
import type { SummaryLine } from './report.js';

/** Matmul sizes N (N x N x N) the crossover is looked for among. */
export const CROSSOVER_MATMUL_N: readonly number[] = [16, 32, 64, 128, 256, 512];
/** Elementwise add sizes (elements) the crossover is looked for among. */
export const CROSSOVER_ADD_SIZES: readonly number[] = [1e2, 1e3, 1e4, 1e5, 1e6];

/** The cpu rows (if cpu is measured) and the gpujs rows of one crossover case. */
function crossoverContenders(
  withCpu: boolean,
  targets: readonly GpujsTarget[],
  caseName: string,
  check: CheckClass,
  build: BuildOn,
  ledger: CheckLedger,
  notes: string[],
): Contender[] {
  const cpu = withCpu ? typegradContenders(() => build('cpu'), { reference: false }, notes) : [];
  return [...cpu, ...gpujsContenders(targets, caseName, check, build, ledger)];
}

/** a + b on `size` float32 elements: cpu and gpujs rows only (the crossover is about them). */
export function addCase(
  size: number,
  seed: number,
  withCpu: boolean,
  targets: readonly GpujsTarget[],
  ledger: CheckLedger,
  notes: string[],
): BenchCase {
  const aData = uniformData(size, seed);
  const bData = uniformData(size, seed + 1);
  const build = (backend: string): Built<NDArray> => {
    const a = fromTyped(aData.slice(), [size], backend);
    const b = fromTyped(bData.slice(), [size], backend);
    return { compute: () => add(a, b), owned: [a, b] };
  };
  return {
    op: 'add',
    shape: String(size),
    flops: size,
    bytes: 12 * size,
    // one correctly rounded float32 addition per element on every backend
    tolerance: { rtol: 1e-6, atol: 0 },
    contenders: crossoverContenders(
      withCpu,
      targets,
      `add ${size}`,
      { tol: 'arithmetic' },
      build,
      ledger,
      notes,
    ),
  };
}

/** N x N x N matmul A·B for the crossover: cpu and gpujs rows only. */
export function squareMatmulCase(
  n: number,
  seed: number,
  withCpu: boolean,
  targets: readonly GpujsTarget[],
  ledger: CheckLedger,
  notes: string[],
): BenchCase {
  const aData = uniformData(n * n, seed);
  const bData = uniformData(n * n, seed + 1);
  const build = (backend: string): Built<NDArray> => {
    const a = fromTyped(aData.slice(), [n, n], backend);
    const b = fromTyped(bData.slice(), [n, n], backend);
    return { compute: () => matmul(a, b), owned: [a, b] };
  };
  const name = `matmul ${n}x${n}x${n} AB`;
  return {
    op: 'matmul',
    shape: `${n}x${n}x${n}`,
    layout: 'AB',
    flops: 2 * n ** 3,
    tolerance: { rtol: 1e-3, atol: 1e-5 * n },
    contenders: crossoverContenders(withCpu, targets, name, { tol: 'matmul', k: n }, build, ledger, notes),
  };
}

/** One measured size: the faster cpu row's time over the gpujs row's (above 1: the device wins). */
interface SizeRatio {
  size: number;
  shape: string;
  ratio: number;
}

/** Where the device wins for good: the smallest size from which it is faster at every larger one. */
export function crossoverSize(ratios: readonly SizeRatio[]): SizeRatio | null {
  let found: SizeRatio | null = null;
  for (let i = ratios.length - 1; i >= 0 && ratios[i].ratio >= 1; i--) found = ratios[i];
  return found;
}

function ratiosOf(
  rows: readonly Row[],
  op: string,
  device: string,
  sizes: readonly number[],
  shapeOf: (size: number) => string,
  layout?: string,
): SizeRatio[] {
  const ratios: SizeRatio[] = [];
  for (const size of sizes) {
    const shape = shapeOf(size);
    const here = rows.filter((r) => r.op === op && r.shape === shape && r.layout === layout);
    const cpuMs = Math.min(...here.filter((r) => r.impl === 'typegrad:cpu').map((r) => r.medianMs));
    const deviceRow = here.find((r) => r.impl === device);
    if (deviceRow && Number.isFinite(cpuMs)) ratios.push({ size, shape, ratio: cpuMs / deviceRow.medianMs });
  }
  return ratios;
}

/**
 * The crossover summary, one line per op: the size below which the faster typegrad:cpu row
 * (1 or 2 threads) beats gpujs:webgpu, i.e. from which on the device is faster at every larger
 * measured size. The ratio is the cpu row's time over the device row's at that size (above 1:
 * the device wins), or at the largest size when the device never catches up there (result FAIL).
 */
export function summarizeCrossover(rows: readonly Row[], webgpu: GpujsTarget): Omit<SummaryLine, 'suite'>[] {
  const device = implOf(webgpu);
  const adapter = webgpu.software ? 'Mesa llvmpipe, software' : webgpu.detail;
  const ops = [
    {
      op: 'matmul',
      layout: 'AB',
      sizes: CROSSOVER_MATMUL_N,
      shapeOf: (n: number) => `${n}x${n}x${n}`,
      unit: 'N',
    },
    { op: 'add', layout: undefined, sizes: CROSSOVER_ADD_SIZES, shapeOf: String, unit: 'elements' },
  ];
  const lines: Omit<SummaryLine, 'suite'>[] = [];
  for (const { op, layout, sizes, shapeOf, unit } of ops) {
    const ratios = ratiosOf(rows, op, device, sizes, shapeOf, layout);
    if (ratios.length === 0) continue;
    const crossing = crossoverSize(ratios);
    const largest = ratios[ratios.length - 1];
    const where =
      crossing === null
        ? `not reached: cpu faster at ${unit} = ${largest.size}`
        : crossing === ratios[0]
          ? `none measured: device faster from ${unit} = ${crossing.size}`
          : `${unit} < ${crossing.size}`;
    lines.push({
      check: `${op} crossover: ms best typegrad:cpu / ${device} (${adapter}); cpu faster below`,
      shape: where,
      layout,
      ratio: (crossing ?? largest).ratio,
      target: 1,
      pass: crossing !== null,
    });
  }
  return lines;
}
