/**
 * `pnpm bench:matmul`: float32 matmul of typegrad against tfjs-cpu and tfjs-wasm, in the three
 * layouts training needs (A·B forward, A·Bᵀ and Aᵀ·B backward). Transposed operands are views
 * (`.T` of a contiguous array) for typegrad and `transposeA/B` flags for tfjs. With
 * `--backends` typegrad also runs on gpujs backends, and with a GPU mode (gpujs:webgpu, else
 * gpujs:headlessgl) the suite adds the small-size crossover cases (lib/crossover.ts).
 */
import './lib/detach-probe.js'; // first: must see every WebAssembly instantiation

import { fromTyped, matmul, type NDArray } from '@typegrad/tensor';
import type { BenchArgs } from './lib/cli.js';
import { type Built, tfjsContender, typegradContenders, uniformData } from './lib/contenders.js';
import {
  addCase,
  CROSSOVER_ADD_SIZES,
  CROSSOVER_MATMUL_N,
  squareMatmulCase,
  summarizeCrossover,
} from './lib/crossover.js';
import { describeGpujsTargets, type GpujsTarget, implOf, loadGpujsTargets } from './lib/gpujs-backends.js';
import { CheckLedger } from './lib/gpujs-check.js';
import { gpujsContenders } from './lib/gpujs-contenders.js';
import type { BenchCase, Row } from './lib/harness.js';
import { tf, tfTensor } from './lib/peers.js';
import type { SummaryLine } from './lib/report.js';
import { isMainModule, main, type Suite } from './lib/suite.js';

export type Layout = 'AB' | 'ABt' | 'AtB';
export const LAYOUTS: readonly Layout[] = ['AB', 'ABt', 'AtB'];

const FULL_SHAPES = ['64', '128', '256', '512', '1024', '2048x256x768'];
const QUICK_SHAPES = ['64', '256'];
/** The plain-TS reference kernel only up to this many multiply-adds (512³), to keep time down. */
const REFERENCE_MAX_MKN = 512 ** 3;
/** tfjs-cpu (plain JS) only up to 256³: it is slow. */
const TFJS_CPU_MAX_MKN = 256 ** 3;

interface MatmulShape {
  m: number;
  k: number;
  n: number;
}

/** `N` (N x N x N) or `MxKxN`. */
export function parseMatmulShape(text: string): MatmulShape {
  const dims = text.toLowerCase().split('x').map(Number);
  const valid = dims.every((d) => Number.isInteger(d) && d > 0);
  if (!valid || (dims.length !== 1 && dims.length !== 3)) {
    throw new RangeError(`bench: matmul shape '${text}' is not N or MxKxN with positive integers`);
  }
  const [m, k, n] = dims.length === 1 ? [dims[0], dims[0], dims[0]] : dims;
  return { m, k, n };
}

const shapeName = ({ m, k, n }: MatmulShape) => `${m}x${k}x${n}`;

/** Stored operand shapes: a transposed operand is stored the other way round. */
function storedShapes({ m, k, n }: MatmulShape, layout: Layout): { a: number[]; b: number[] } {
  return { a: layout === 'AtB' ? [k, m] : [m, k], b: layout === 'ABt' ? [n, k] : [k, n] };
}

/** What the typegrad rows of a run are: cpu or not, the gpujs backends that loaded, their check. */
interface TypegradRows {
  cpu: boolean;
  gpujs: readonly GpujsTarget[];
  ledger: CheckLedger;
}

function matmulCase(
  shape: MatmulShape,
  layout: Layout,
  seed: number,
  typegrad: TypegradRows,
  notes: string[],
): BenchCase {
  const stored = storedShapes(shape, layout);
  const aData = uniformData(shape.m * shape.k, seed);
  const bData = uniformData(shape.k * shape.n, seed + 1);
  const mkn = shape.m * shape.k * shape.n;

  const typegradBuild = (backend = 'cpu'): Built<NDArray> => {
    const a = fromTyped(aData.slice(), stored.a, backend);
    const b = fromTyped(bData.slice(), stored.b, backend);
    const x = layout === 'AtB' ? a.T : a;
    const y = layout === 'ABt' ? b.T : b;
    return { compute: () => matmul(x, y), owned: [...new Set([x, y, a, b])] };
  };
  const tfjsBuild = (): Built<tf.Tensor> => {
    const a = tfTensor(aData, stored.a) as tf.Tensor2D;
    const b = tfTensor(bData, stored.b) as tf.Tensor2D;
    return { compute: () => tf.matMul(a, b, layout === 'AtB', layout === 'ABt'), owned: [a, b] };
  };

  const contenders = typegrad.cpu
    ? typegradContenders(typegradBuild, { reference: mkn <= REFERENCE_MAX_MKN }, notes)
    : [];
  const name = `matmul ${shapeName(shape)} ${layout}`;
  const check = { tol: 'matmul', k: shape.k } as const;
  contenders.push(...gpujsContenders(typegrad.gpujs, name, check, typegradBuild, typegrad.ledger));
  if (mkn <= TFJS_CPU_MAX_MKN) contenders.push(tfjsContender('cpu', tfjsBuild));
  contenders.push(tfjsContender('wasm', tfjsBuild));
  return {
    op: 'matmul',
    shape: shapeName(shape),
    layout,
    flops: 2 * mkn,
    // float32 sums of k products of values in [-1, 1): errors grow with k.
    tolerance: { rtol: 1e-3, atol: 1e-5 * shape.k },
    contenders,
  };
}

function find(rows: readonly Row[], impl: string, threads: number, shape: string, layout: Layout) {
  return rows.find(
    (r) => r.impl === impl && r.threads === threads && r.shape === shape && r.layout === layout,
  );
}

function ratioLine(
  check: string,
  shape: string,
  layout: Layout,
  target: number,
  numerator: Row | undefined,
  denominator: Row | undefined,
): Omit<SummaryLine, 'suite'> {
  const ratio = numerator?.gflops && denominator?.gflops ? numerator.gflops / denominator.gflops : null;
  return { check, shape, layout, ratio, target, pass: ratio === null ? null : ratio >= target };
}

/** The acceptance ratios of the fast-kernels issue, per layout. */
export function summarizeMatmul(rows: readonly Row[]): Omit<SummaryLine, 'suite'>[] {
  const lines: Omit<SummaryLine, 'suite'>[] = [];
  for (const shape of ['512x512x512', '1024x1024x1024', '2048x256x768']) {
    for (const layout of LAYOUTS) {
      lines.push(
        ratioLine(
          'GFLOP/s typegrad:cpu 1t / tfjs-wasm 1t',
          shape,
          layout,
          0.8,
          find(rows, 'typegrad:cpu', 1, shape, layout),
          find(rows, 'tfjs-wasm', 1, shape, layout),
        ),
      );
    }
  }
  for (const layout of LAYOUTS) {
    const shape = '1024x1024x1024';
    lines.push(
      ratioLine(
        'GFLOP/s typegrad:cpu 2t / 1t',
        shape,
        layout,
        1.7,
        find(rows, 'typegrad:cpu', 2, shape, layout),
        find(rows, 'typegrad:cpu', 1, shape, layout),
      ),
    );
  }
  return lines;
}

/** The crossover cases not already measured as A·B cases of the suite's shapes. */
function crossoverCases(
  shapes: readonly MatmulShape[],
  typegrad: TypegradRows,
  notes: string[],
): BenchCase[] {
  const measured = new Set(shapes.map(shapeName));
  const seed = 500_000; // apart from the main cases' seeds
  const matmuls = CROSSOVER_MATMUL_N.filter((n) => !measured.has(`${n}x${n}x${n}`)).map((n) =>
    squareMatmulCase(n, seed + n, typegrad.cpu, typegrad.gpujs, typegrad.ledger, notes),
  );
  const adds = CROSSOVER_ADD_SIZES.map((size, i) =>
    addCase(size, seed + 10_000 + 10 * i, typegrad.cpu, typegrad.gpujs, typegrad.ledger, notes),
  );
  return [...matmuls, ...adds];
}

/** The gpujs:webgpu backend of the latest run, for the crossover summary (null: not measured). */
let crossoverDevice: GpujsTarget | null = null;

export const suite: Suite = {
  name: 'matmul',
  async cases(args: BenchArgs, notes: string[]) {
    const shapes = (args.shapes ?? (args.quick ? QUICK_SHAPES : FULL_SHAPES)).map(parseMatmulShape);
    const typegrad: TypegradRows = {
      cpu: args.backends.includes('cpu'),
      gpujs: await loadGpujsTargets(args.backends, notes),
      ledger: new CheckLedger(notes),
    };
    notes.push(
      'tfjs-wasm runs single-threaded in Node (threads off, pool capped at cores/2): compare 1-thread rows',
      `typegrad:cpu-ref only up to 512³ multiply-adds, tfjs-cpu only up to 256³ (time)`,
    );
    if (typegrad.gpujs.length > 0) {
      notes.push(
        ...describeGpujsTargets(typegrad.gpujs),
        'gpujs rows: each timed call computes on the device and reads the result back (await x.data()), so ' +
          'queued device work and the read-back are counted; typegrad:cpu and tfjs rows leave their result in place',
      );
    }
    const cases = shapes.flatMap((shape, i) =>
      LAYOUTS.map((layout, j) => matmulCase(shape, layout, 1000 * i + 10 * j, typegrad, notes)),
    );
    crossoverDevice =
      typegrad.gpujs.find((t) => t.mode === 'webgpu') ??
      typegrad.gpujs.find((t) => t.mode === 'headlessgl') ??
      null;
    if (crossoverDevice && typegrad.cpu) {
      notes.push(
        `crossover cases (cpu and gpujs rows only): matmul N x N x N A·B for N = ${CROSSOVER_MATMUL_N.join(', ')} ` +
          `and add of ${CROSSOVER_ADD_SIZES.map((n) => n.toExponential(0)).join(', ')} elements; ` +
          `the crossover compares the faster typegrad:cpu row (1 or 2 threads) with ${implOf(crossoverDevice)}`,
      );
      cases.push(...crossoverCases(shapes, typegrad, notes));
    } else if (args.backends.includes('gpujs:webgpu') || args.backends.includes('gpujs:headlessgl')) {
      notes.push(
        'crossover not measured: it needs the cpu backend and a gpujs:webgpu or gpujs:headlessgl row',
      );
    }
    return cases;
  },
  summarize(rows) {
    const lines = summarizeMatmul(rows);
    if (crossoverDevice) lines.push(...summarizeCrossover(rows, crossoverDevice));
    return lines;
  },
};

if (isMainModule(import.meta.url)) await main([suite]);
