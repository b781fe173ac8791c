/**
 * Elementwise (add, mul, exp), softmax over the last axis, layerNorm, sum over the last axis and
 * over axis 0 (a bias gradient) and GELU (exact and tanh) on [4096, 256]: typegrad against
 * tfjs-wasm and tfjs-cpu. tfjs-core has no layerNorm or gelu op, so its rows compose them from
 * moments, erf and tanh, as a tfjs user (and tfjs-layers) would.
 */
import './lib/detach-probe.js'; // first: must see every WebAssembly instantiation

import { add, exp, fromTyped, gelu, layerNorm, mul, type NDArray, softmax, sum } from '@typegrad/tensor';
import type { BenchArgs } from './lib/cli.js';
import { type Built, tfjsContender, typegradContenders, uniformData } from './lib/contenders.js';
import type { BenchCase, Row } from './lib/harness.js';
import { tf, tfTensor } from './lib/peers.js';
import type { SummaryLine } from './lib/report.js';
import { isMainModule, main, type Suite } from './lib/suite.js';

const ROWS = 4096;
const COLS = 256;
const EPS = 1e-5;
const BYTES = 4;

interface OpInputs {
  x: Float32Array;
  y: Float32Array;
  weight: Float32Array;
  bias: Float32Array;
}

interface OpSpec {
  op: string;
  /** Arrays of ROWS x COLS one call must at least read and write (for GB/s; a reduction's output is a fraction). */
  arraysMoved: number;
  tolerance: { rtol: number; atol: number };
  typegrad(t: { x: NDArray; y: NDArray; weight: NDArray; bias: NDArray }): NDArray;
  tfjs(t: { x: tf.Tensor; y: tf.Tensor; weight: tf.Tensor; bias: tf.Tensor }): tf.Tensor;
}

const OPS: OpSpec[] = [
  {
    op: 'add',
    arraysMoved: 3,
    tolerance: { rtol: 1e-6, atol: 1e-6 },
    typegrad: ({ x, y }) => add(x, y),
    tfjs: ({ x, y }) => tf.add(x, y),
  },
  {
    op: 'mul',
    arraysMoved: 3,
    tolerance: { rtol: 1e-6, atol: 1e-6 },
    typegrad: ({ x, y }) => mul(x, y),
    tfjs: ({ x, y }) => tf.mul(x, y),
  },
  {
    op: 'exp',
    arraysMoved: 2,
    tolerance: { rtol: 1e-5, atol: 1e-6 },
    typegrad: ({ x }) => exp(x),
    tfjs: ({ x }) => tf.exp(x),
  },
  {
    op: 'softmax',
    arraysMoved: 2,
    tolerance: { rtol: 1e-4, atol: 1e-6 },
    typegrad: ({ x }) => softmax(x, -1),
    tfjs: ({ x }) => tf.softmax(x, -1),
  },
  {
    op: 'layerNorm',
    arraysMoved: 2,
    tolerance: { rtol: 1e-3, atol: 1e-4 },
    typegrad: ({ x, weight, bias }) => layerNorm(x, weight, bias, EPS),
    tfjs: ({ x, weight, bias }) =>
      tf.tidy(() => {
        const { mean, variance } = tf.moments(x, -1, true);
        const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS)));
        return tf.add(tf.mul(normalized, weight), bias);
      }),
  },
  {
    op: 'sum (last axis)',
    arraysMoved: 1 + 1 / COLS,
    tolerance: { rtol: 1e-4, atol: 1e-3 },
    typegrad: ({ x }) => sum(x, -1),
    tfjs: ({ x }) => tf.sum(x, -1),
  },
  {
    op: 'sum (axis 0)',
    arraysMoved: 1 + 1 / ROWS,
    tolerance: { rtol: 1e-3, atol: 1e-2 },
    typegrad: ({ x }) => sum(x, 0),
    tfjs: ({ x }) => tf.sum(x, 0),
  },
  {
    op: 'gelu',
    arraysMoved: 2,
    tolerance: { rtol: 1e-4, atol: 1e-5 },
    typegrad: ({ x }) => gelu(x),
    tfjs: ({ x }) => tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))),
  },
  {
    op: 'gelu (tanh)',
    arraysMoved: 2,
    tolerance: { rtol: 1e-4, atol: 1e-5 },
    typegrad: ({ x }) => gelu(x, 'tanh'),
    tfjs: ({ x }) =>
      tf.tidy(() => {
        const cube = tf.mul(tf.mul(x, x), x);
        const inner = tf.tanh(tf.mul(tf.add(x, tf.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI)));
        return tf.mul(tf.mul(x, 0.5), tf.add(inner, 1));
      }),
  },
];

function opCase(spec: OpSpec, inputs: OpInputs, notes: string[]): BenchCase {
  const typegradBuild = (): Built<NDArray> => {
    const t = {
      x: fromTyped(inputs.x.slice(), [ROWS, COLS]),
      y: fromTyped(inputs.y.slice(), [ROWS, COLS]),
      weight: fromTyped(inputs.weight.slice(), [COLS]),
      bias: fromTyped(inputs.bias.slice(), [COLS]),
    };
    return { compute: () => spec.typegrad(t), owned: Object.values(t) };
  };
  const tfjsBuild = (): Built<tf.Tensor> => {
    const t = {
      x: tfTensor(inputs.x, [ROWS, COLS]),
      y: tfTensor(inputs.y, [ROWS, COLS]),
      weight: tfTensor(inputs.weight, [COLS]),
      bias: tfTensor(inputs.bias, [COLS]),
    };
    return { compute: () => spec.tfjs(t), owned: Object.values(t) };
  };
  return {
    op: spec.op,
    shape: `${ROWS}x${COLS}`,
    bytes: spec.arraysMoved * ROWS * COLS * BYTES,
    tolerance: spec.tolerance,
    contenders: [
      ...typegradContenders(typegradBuild, { reference: false }, notes),
      tfjsContender('cpu', tfjsBuild),
      tfjsContender('wasm', tfjsBuild),
    ],
  };
}

/** The fast-kernels issue asks for typegrad within 1.5x of tfjs-wasm's time. */
export function summarizeOps(rows: readonly Row[]): Omit<SummaryLine, 'suite'>[] {
  return OPS.map(({ op }) => {
    const ours = rows.find((r) => r.op === op && r.impl === 'typegrad:cpu' && r.threads === 1);
    const peer = rows.find((r) => r.op === op && r.impl === 'tfjs-wasm');
    const ratio = ours && peer ? peer.medianMs / ours.medianMs : null;
    const target = Number((1 / 1.5).toFixed(2));
    return {
      check: `${op}: ms tfjs-wasm / typegrad:cpu 1t (within 1.5x)`,
      shape: `${ROWS}x${COLS}`,
      ratio,
      target,
      pass: ratio === null ? null : ratio >= target,
    };
  });
}

export const suite: Suite = {
  name: 'ops',
  cases(args: BenchArgs, notes: string[]) {
    const inputs: OpInputs = {
      x: uniformData(ROWS * COLS, 7, -4, 4),
      y: uniformData(ROWS * COLS, 8, -4, 4),
      weight: uniformData(COLS, 9, 0.5, 1.5),
      bias: uniformData(COLS, 10, -0.5, 0.5),
    };
    notes.push(
      'GB/s counts each input read once and the output written once (layerNorm: x and y only)',
      'tfjs layerNorm is composed from tf.moments, gelu from tf.erf / tf.tanh (no fused ops in tfjs-core); tfjs-wasm runs 1 thread in Node',
    );
    if (args.shapes) notes.push('--shapes applies to matmul only; ops ran on 4096x256');
    return OPS.map((spec) => opCase(spec, inputs, notes));
  },
  summarize: summarizeOps,
};

if (isMainModule(import.meta.url)) await main([suite]);
